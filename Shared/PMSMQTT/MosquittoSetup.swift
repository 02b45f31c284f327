import CMosquitto
import Foundation

/// Options applied to a fresh `struct mosquitto` before its first connect.
enum MosquittoSetup {
    /// MQTT's maximum packet payload (256 MiB minus header room).
    static let maxPayload = 268_435_455

    static func apply(_ configuration: MQTTConfiguration, address: BrokerAddress, to handle: MosquittoHandle) throws {
        let mosq = handle.raw
        // 3.1.1: clean_session=false keeps the session with no extra properties (v5 would need a session
        // expiry interval), and mosquitto serves $share/ subscriptions to 3.1.1 clients too.
        try MQTTError.check(mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311))
        if let username = address.username {
            try MQTTError.check(mosquitto_username_pw_set(mosq, username, address.password))
        }
        if let will = configuration.will {
            try MQTTError.check(will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set(mosq, will.topic, Int32(bytes.count), bytes.baseAddress, Int32(will.qos), will.retain)
            })
        }
        let (minDelay, maxDelay) = reconnectDelays(configuration)
        try MQTTError.check(mosquitto_reconnect_delay_set(mosq, minDelay, maxDelay, true))
    }

    /// libmosquitto takes whole seconds, and 0 would make it retry without pausing.
    static func reconnectDelays(_ configuration: MQTTConfiguration) -> (UInt32, UInt32) {
        let minDelay = UInt32(min(max(configuration.reconnectDelayMin.rounded(.up), 1), 3600))
        let maxDelay = UInt32(min(max(configuration.reconnectDelayMax.rounded(.up), Double(minDelay)), 3600))
        return (minDelay, maxDelay)
    }

    /// libmosquitto accepts 0 (off) or 5...65535.
    static func keepAlive(_ configuration: MQTTConfiguration) -> Int32 {
        let seconds = configuration.keepAliveSeconds
        return seconds <= 0 ? 0 : Int32(min(max(seconds, 5), 65535))
    }
}
