import CMosquitto
import Logging

extension MQTTClient {
    /// QoS 1 waits for the PUBACK (`publishTimeout`); QoS 0 returns once handed to the library. Throws
    /// `.notConnected` at once when not connected, and when the connection drops before the PUBACK.
    public func publish(_ message: MQTTMessage) async throws {
        let handle = try requireHandle()
        guard message.payload.count <= MosquittoSetup.maxPayload else {
            throw MQTTError.library(code: MOSQ_ERR_PAYLOAD_SIZE.rawValue, message: mosquittoErrorText(MOSQ_ERR_PAYLOAD_SIZE.rawValue))
        }
        if message.qos == 0 {
            try session.state.withLock { state in
                guard state.canSend else { throw MQTTError.notConnected }
                try Self.send(message, via: handle, mid: nil)
            }
        } else {
            let timeout = configuration.publishTimeout
            try await session.wait(
                timeout: timeout,
                timeoutError: .timeout("no PUBACK for '\(message.topic)' within \(timeout) s")
            ) { state in
                guard state.canSend else { throw MQTTError.notConnected }
                var mid: Int32 = 0
                try Self.send(message, via: handle, mid: &mid)
                return .acknowledgement(mid: mid)
            }
        }
        session.logger.debug(
            "MQTT message published",
            metadata: ["topic": "\(message.topic)", "bytes": "\(message.payload.count)", "qos": "\(message.qos)"]
        )
    }

    /// Remembered: re-subscribed automatically after every reconnect. Waits for the SUBACK (`subscribeTimeout`,
    /// then `.timeout`). While the connection is down it waits for the re-subscription after reconnecting;
    /// before `connect()` it throws `.notConnected` but the filter is still subscribed on connect.
    public func subscribe(_ topicFilter: String, qos: Int = 1) async throws {
        let handle = try requireHandle()
        try MQTTError.check(mosquitto_sub_topic_check(topicFilter))
        guard (0...2).contains(qos) else {
            throw MQTTError.library(code: MOSQ_ERR_INVAL.rawValue, message: "QoS must be 0, 1 or 2, not \(qos)")
        }
        let timeout = configuration.subscribeTimeout
        do {
            try await session.wait(
                timeout: timeout,
                timeoutError: .timeout("no SUBACK for '\(topicFilter)' within \(timeout) s")
            ) { state in
                guard state.phase != .stopped else { throw MQTTError.notConnected }
                state.subscriptions[topicFilter] = Int32(qos)
                guard state.canSend else {
                    guard state.phase == .running else { throw MQTTError.notConnected }
                    return .resubscribed(filter: topicFilter)
                }
                var mid: Int32 = 0
                try MQTTError.check(mosquitto_subscribe(handle.raw, &mid, topicFilter, Int32(qos)))
                return .acknowledgement(mid: mid)
            }
        } catch MQTTError.library(0x80, _) {
            session.state.withLock { _ = $0.subscriptions.removeValue(forKey: topicFilter) }
            throw MQTTError.library(code: 0x80, message: "broker rejected the subscription to '\(topicFilter)'")
        }
        session.logger.debug("MQTT subscribed", metadata: ["filter": "\(topicFilter)", "qos": "\(qos)"])
    }

    /// Forgets the filter and waits for the UNSUBACK. Throws `.notConnected` when not connected (the filter
    /// then stays remembered, matching what a persistent session on the broker still has).
    public func unsubscribe(_ topicFilter: String) async throws {
        let handle = try requireHandle()
        let timeout = configuration.subscribeTimeout
        try await session.wait(
            timeout: timeout,
            timeoutError: .timeout("no UNSUBACK for '\(topicFilter)' within \(timeout) s")
        ) { state in
            guard state.canSend else { throw MQTTError.notConnected }
            var mid: Int32 = 0
            try MQTTError.check(mosquitto_unsubscribe(handle.raw, &mid, topicFilter))
            state.subscriptions[topicFilter] = nil
            return .acknowledgement(mid: mid)
        }
        session.logger.debug("MQTT unsubscribed", metadata: ["filter": "\(topicFilter)"])
    }

    private func requireHandle() throws -> MosquittoHandle {
        guard let handle else { throw MQTTError.notConnected }
        return handle
    }

    private static func send(_ message: MQTTMessage, via handle: MosquittoHandle, mid: UnsafeMutablePointer<Int32>?) throws {
        let code = message.payload.withUnsafeBytes { bytes in
            mosquitto_publish(
                handle.raw, mid, message.topic, Int32(bytes.count), bytes.baseAddress, Int32(message.qos), message.retain
            )
        }
        try MQTTError.check(code)
    }
}
