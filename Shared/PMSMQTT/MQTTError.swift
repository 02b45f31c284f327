import CMosquitto

public enum MQTTError: Error, CustomStringConvertible, Sendable {
    case invalidURL(String)
    case notConnected
    case timeout(String)
    /// A libmosquitto error code with its `mosquitto_strerror` text.
    case library(code: Int32, message: String)

    public var description: String {
        switch self {
        case .invalidURL(let detail): return "invalid MQTT URL: \(detail)"
        case .notConnected: return "not connected to the MQTT broker"
        case .timeout(let detail): return "MQTT timeout: \(detail)"
        case .library(let code, let message): return "libmosquitto error \(code): \(message)"
        }
    }

    /// Maps a libmosquitto return code; lost or missing connections become `.notConnected`.
    static func check(_ code: Int32) throws {
        guard code != MOSQ_ERR_SUCCESS.rawValue else { return }
        if code == MOSQ_ERR_NO_CONN.rawValue || code == MOSQ_ERR_CONN_LOST.rawValue { throw MQTTError.notConnected }
        throw MQTTError.library(code: code, message: mosquittoErrorText(code))
    }
}

func mosquittoErrorText(_ code: Int32) -> String {
    String(cString: mosquitto_strerror(code))
}
