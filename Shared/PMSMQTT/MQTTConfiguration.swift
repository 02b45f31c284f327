/// How an `MQTTClient` reaches its broker and keeps its session.
public struct MQTTConfiguration: Sendable {
    /// `mqtt://[user[:password]@]host[:port]`, port 1883 by default; credentials come from the URL.
    public var url: String
    public var clientID: String
    /// `false` = persistent session: the broker keeps subscriptions and queued QoS 1 messages while we are away.
    public var cleanSession: Bool
    /// libmosquitto accepts 0 (off) or 5...65535; other values are clamped into that range.
    public var keepAliveSeconds: Int
    /// Last will, registered before connecting.
    public var will: MQTTMessage?
    /// Birth message, published on every successful connect and reconnect (typically the retained "online"
    /// that the will overwrites): after the broker has published the will over a broken connection, the
    /// reconnected client says it is back without anyone asking.
    public var birth: MQTTMessage?
    /// Reconnect backoff bounds (exponential between them). After a lost connection libmosquitto does the
    /// backoff and counts whole seconds, so there they are rounded up to at least 1 s.
    public var reconnectDelayMin: Double
    public var reconnectDelayMax: Double
    /// Seconds to wait for the PUBACK of a QoS 1 publish.
    public var publishTimeout: Double
    /// Seconds to wait for a SUBACK or UNSUBACK.
    public var subscribeTimeout: Double

    public init(url: String, clientID: String, cleanSession: Bool = false, will: MQTTMessage? = nil,
                birth: MQTTMessage? = nil) {
        self.url = url
        self.clientID = clientID
        self.cleanSession = cleanSession
        self.keepAliveSeconds = 30
        self.will = will
        self.birth = birth
        self.reconnectDelayMin = 0.5
        self.reconnectDelayMax = 10
        self.publishTimeout = 10
        self.subscribeTimeout = 10
    }
}
