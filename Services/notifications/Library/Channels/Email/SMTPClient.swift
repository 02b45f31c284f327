import Foundation
import Logging
import NIOCore
import NIOPosix

/// Hands messages to an SMTP relay: EHLO, optional STARTTLS, optional AUTH PLAIN/LOGIN, one transaction, QUIT.
/// One connection per send; every wait is bounded by `configuration.timeout` and the connection is always closed.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger

    public init(configuration: SMTPConfiguration,
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "pms.notifications.smtp")) {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.logger = logger
    }

    /// Sends `message` from the configured sender to `message.to`; returns once the server accepted it.
    public func send(_ message: MIMEMessage) async throws {
        try await send(data: message.rendered(), to: message.to)
    }

    /// Sends already-rendered message `data` (without dot-stuffing) to `recipients`.
    public func send(data: String, to recipients: [String]) async throws {
        let sender = EmailAddress.bare(configuration.from)
        try EmailAddress.validate(sender, role: "sender")
        let envelope = recipients.map(EmailAddress.bare)
        guard !envelope.isEmpty else { throw ChannelError("SMTP send without recipients") }
        for address in envelope { try EmailAddress.validate(address, role: "recipient") }

        let session = try await SMTPSession.connect(configuration, group: group, logger: logger)
        do {
            try await greetAndSecure(session)
            try await session.command("MAIL FROM:<\(sender)>", command: "MAIL FROM:<\(sender)>", expecting: [250])
            for address in envelope {
                try await session.command("RCPT TO:<\(address)>", command: "RCPT TO:<\(address)>", expecting: [250, 251])
            }
            try await session.command("DATA", command: "DATA", expecting: [354])
            try await session.command(Self.dotStuffed(data) + ".", command: "end of DATA", expecting: [250])
        } catch {
            session.close()
            throw error
        }
        // The message is accepted; a server that fumbles QUIT does not make it undelivered.
        _ = try? await session.command("QUIT", command: "QUIT", expecting: [221])
        session.close()
        logger.debug("SMTP message accepted", metadata: ["smtp.server": "\(session.endpoint)",
                                                         "smtp.recipients": "\(envelope.count)"])
    }

    private func greetAndSecure(_ session: SMTPSession) async throws {
        try await session.command(nil, command: "greeting", expecting: [220])
        var capabilities = try await hello(session)
        if configuration.starttls != .never {
            if capabilities.contains("STARTTLS") {
                try await session.command("STARTTLS", command: "STARTTLS", expecting: [220])
                try await session.startTLS()
                capabilities = try await hello(session)
            } else if configuration.starttls == .required {
                throw ChannelError("SMTP server \(session.endpoint) does not offer STARTTLS (starttls: required)")
            }
        }
        if let credentials = configuration.credentials {
            try await authenticate(session, capabilities: capabilities, credentials: credentials)
        }
    }

    /// EHLO (HELO when the server does not know EHLO); returns the upper-cased extension lines.
    private func hello(_ session: SMTPSession) async throws -> [String] {
        let name = configuration.heloName
        let reply = try await session.command("EHLO \(name)", command: "EHLO", expecting: [250, 500, 502])
        guard reply.code == 250 else {
            try await session.command("HELO \(name)", command: "HELO", expecting: [250])
            return []
        }
        return reply.lines.dropFirst().map { $0.uppercased() }
    }

    private func authenticate(_ session: SMTPSession, capabilities: [String],
                              credentials: (username: String, password: String)) async throws {
        // "AUTH PLAIN LOGIN" or the pre-standard "AUTH=PLAIN LOGIN".
        let mechanisms = Set(capabilities.filter { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }
            .flatMap { $0.dropFirst(5).split(separator: " ").map(String.init) })
        let encode = { (text: String) in Data(text.utf8).base64EncodedString() }
        if mechanisms.contains("PLAIN") {
            let token = encode("\0\(credentials.username)\0\(credentials.password)")
            try await session.command("AUTH PLAIN \(token)", command: "AUTH PLAIN", expecting: [235])
        } else if mechanisms.contains("LOGIN") {
            try await session.command("AUTH LOGIN", command: "AUTH LOGIN", expecting: [334])
            try await session.command(encode(credentials.username), command: "AUTH LOGIN username", expecting: [334])
            try await session.command(encode(credentials.password), command: "AUTH LOGIN password", expecting: [235])
        } else {
            let offered = mechanisms.isEmpty ? "none" : mechanisms.sorted().joined(separator: " ")
            throw ChannelError("SMTP server \(session.endpoint) offers no AUTH PLAIN or LOGIN (offered: \(offered))")
        }
    }

    /// CRLF line endings, a final CRLF, and a second dot in front of every line that starts with one.
    static func dotStuffed(_ data: String) -> String {
        var lines = MIMEMessage.crlf(data).components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n") + "\r\n"
    }
}
