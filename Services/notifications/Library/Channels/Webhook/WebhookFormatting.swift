import Foundation

/// Text pieces shared by the webhook channels.
enum WebhookFormatting {
    /// `yyyy-MM-dd HH:mm` in `timeZone` (Asia/Shanghai in production); Calendar rather than a shared DateFormatter
    /// because it is a value type and needs no locking.
    static func minuteTimestamp(_ date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// "紧急（URGENT）", plus "，已升级" for an escalation.
    static func levelLabel(_ level: String, escalated: Bool) -> String {
        let names = ["INFO": "提示", "WARNING": "警告", "CRITICAL": "严重", "URGENT": "紧急"]
        let upper = level.uppercased()
        let label = names[upper].map { "\($0)（\(upper)）" } ?? upper
        return escalated ? label + "，已升级" : label
    }

    static func isCardLevel(_ level: String) -> Bool {
        let upper = level.uppercased()
        return upper == "CRITICAL" || upper == "URGENT"
    }

    /// Digits only (an optional leading `+`), 7 to 15 of them: a phone number rather than a username.
    static func looksLikePhone(_ target: String) -> Bool {
        let digits = target.hasPrefix("+") ? target.dropFirst() : Substring(target)
        return (7...15).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// `text` cut to at most `maxBytes` UTF-8 bytes on a character boundary, "…" marking a cut.
    static func truncated(_ text: String, maxBytes: Int) -> String {
        guard text.utf8.count > maxBytes else { return text }
        let budget = maxBytes - "…".utf8.count
        var result = "", used = 0
        for character in text {
            let size = String(character).utf8.count
            if used + size > budget { break }
            result.append(character); used += size
        }
        return result + "…"
    }

    static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// WeCom and DingTalk robots answer HTTP 200 with `{"errcode":0,...}`; anything else is a failure.
    static func checkRobotAnswer(_ response: WebhookPoster.Response, robot: String) throws {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any]
        guard let code = (object?["errcode"] as? NSNumber)?.intValue else {
            throw ChannelError("\(robot) answered without an errcode: \(response.body.prefix(200))")
        }
        guard code == 0 else {
            throw ChannelError("\(robot) errcode \(code): \(object?["errmsg"] as? String ?? "")")
        }
    }
}
