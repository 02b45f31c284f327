/// The WeCom (企业微信) group robot: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...` in production.
public struct WeComRobotConfiguration: Sendable, Equatable {
    /// Carries the robot key in its query: never logged, never put in an error text.
    public var webhookURL: String
    public var timeoutSeconds: Int

    public init(webhookURL: String, timeoutSeconds: Int = 5) {
        self.webhookURL = webhookURL; self.timeoutSeconds = timeoutSeconds
    }
}

/// The DingTalk (钉钉) robot: `https://oapi.dingtalk.com/robot/send?access_token=...`.
public struct DingTalkRobotConfiguration: Sendable, Equatable {
    public var webhookURL: String
    /// The robot's "加签" secret; when set every post is signed with a timestamp.
    public var secret: String?
    public var timeoutSeconds: Int

    public init(webhookURL: String, secret: String? = nil, timeoutSeconds: Int = 5) {
        self.webhookURL = webhookURL; self.secret = secret; self.timeoutSeconds = timeoutSeconds
    }
}

/// An HTTP SMS gateway that takes `{"phone","message","alert_no"}` as JSON.
public struct SMSGatewayConfiguration: Sendable, Equatable {
    public var url: String
    /// Sent as `Authorization: Bearer {token}` when set.
    public var token: String?
    public var timeoutSeconds: Int

    public init(url: String, token: String? = nil, timeoutSeconds: Int = 5) {
        self.url = url; self.token = token; self.timeoutSeconds = timeoutSeconds
    }
}
