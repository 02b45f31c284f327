import AsyncHTTPClient
import Foundation

/// An HTTP SMS gateway: one short text per recipient, URGENT alerts only.
/// (Hourly and daily limits are counted by the dispatcher in the database.)
public struct SMSGatewayChannel: DeliveryChannel {
    public let code = ChannelCode.sms
    public let isGroup = false
    public let configuration: SMSGatewayConfiguration
    private let poster: WebhookPoster

    public init(configuration: SMSGatewayConfiguration, client: HTTPClient) {
        self.configuration = configuration
        self.poster = WebhookPoster(client: client, channelName: "SMS", timeoutSeconds: configuration.timeoutSeconds)
    }

    public func deliver(_ message: ChannelMessage) async throws {
        guard message.level.uppercased() == "URGENT" else {
            throw ChannelError("SMS notifications are only sent for URGENT level alerts")
        }
        guard !message.recipients.isEmpty else { throw ChannelError("SMS message has no recipient") }
        let token = configuration.token.flatMap { $0.isEmpty ? nil : $0 }
        let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
        let text = Self.text(title: message.title, link: message.link)
        for recipient in message.recipients {
            let body = try WebhookFormatting.json(Body(phone: recipient.target, message: text, alert_no: message.alertNo))
            _ = try await poster.post(url: configuration.url, json: body, headers: headers, secrets: token.map { [$0] } ?? [])
        }
    }

    /// `【预警通知】{title, 30 chars}… 详情：{link}`, or the shorter `【预警】{title, 20 chars} {link}` past 70 characters
    /// (one SMS segment).
    public static func text(title: String, link: String) -> String {
        let full = "【预警通知】\(title.prefix(30))\(title.count > 30 ? "…" : "") 详情：\(link)"
        return full.count <= 70 ? full : "【预警】\(title.prefix(20)) \(link)"
    }

    private struct Body: Encodable {
        let phone: String
        let message: String
        let alert_no: String
    }
}
