import Foundation

/// Address helpers shared by the MIME builder and the SMTP envelope.
enum EmailAddress {
    /// The bare address of `PMS 预警 <pms@factory.local>` or of a plain `pms@factory.local`.
    static func bare(_ mailbox: String) -> String {
        let trimmed = mailbox.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<"), let close = trimmed.lastIndex(of: ">"), open < close {
            return String(trimmed[trimmed.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
        }
        return trimmed
    }

    /// A header-safe mailbox: a non-ASCII display name becomes an RFC 2047 encoded word.
    static func header(_ mailbox: String) -> String {
        let trimmed = mailbox.trimmingCharacters(in: .whitespaces)
        guard let open = trimmed.lastIndex(of: "<") else { return trimmed }
        let name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        let address = bare(trimmed)
        guard !name.isEmpty else { return "<\(address)>" }
        if name.allSatisfy(\.isASCII) {
            let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(address)>"
        }
        return "\(MIMEMessage.encodedWords(name).joined(separator: " ")) <\(address)>"
    }

    /// CR or LF in an address would let it smuggle extra SMTP commands or headers.
    static func validate(_ address: String, role: String) throws {
        guard !address.isEmpty, !address.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }),
              address.contains("@") else {
            throw ChannelError("Invalid e-mail \(role) address: \(address.debugDescription)")
        }
    }
}
