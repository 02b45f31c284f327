import AsyncHTTPClient
import Foundation

/// Which external channels are configured. An unconfigured channel still exists: its sends fail with
/// "<Channel> channel disabled", so rows naming it are retried and end DEAD visibly instead of vanishing.
public struct ChannelSettings: Sendable, Equatable {
    public var smtp: SMTPConfiguration?
    public var wecom: WeComRobotConfiguration?
    public var dingtalk: DingTalkRobotConfiguration?
    public var sms: SMSGatewayConfiguration?

    public init(smtp: SMTPConfiguration? = nil, wecom: WeComRobotConfiguration? = nil,
                dingtalk: DingTalkRobotConfiguration? = nil, sms: SMSGatewayConfiguration? = nil) {
        self.smtp = smtp; self.wecom = wecom; self.dingtalk = dingtalk; self.sms = sms
    }

    /// The four external channels (SYSTEM is written in SQL by the dispatcher).
    public func channels(client: HTTPClient, timeZone: TimeZone) -> [any DeliveryChannel] {
        [
            smtp.map { EmailChannel(configuration: $0, timeZone: timeZone) as any DeliveryChannel }
                ?? DisabledChannel(code: .email, reason: "Email channel disabled"),
            wecom.map { WeComRobotChannel(configuration: $0, client: client, timeZone: timeZone) as any DeliveryChannel }
                ?? DisabledChannel(code: .wechat, reason: "WeCom channel disabled"),
            dingtalk.map { DingTalkRobotChannel(configuration: $0, client: client, timeZone: timeZone) as any DeliveryChannel }
                ?? DisabledChannel(code: .dingtalk, reason: "DingTalk channel disabled"),
            sms.map { SMSGatewayChannel(configuration: $0, client: client) as any DeliveryChannel }
                ?? DisabledChannel(code: .sms, reason: "SMS channel disabled"),
        ]
    }

    /// One line for the start-up log: which channels are live (never a URL or secret).
    public var summary: String {
        ["SYSTEM=on", "EMAIL=\(smtp == nil ? "off" : "on")", "WECHAT=\(wecom == nil ? "off" : "on")",
         "DINGTALK=\(dingtalk == nil ? "off" : "on")", "SMS=\(sms == nil ? "off" : "on")"].joined(separator: " ")
    }
}
