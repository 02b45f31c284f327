import CMosquitto
import Logging

/// Reactions to libmosquitto events; all run on libmosquitto's loop thread.
extension ClientSession {
    func handleConnect(_ mosq: OpaquePointer?, code: Int32, sessionPresent: Bool) {
        guard code == 0 else {
            let reason = String(cString: mosquitto_connack_string(code))
            logger.warning("MQTT broker \(brokerLabel) refused the connection: \(reason)")
            return
        }
        let (filters, isReconnect) = state.withLock { state in
            state.isConnected = true
            state.failedAttempts = 0
            let isReconnect = state.hasConnectedBefore
            state.hasConnectedBefore = true
            state.waiters.resumeAll(waitingFor: .connected, with: .success(()))
            return (state.subscriptions, isReconnect)
        }
        logger.info(
            "MQTT \(isReconnect ? "reconnected" : "connected") to \(brokerLabel)",
            metadata: ["session_present": "\(sessionPresent)", "subscriptions": "\(filters.count)"]
        )
        // Re-subscribe even when the broker kept the session: harmless, and it repairs a lost session.
        for (filter, qos) in filters {
            var mid: Int32 = 0
            let code = mosquitto_subscribe(mosq, &mid, filter, qos)
            if code == MOSQ_ERR_SUCCESS.rawValue {
                state.withLock { $0.resubscriptionFilters[mid] = filter }
            } else {
                logger.warning("MQTT re-subscribe to '\(filter)' failed: \(mosquittoErrorText(code))")
            }
        }
        if let birth {
            // Queued on this connection: libmosquitto retries a QoS 1 publish until its PUBACK.
            let code = birth.payload.withUnsafeBytes { bytes in
                mosquitto_publish(mosq, nil, birth.topic, Int32(bytes.count), bytes.baseAddress, Int32(birth.qos),
                                  birth.retain)
            }
            if code != MOSQ_ERR_SUCCESS.rawValue {
                logger.warning("MQTT birth message to '\(birth.topic)' not sent: \(mosquittoErrorText(code))")
            }
        }
    }

    func handleDisconnect(code: Int32) {
        let (wasConnected, isStopping, failedAttempts) = state.withLock { state in
            let wasConnected = state.isConnected
            state.isConnected = false
            if !wasConnected { state.failedAttempts += 1 }
            state.resubscriptionFilters.removeAll()
            // Requests in flight on this connection will not be acknowledged on it.
            state.waiters.resumeAll(where: \.isAcknowledgement, with: .failure(MQTTError.notConnected))
            return (wasConnected, state.phase == .stopped, state.failedAttempts)
        }
        guard !isStopping else { return }  // NetworkLoop.stop() logs the disconnect
        let reason = code == 0 ? "client disconnected" : mosquittoErrorText(code)
        if wasConnected {
            logger.info("MQTT connection to \(brokerLabel) lost, reconnecting", metadata: ["reason": "\(reason)"])
        } else if failedAttempts == 1 {
            logger.info("MQTT cannot reach \(brokerLabel), retrying", metadata: ["reason": "\(reason)"])
        } else {
            logger.debug("MQTT connection attempt to \(brokerLabel) failed", metadata: ["reason": "\(reason)"])
        }
    }

    func handlePublished(mid: Int32) {
        state.withLock { $0.waiters.resumeAll(waitingFor: .acknowledgement(mid: mid), with: .success(())) }
    }

    func handleSubscribed(mid: Int32, grantedQoS: [Int32]) {
        // 0x80 in a SUBACK means the broker refused that filter.
        let rejected = grantedQoS.contains(0x80)
        let result: Result<Void, Error> =
            rejected ? .failure(MQTTError.library(code: 0x80, message: "broker rejected the subscription")) : .success(())
        let resubscribed = state.withLock { state -> String? in
            state.waiters.resumeAll(waitingFor: .acknowledgement(mid: mid), with: result)
            guard let filter = state.resubscriptionFilters.removeValue(forKey: mid) else { return nil }
            state.waiters.resumeAll(waitingFor: .resubscribed(filter: filter), with: result)
            return filter
        }
        if let resubscribed {
            if rejected {
                logger.warning("MQTT broker \(brokerLabel) rejected the re-subscription to '\(resubscribed)'")
            } else {
                logger.debug("MQTT re-subscribed to '\(resubscribed)'")
            }
        }
    }

    func handleUnsubscribed(mid: Int32) {
        state.withLock { $0.waiters.resumeAll(waitingFor: .acknowledgement(mid: mid), with: .success(())) }
    }

    func handleMessage(_ message: MQTTMessage) {
        logger.debug(
            "MQTT message received",
            metadata: ["topic": "\(message.topic)", "bytes": "\(message.payload.count)", "qos": "\(message.qos)"]
        )
        incoming.yield(message)
    }
}
