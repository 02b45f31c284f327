import Foundation

/// The subject, plain text and HTML of an alert e-mail. Every piece of alert text is HTML-escaped.
struct EmailBody {
    let message: ChannelMessage
    let timeZone: TimeZone

    var subject: String { "[\(message.level)] \(message.title)" }

    /// Label/value lines shared by both parts: alert number, project, trigger time.
    private var facts: [String] {
        var lines = ["预警编号：\(message.alertNo)"]
        if let project = message.projectName, !project.isEmpty { lines.append("项目：\(project)") }
        if let triggeredAt = message.triggeredAt { lines.append("触发时间：\(formatted(triggeredAt))") }
        return lines
    }

    var plainText: String {
        ([message.title, "", message.content, ""] + facts + ["", "详情：\(message.link)"]).joined(separator: "\n") + "\n"
    }

    var html: String {
        let e = Self.escape
        let badge = "<span style=\"display:inline-block;padding:2px 10px;border-radius:4px;color:#ffffff;"
            + "background:\(Self.color(for: message.level));font-weight:bold;font-size:12px\">\(e(message.level))</span>"
        let factRows = facts.map { "<p style=\"margin:4px 0;color:#374151\">\(e($0))</p>" }.joined(separator: "\n")
        let content = e(message.content).replacingOccurrences(of: "\n", with: "<br>")
        return """
            <!DOCTYPE html>
            <html><head><meta charset="UTF-8"><title>\(e(subject))</title></head>
            <body style="font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;background:#f3f4f6;padding:24px">
            <div style="max-width:600px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
            <p style="margin:0 0 12px 0">\(badge)</p>
            <h2 style="margin:0 0 16px 0;color:#111827">\(e(message.title))</h2>
            <p style="margin:0 0 16px 0;color:#111827;line-height:1.6">\(content)</p>
            \(factRows)
            <p style="margin:24px 0 0 0"><a href="\(e(message.link))" style="display:inline-block;padding:10px 20px;\
            background:#2563eb;color:#ffffff;text-decoration:none;border-radius:6px">查看预警详情</a></p>
            <p style="margin:12px 0 0 0;color:#6b7280;font-size:12px">详情：\(e(message.link))</p>
            </div>
            </body></html>

            """
    }

    private func formatted(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    static func color(for level: String) -> String {
        switch level.uppercased() {
        case "URGENT": "#dc2626"
        case "CRITICAL": "#ea580c"
        case "WARNING": "#f59e0b"
        case "INFO": "#3b82f6"
        default: "#6b7280"
        }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
