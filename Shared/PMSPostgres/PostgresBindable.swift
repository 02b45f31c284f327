import Foundation

/// A value bound as a parameter ($1, $2 ...), sent in text format. `nil` text means SQL NULL.
public protocol PostgresBindable: Sendable {
    var postgresText: String? { get }
}

extension String: PostgresBindable {
    public var postgresText: String? { self }
}

extension Int: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Double: PostgresBindable {
    /// Swift prints the shortest text that reads back to the same value; PostgreSQL spells the specials differently.
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return "\(self)"
    }
}

extension Bool: PostgresBindable {
    public var postgresText: String? { self ? "true" : "false" }
}

extension Decimal: PostgresBindable {
    public var postgresText: String? { isNaN ? "NaN" : description }
}

extension UUID: PostgresBindable {
    public var postgresText: String? { uuidString.lowercased() }
}

extension Date: PostgresBindable {
    /// ISO 8601 UTC with milliseconds, e.g. "2026-01-09T01:00:00.000Z", for timestamptz columns.
    public var postgresText: String? {
        if self == .distantFuture { return "infinity" }
        if self == .distantPast { return "-infinity" }
        return TimestampText.format(self)
    }
}

extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    public var postgresText: String? { self?.postgresText }
}

extension Array: PostgresBindable where Element: PostgresBindable {
    /// A PostgreSQL array literal, every element quoted, e.g. `{"a","b",NULL}`; cast in SQL (`$1::uuid[]`).
    public var postgresText: String? {
        let elements = map { element -> String in
            guard let text = element.postgresText else { return "NULL" }
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        return "{" + elements.joined(separator: ",") + "}"
    }
}
