import Foundation

/// Where and how the e-mail channel hands messages to an SMTP relay.
public struct SMTPConfiguration: Sendable, Equatable {
    /// When to upgrade the connection with STARTTLS.
    public enum STARTTLSPolicy: String, Sendable, CaseIterable, Codable {
        /// Upgrade when the server offers STARTTLS, otherwise stay in plain text.
        case auto
        /// Fail the send when the server does not offer STARTTLS.
        case required
        /// Never upgrade.
        case never
    }

    public var host: String
    public var port: Int
    /// AUTH is only attempted when both are set.
    public var username: String?
    public var password: String?
    /// Header From, e.g. `PMS 预警 <pms@factory.local>`; its address is also the envelope sender.
    public var from: String
    public var starttls: STARTTLSPolicy
    /// Extra trusted CA certificate (PEM), e.g. for a relay with a self-signed certificate.
    public var tlsCAFile: String?
    public var tlsVerify: Bool
    /// Bound, in seconds, on connecting and on every single reply the server owes us.
    public var timeout: TimeInterval
    /// The name sent with EHLO / HELO.
    public var heloName: String

    public init(host: String, port: Int = 25, username: String? = nil, password: String? = nil, from: String,
                starttls: STARTTLSPolicy = .auto, tlsCAFile: String? = nil, tlsVerify: Bool = true,
                timeout: TimeInterval = 10, heloName: String = "pms-notifications") {
        self.host = host; self.port = port; self.username = username; self.password = password; self.from = from
        self.starttls = starttls; self.tlsCAFile = tlsCAFile; self.tlsVerify = tlsVerify; self.timeout = timeout
        self.heloName = heloName
    }

    /// Credentials when both parts are present and non-empty.
    var credentials: (username: String, password: String)? {
        guard let username, let password, !username.isEmpty, !password.isEmpty else { return nil }
        return (username, password)
    }
}
