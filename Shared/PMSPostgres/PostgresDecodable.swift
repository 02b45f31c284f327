import Foundation

/// A value decodable from PostgreSQL's text format.
public protocol PostgresDecodable: Sendable {
    init(postgresText: String) throws
}

extension PostgresError {
    static func cannotDecode(_ text: String, as type: Any.Type) -> PostgresError {
        let shown = text.count > 60 ? String(text.prefix(60)) + "…" : text
        return PostgresError(kind: .decoding, message: "cannot decode \"\(shown)\" as \(type)")
    }
}

extension String: PostgresDecodable {
    public init(postgresText: String) throws { self = postgresText }
}

extension Int: PostgresDecodable {
    public init(postgresText: String) throws {
        guard let value = Int(postgresText) else { throw PostgresError.cannotDecode(postgresText, as: Int.self) }
        self = value
    }
}

extension Int32: PostgresDecodable {
    public init(postgresText: String) throws {
        guard let value = Int32(postgresText) else { throw PostgresError.cannotDecode(postgresText, as: Int32.self) }
        self = value
    }
}

extension Int64: PostgresDecodable {
    public init(postgresText: String) throws {
        guard let value = Int64(postgresText) else { throw PostgresError.cannotDecode(postgresText, as: Int64.self) }
        self = value
    }
}

extension Double: PostgresDecodable {
    public init(postgresText: String) throws {
        switch postgresText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(postgresText) else {
                throw PostgresError.cannotDecode(postgresText, as: Double.self)
            }
            self = value
        }
    }
}

extension Bool: PostgresDecodable {
    public init(postgresText: String) throws {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresError.cannotDecode(postgresText, as: Bool.self)
        }
    }
}

extension Decimal: PostgresDecodable {
    /// numeric text is plain digits with an optional sign and point (never an exponent), or "NaN".
    public init(postgresText: String) throws {
        if postgresText == "NaN" {
            self = .nan
            return
        }
        guard Decimal.isPlainNumber(postgresText),
              let value = Decimal(string: postgresText, locale: Locale(identifier: "en_US_POSIX"))
        else { throw PostgresError.cannotDecode(postgresText, as: Decimal.self) }
        self = value
    }

    private static func isPlainNumber(_ text: String) -> Bool {
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty || parts.count == 2 else { return false }
        return parts.allSatisfy { $0.allSatisfy(\.isASCIIDigit) } && parts.contains { !$0.isEmpty }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension UUID: PostgresDecodable {
    public init(postgresText: String) throws {
        guard let value = UUID(uuidString: postgresText) else {
            throw PostgresError.cannotDecode(postgresText, as: UUID.self)
        }
        self = value
    }
}

extension Date: PostgresDecodable {
    /// timestamptz / timestamp text in ISO DateStyle, e.g. "2026-01-09 01:00:00.123456+08".
    public init(postgresText: String) throws {
        guard let value = TimestampText.parse(postgresText) else {
            throw PostgresError.cannotDecode(postgresText, as: Date.self)
        }
        self = value
    }
}
