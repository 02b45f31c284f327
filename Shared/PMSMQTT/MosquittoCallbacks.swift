import CMosquitto

/// C trampolines: libmosquitto hands back our userdata pointer, which is an unretained
/// `ClientSession` reference kept alive by the client until after `mosquitto_destroy`.
enum MosquittoCallbacks {
    static func install(on handle: MosquittoHandle) {
        let mosq = handle.raw
        mosquitto_connect_with_flags_callback_set(mosq) { mosq, userdata, code, flags in
            MosquittoCallbacks.session(userdata)?.handleConnect(mosq, code: code, sessionPresent: flags & 1 != 0)
        }
        mosquitto_disconnect_callback_set(mosq) { _, userdata, code in
            MosquittoCallbacks.session(userdata)?.handleDisconnect(code: code)
        }
        mosquitto_publish_callback_set(mosq) { _, userdata, mid in
            MosquittoCallbacks.session(userdata)?.handlePublished(mid: mid)
        }
        mosquitto_subscribe_callback_set(mosq) { _, userdata, mid, count, granted in
            let grantedQoS = granted.map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
            MosquittoCallbacks.session(userdata)?.handleSubscribed(mid: mid, grantedQoS: grantedQoS)
        }
        mosquitto_unsubscribe_callback_set(mosq) { _, userdata, mid in
            MosquittoCallbacks.session(userdata)?.handleUnsubscribed(mid: mid)
        }
        mosquitto_log_callback_set(mosq) { _, userdata, level, text in
            guard let text, let session = MosquittoCallbacks.session(userdata), session.logger.logLevel <= .trace else { return }
            session.logger.trace("libmosquitto: \(String(cString: text))", metadata: ["level": "\(level)"])
        }
        mosquitto_message_callback_set(mosq) { _, userdata, raw in
            guard let raw, let session = MosquittoCallbacks.session(userdata) else { return }
            session.handleMessage(MosquittoCallbacks.message(from: raw.pointee))
        }
    }

    private static func session(_ userdata: UnsafeMutableRawPointer?) -> ClientSession? {
        userdata.map { Unmanaged<ClientSession>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Copies out of libmosquitto's buffer, which is freed when the callback returns.
    private static func message(from raw: mosquitto_message) -> MQTTMessage {
        let topic = raw.topic.map { String(cString: $0) } ?? ""
        var payload: [UInt8] = []
        if let bytes = raw.payload, raw.payloadlen > 0 {
            payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(raw.payloadlen)))
        }
        return MQTTMessage(topic: topic, payload: payload, qos: Int(raw.qos), retain: raw.retain)
    }
}
