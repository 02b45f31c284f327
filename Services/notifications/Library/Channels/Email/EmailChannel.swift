import Foundation
import Logging
import NIOCore
import NIOPosix

/// The EMAIL channel: one multipart (plain + HTML) e-mail per alert to the message's recipients.
public struct EmailChannel: DeliveryChannel {
    public let code: ChannelCode = .email
    public let isGroup = false
    public let configuration: SMTPConfiguration
    /// The zone trigger times are shown in (the factory's, Asia/Shanghai).
    public let timeZone: TimeZone
    private let client: SMTPClient

    public init(configuration: SMTPConfiguration, timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!,
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "pms.notifications.email")) {
        self.configuration = configuration
        self.timeZone = timeZone
        self.client = SMTPClient(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    public func deliver(_ message: ChannelMessage) async throws {
        let recipients = message.recipients.map(\.target).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !recipients.isEmpty else { throw ChannelError("Email alert \(message.alertNo) has no recipient address") }
        try await client.send(mimeMessage(for: message, to: recipients))
    }

    /// The e-mail for `message`, exposed for tests and previews.
    public func mimeMessage(for message: ChannelMessage, to recipients: [String]? = nil) -> MIMEMessage {
        let body = EmailBody(message: message, timeZone: timeZone)
        return MIMEMessage(from: configuration.from, to: recipients ?? message.recipients.map(\.target),
                           subject: body.subject, plainText: body.plainText, html: body.html)
    }
}
