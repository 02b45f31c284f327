import AsyncHTTPClient
import Foundation

/// The DingTalk (钉钉) robot: one markdown post per alert, @-mentioning recipients that have a phone number,
/// signed with the robot secret when one is configured.
public struct DingTalkRobotChannel: DeliveryChannel {
    public let code = ChannelCode.dingtalk
    public let isGroup = true
    public let configuration: DingTalkRobotConfiguration
    private let poster: WebhookPoster
    private let timeZone: TimeZone

    public init(configuration: DingTalkRobotConfiguration, client: HTTPClient, timeZone: TimeZone) {
        self.configuration = configuration
        self.poster = WebhookPoster(client: client, channelName: "DingTalk", timeoutSeconds: configuration.timeoutSeconds)
        self.timeZone = timeZone
    }

    public func deliver(_ message: ChannelMessage) async throws {
        let secret = configuration.secret.flatMap { $0.isEmpty ? nil : $0 }
        var url = configuration.webhookURL
        if let secret {
            let timestamp = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
            url += (url.contains("?") ? "&" : "?") + "timestamp=\(timestamp)&sign=\(Self.sign(timestamp: timestamp, secret: secret))"
        }
        let response = try await poster.post(url: url, json: try body(for: message), secrets: secret.map { [$0] } ?? [])
        try WebhookFormatting.checkRobotAnswer(response, robot: "DingTalk robot")
    }

    /// URL-encoded base64 of HMAC-SHA256(key: secret, data: "{timestamp}\n{secret}"), as DingTalk specifies.
    public static func sign(timestamp: Int64, secret: String) -> String {
        let mac = HMACSHA256.authenticationCode(key: secret, data: "\(timestamp)\n\(secret)")
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return Data(mac).base64EncodedString().addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    func body(for message: ChannelMessage) throws -> Data {
        let phones = message.recipients.map(\.target).filter(WebhookFormatting.looksLikePhone)
        return try WebhookFormatting.json(Body(
            markdown: .init(title: message.title, text: text(for: message, phones: phones)),
            at: .init(atMobiles: phones, isAtAll: false)))
    }

    func text(for message: ChannelMessage, phones: [String]) -> String {
        // DingTalk markdown needs a blank line between quoted lines to keep them apart.
        var parts = ["### \(message.title)", "> 级别：\(WebhookFormatting.levelLabel(message.level, escalated: message.escalated))"]
        if let project = message.projectName { parts.append("> 项目：\(project)") }
        if let time = message.triggeredAt {
            parts.append("> 触发时间：\(WebhookFormatting.minuteTimestamp(time, in: timeZone))")
        }
        parts += [message.content, "预警编号：\(message.alertNo)"]
        // The @phone in the text is what makes DingTalk highlight the mention.
        parts.append((["[查看详情](\(message.link))"] + phones.map { "@\($0)" }).joined(separator: " "))
        return parts.joined(separator: "\n\n")
    }

    private struct Body: Encodable {
        struct Markdown: Encodable { let title: String; let text: String }
        struct At: Encodable { let atMobiles: [String]; let isAtAll: Bool }
        var msgtype = "markdown"
        let markdown: Markdown
        let at: At
    }
}
