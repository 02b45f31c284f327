import PMSPostgres

/// A `text[]` parameter (cast `$n::text[]` in SQL), in PostgreSQL's array literal syntax.
public struct PostgresTextArray: PostgresBindable {
    public let values: [String]
    public init(_ values: [String]) { self.values = values }

    public var postgresText: String? {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
