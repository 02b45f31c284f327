import Foundation

/// An RFC 5322 message with a plain-text and an HTML alternative, both UTF-8 and base64.
public struct MIMEMessage: Sendable, Equatable {
    /// Header From, e.g. `PMS 预警 <pms@factory.local>`.
    public var from: String
    /// Recipient addresses; the header To lists them comma-separated and they are also the envelope.
    public var to: [String]
    public var subject: String
    public var plainText: String
    /// Already-escaped HTML.
    public var html: String
    public var date: Date
    public var messageID: String

    public init(from: String, to: [String], subject: String, plainText: String, html: String, date: Date = Date(),
                messageID: String? = nil) {
        self.from = from; self.to = to; self.subject = subject; self.plainText = plainText; self.html = html
        self.date = date
        let domain = EmailAddress.bare(from).split(separator: "@").last.map(String.init) ?? "pms.local"
        self.messageID = messageID ?? "<\(UUID().uuidString.lowercased())@\(domain)>"
    }

    /// The message as sent after DATA: CRLF line endings, no dot-stuffing yet.
    public func rendered() -> String {
        let boundary = "=_pms_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        var lines = [
            "From: \(EmailAddress.header(from))",
            "To: \(to.map(EmailAddress.header).joined(separator: ",\r\n "))",
            "Subject: \(Self.headerText(subject))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"",
            "",
            "This is a multi-part message in MIME format.",
        ]
        for (type, body) in [("text/plain", plainText), ("text/html", html)] {
            lines += ["--\(boundary)", "Content-Type: \(type); charset=UTF-8", "Content-Transfer-Encoding: base64", ""]
            lines += Self.base64Lines(Data(Self.crlf(body).utf8))
        }
        lines += ["--\(boundary)--", ""]
        return lines.joined(separator: "\r\n")
    }

    /// ASCII text as is (CR/LF dropped); anything else as RFC 2047 encoded words folded onto continuation lines.
    static func headerText(_ text: String) -> String {
        let single = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if single.allSatisfy(\.isASCII) { return single }
        return encodedWords(single).joined(separator: "\r\n ")
    }

    /// `=?UTF-8?B?...?=` words of 64 characters at most (so `Subject: ` plus one stays within 78), never splitting
    /// a character across words.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk = Data()
        for character in text {
            let bytes = Data(String(character).utf8)
            // 39 bytes -> 52 base64 characters + 12 of framing = 64.
            if chunk.count + bytes.count > 39, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words
    }

    static func base64Lines(_ data: Data) -> [String] {
        let encoded = data.base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    static func crlf(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
