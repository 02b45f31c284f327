import AsyncHTTPClient
import Foundation

/// The WeCom (企业微信) group robot: one post per alert, mentioning every recipient.
/// INFO/WARNING go as plain text, CRITICAL/URGENT as a markdown card.
public struct WeComRobotChannel: DeliveryChannel {
    public let code = ChannelCode.wechat
    public let isGroup = true
    public let configuration: WeComRobotConfiguration
    private let poster: WebhookPoster
    private let timeZone: TimeZone

    // WeCom rejects text content over 2048 bytes and markdown over 4096.
    private static let textLimit = 2048, markdownLimit = 4096

    public init(configuration: WeComRobotConfiguration, client: HTTPClient, timeZone: TimeZone) {
        self.configuration = configuration
        self.poster = WebhookPoster(client: client, channelName: "WeCom", timeoutSeconds: configuration.timeoutSeconds)
        self.timeZone = timeZone
    }

    public func deliver(_ message: ChannelMessage) async throws {
        let response = try await poster.post(url: configuration.webhookURL, json: try body(for: message))
        try WebhookFormatting.checkRobotAnswer(response, robot: "WeCom robot")
    }

    func body(for message: ChannelMessage) throws -> Data {
        let targets = message.recipients.map(\.target)
        if WebhookFormatting.isCardLevel(message.level) {
            let card = MarkdownBody(markdown: .init(content: markdown(for: message, mentions: targets)))
            return try WebhookFormatting.json(card)
        }
        let phones = targets.filter(WebhookFormatting.looksLikePhone)
        return try WebhookFormatting.json(TextBody(text: .init(
            content: text(for: message), mentioned_list: targets,
            // mentioned_list only knows WeCom user ids; phone numbers are mentioned through this list.
            mentioned_mobile_list: phones.isEmpty ? nil : phones)))
    }

    func text(for message: ChannelMessage) -> String {
        var tail = ["预警编号：\(message.alertNo)"]
        if let project = message.projectName { tail.append("项目：\(project)") }
        if let time = message.triggeredAt { tail.append("触发时间：\(WebhookFormatting.minuteTimestamp(time, in: timeZone))") }
        tail.append("详情：\(message.link)")
        let head = "【\(message.title)】\n\n", rest = "\n\n" + tail.joined(separator: "\n")
        let budget = Self.textLimit - head.utf8.count - rest.utf8.count
        return head + WebhookFormatting.truncated(message.content, maxBytes: max(0, budget)) + rest
    }

    func markdown(for message: ChannelMessage, mentions: [String]) -> String {
        var quoted = ["> 级别：\(WebhookFormatting.levelLabel(message.level, escalated: message.escalated))"]
        if let project = message.projectName { quoted.append("> 项目：\(project)") }
        quoted.append("> 预警编号：\(message.alertNo)")
        if let time = message.triggeredAt {
            quoted.append("> 触发时间：\(WebhookFormatting.minuteTimestamp(time, in: timeZone))")
        }
        let head = "## <font color=\"warning\">\(message.title)</font>\n" + quoted.joined(separator: "\n") + "\n\n"
        var rest = "\n\n[查看详情](\(message.link))"
        if !mentions.isEmpty { rest += "\n" + mentions.map { "<@\($0)>" }.joined(separator: " ") }
        let budget = Self.markdownLimit - head.utf8.count - rest.utf8.count
        return head + WebhookFormatting.truncated(message.content, maxBytes: max(0, budget)) + rest
    }

    private struct TextBody: Encodable {
        struct Text: Encodable {
            let content: String
            let mentioned_list: [String]
            let mentioned_mobile_list: [String]?
        }
        var msgtype = "text"
        let text: Text
    }

    private struct MarkdownBody: Encodable {
        struct Markdown: Encodable { let content: String }
        var msgtype = "markdown"
        let markdown: Markdown
    }
}
