/// Column names of one result, shared by all its rows.
final class ColumnLayout: Sendable {
    let names: [String]
    private let indexByName: [String: Int]

    init(names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        // The first column wins when a name repeats, as in most drivers.
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        indexByName = index
    }

    func index(of name: String) -> Int? { indexByName[name] }
}

/// One result row in text format.
public struct PostgresRow: Sendable {
    private let layout: ColumnLayout
    /// Raw text values in column order; nil for NULL.
    public let values: [String?]

    init(layout: ColumnLayout, values: [String?]) {
        self.layout = layout
        self.values = values
    }

    public var columns: [String] { layout.names }

    /// Raw text of a column; nil for NULL and for an unknown column.
    public subscript(column: String) -> String? {
        layout.index(of: column).flatMap { values[$0] }
    }

    /// Raw text by position; nil for NULL.
    public subscript(index: Int) -> String? { values[index] }

    public func isNull(_ column: String) -> Bool { self[column] == nil }

    public func hasColumn(_ column: String) -> Bool { layout.index(of: column) != nil }

    /// Throws when the column is unknown, NULL, or not decodable, naming the column.
    public func decode<T: PostgresDecodable>(_ type: T.Type, _ column: String) throws -> T {
        guard let value = try decode(T?.self, column) else {
            throw PostgresError(kind: .decoding, message: "column \"\(column)\" is NULL, expected \(T.self)")
        }
        return value
    }

    /// NULL decodes to nil; throws when the column is unknown or not decodable, naming the column.
    public func decode<T: PostgresDecodable>(_ type: T?.Type, _ column: String) throws -> T? {
        guard let index = layout.index(of: column) else {
            throw PostgresError(
                kind: .decoding,
                message: "no column \"\(column)\" in result (columns: \(columns.joined(separator: ", ")))"
            )
        }
        guard let text = values[index] else { return nil }
        do {
            return try T(postgresText: text)
        } catch let error as PostgresError {
            throw PostgresError(kind: .decoding, message: "column \"\(column)\": \(error.message)")
        } catch {
            throw PostgresError(kind: .decoding, message: "column \"\(column)\": \(error)")
        }
    }
}
