import Foundation

/// The channel codes of `alert_notifications.notify_channel`.
public enum ChannelCode: String, Sendable, CaseIterable, Codable {
    case system = "SYSTEM", email = "EMAIL", wechat = "WECHAT", dingtalk = "DINGTALK", sms = "SMS"
}

/// One person a message is for, as the channel addresses them (`alert_notifications.notify_target`).
public struct ChannelRecipient: Sendable, Equatable {
    public var userID: Int64?
    /// E-mail address (EMAIL), username or phone (WECHAT), phone or username (DINGTALK), phone (SMS).
    public var target: String
    public var displayName: String?

    public init(userID: Int64?, target: String, displayName: String? = nil) {
        self.userID = userID; self.target = target; self.displayName = displayName
    }
}

/// What is delivered: one alert (raised or escalated) to its recipients on one channel.
public struct ChannelMessage: Sendable, Equatable {
    public var alertID: Int64
    public var alertNo: String
    /// INFO, WARNING, CRITICAL or URGENT.
    public var level: String
    public var title: String
    public var content: String
    public var projectName: String?
    public var triggeredAt: Date?
    /// Absolute link to the alert, e.g. `http://localhost:3000/alerts/42`.
    public var link: String
    public var escalated: Bool
    /// Group channels (WECHAT, DINGTALK) get every recipient of the alert in one message; the others get one.
    public var recipients: [ChannelRecipient]

    public init(alertID: Int64, alertNo: String, level: String, title: String, content: String, projectName: String?,
                triggeredAt: Date?, link: String, escalated: Bool, recipients: [ChannelRecipient]) {
        self.alertID = alertID; self.alertNo = alertNo; self.level = level; self.title = title; self.content = content
        self.projectName = projectName; self.triggeredAt = triggeredAt; self.link = link; self.escalated = escalated
        self.recipients = recipients
    }
}

/// Why a send failed, in words that go into `alert_notifications.error_message`.
public struct ChannelError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// An external channel (the in-app SYSTEM channel is written in SQL by the dispatcher instead).
/// `deliver` returns when the far side accepted the message and throws `ChannelError` otherwise; it
/// never waits longer than the channel's configured timeout.
public protocol DeliveryChannel: Sendable {
    var code: ChannelCode { get }
    /// True for group robots (WeCom, DingTalk): one post per alert for all its recipients, not one per person.
    var isGroup: Bool { get }
    func deliver(_ message: ChannelMessage) async throws
}

/// A channel with no configuration: every send fails with a clear reason (e.g. "Email channel disabled"),
/// so the row is retried and ends DEAD instead of vanishing.
public struct DisabledChannel: DeliveryChannel {
    public let code: ChannelCode
    public let isGroup: Bool
    public let reason: String

    public init(code: ChannelCode, reason: String) {
        self.code = code
        self.isGroup = code == .wechat || code == .dingtalk
        self.reason = reason
    }

    public func deliver(_ message: ChannelMessage) async throws { throw ChannelError(reason) }
}
