import ArgumentParser
import Foundation
import NotificationsService

/// Channel configuration of pms-notifications; every flag falls back to its environment variable. A channel
/// whose URL/host is not set is off: its deliveries fail with "<Channel> channel disabled" and are retried.
struct ChannelOptions: ParsableArguments {
    @Option(name: .customLong("link-base-url"), help: "Front-end base URL for links to alerts. Env PMS_LINK_BASE_URL; default http://localhost:3000.")
    var linkBaseURL: String?

    @Option(name: .customLong("dispatch-interval"), help: "Seconds between sweeps of due notifications (retries, ended quiet hours). Env PMS_DISPATCH_INTERVAL; default 60.")
    var dispatchInterval: Int?

    @Option(name: .customLong("smtp-host"), help: "SMTP relay host; EMAIL is off without it. Env PMS_SMTP_HOST.")
    var smtpHost: String?
    @Option(name: .customLong("smtp-port"), help: "SMTP port. Env PMS_SMTP_PORT; default 25.")
    var smtpPort: Int?
    @Option(name: .customLong("smtp-username"), help: "SMTP AUTH user (AUTH only when user and password are set). Env PMS_SMTP_USERNAME.")
    var smtpUsername: String?
    @Option(name: .customLong("smtp-password"), help: "SMTP AUTH password. Env PMS_SMTP_PASSWORD.")
    var smtpPassword: String?
    @Option(name: .customLong("smtp-from"), help: "From header and envelope sender. Env PMS_SMTP_FROM; default \"PMS 预警 <pms@localhost>\".")
    var smtpFrom: String?
    @Option(name: .customLong("smtp-starttls"), help: "auto (when offered), required or never. Env PMS_SMTP_STARTTLS; default auto.")
    var smtpStartTLS: String?
    @Option(name: .customLong("smtp-ca-file"), help: "Extra trusted CA certificate (PEM) for the relay. Env PMS_SMTP_CA_FILE.")
    var smtpCAFile: String?
    @Option(name: .customLong("smtp-timeout"), help: "Seconds per SMTP step. Env PMS_SMTP_TIMEOUT; default 10.")
    var smtpTimeout: Int?

    @Option(name: .customLong("wecom-webhook-url"), help: "WeCom group robot webhook (…/cgi-bin/webhook/send?key=…); WECHAT is off without it. Env PMS_WECOM_WEBHOOK_URL.")
    var wecomURL: String?
    @Option(name: .customLong("dingtalk-webhook-url"), help: "DingTalk robot webhook (…/robot/send?access_token=…); DINGTALK is off without it. Env PMS_DINGTALK_WEBHOOK_URL.")
    var dingtalkURL: String?
    @Option(name: .customLong("dingtalk-secret"), help: "DingTalk robot signing secret (加签); posts are signed when set. Env PMS_DINGTALK_SECRET.")
    var dingtalkSecret: String?
    @Option(name: .customLong("sms-gateway-url"), help: "HTTP SMS gateway taking {phone, message, alert_no}; SMS is off without it. Env PMS_SMS_GATEWAY_URL.")
    var smsURL: String?
    @Option(name: .customLong("sms-gateway-token"), help: "Bearer token for the SMS gateway. Env PMS_SMS_GATEWAY_TOKEN.")
    var smsToken: String?
    @Option(name: .customLong("sms-max-per-hour"), help: "SMS limit per hour, shared by all replicas. Env PMS_SMS_MAX_PER_HOUR; default 20.")
    var smsPerHour: Int?
    @Option(name: .customLong("sms-max-per-day"), help: "SMS limit per day. Env PMS_SMS_MAX_PER_DAY; default 100.")
    var smsPerDay: Int?
    @Option(name: .customLong("webhook-timeout"), help: "Seconds to wait for a webhook or SMS gateway answer. Env PMS_WEBHOOK_TIMEOUT; default 5.")
    var webhookTimeout: Int?

    private static func env(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    private func integer(_ flag: Int?, _ variable: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        if let flag { guard range.contains(flag) else { throw ValidationError("\(variable): \(flag) is outside \(range)") }; return flag }
        guard let text = Self.env(variable) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw ValidationError("\(variable)='\(text)' must be a whole number in \(range)")
        }
        return number
    }

    var linkBase: String {
        var base = linkBaseURL ?? Self.env("PMS_LINK_BASE_URL") ?? "http://localhost:3000"
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    func interval() throws -> Int { try integer(dispatchInterval, "PMS_DISPATCH_INTERVAL", default: 60, range: 1...3600) }

    func smsLimits() throws -> SMSLimits {
        SMSLimits(perHour: try integer(smsPerHour, "PMS_SMS_MAX_PER_HOUR", default: 20, range: 1...100_000),
                  perDay: try integer(smsPerDay, "PMS_SMS_MAX_PER_DAY", default: 100, range: 1...1_000_000))
    }

    func settings() throws -> ChannelSettings {
        let webhookSeconds = try integer(webhookTimeout, "PMS_WEBHOOK_TIMEOUT", default: 5, range: 1...120)
        var settings = ChannelSettings()
        if let host = smtpHost ?? Self.env("PMS_SMTP_HOST") {
            let policyText = smtpStartTLS ?? Self.env("PMS_SMTP_STARTTLS") ?? "auto"
            guard let policy = SMTPConfiguration.STARTTLSPolicy(rawValue: policyText) else {
                throw ValidationError("--smtp-starttls must be auto, required or never (got '\(policyText)')")
            }
            settings.smtp = SMTPConfiguration(
                host: host, port: try integer(smtpPort, "PMS_SMTP_PORT", default: 25, range: 1...65535),
                username: smtpUsername ?? Self.env("PMS_SMTP_USERNAME"), password: smtpPassword ?? Self.env("PMS_SMTP_PASSWORD"),
                from: smtpFrom ?? Self.env("PMS_SMTP_FROM") ?? "PMS 预警 <pms@localhost>", starttls: policy,
                tlsCAFile: smtpCAFile ?? Self.env("PMS_SMTP_CA_FILE"),
                timeout: TimeInterval(try integer(smtpTimeout, "PMS_SMTP_TIMEOUT", default: 10, range: 1...300)))
        }
        if let url = try webURL(wecomURL, "PMS_WECOM_WEBHOOK_URL", flag: "--wecom-webhook-url") {
            settings.wecom = WeComRobotConfiguration(webhookURL: url, timeoutSeconds: webhookSeconds)
        }
        if let url = try webURL(dingtalkURL, "PMS_DINGTALK_WEBHOOK_URL", flag: "--dingtalk-webhook-url") {
            settings.dingtalk = DingTalkRobotConfiguration(webhookURL: url, secret: dingtalkSecret ?? Self.env("PMS_DINGTALK_SECRET"),
                                                           timeoutSeconds: webhookSeconds)
        }
        if let url = try webURL(smsURL, "PMS_SMS_GATEWAY_URL", flag: "--sms-gateway-url") {
            settings.sms = SMSGatewayConfiguration(url: url, token: smsToken ?? Self.env("PMS_SMS_GATEWAY_TOKEN"),
                                                   timeoutSeconds: webhookSeconds)
        }
        return settings
    }

    private func webURL(_ flag: String?, _ variable: String, flag name: String) throws -> String? {
        guard let text = flag ?? Self.env(variable) else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw ValidationError("\(name) (\(variable)) must be an http or https URL")
        }
        return text
    }

    mutating func validate() throws {
        _ = try settings()
        _ = try smsLimits()
        _ = try interval()
    }
}
