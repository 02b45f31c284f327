import CLibPQ

/// What one statement produced, copied out of the PGresult so the result can be freed at once.
struct QueryOutcome: Sendable {
    var rows: [PostgresRow]
    /// PQcmdTuples as a number; 0 when the command reports none.
    var affectedRows: Int
    /// PQcmdStatus, e.g. "INSERT 0 1" or "ROLLBACK".
    var commandTag: String

    static let empty = QueryOutcome(rows: [], affectedRows: 0, commandTag: "")

    /// Consumes `result` (always PQclear'd) and turns failures into `PostgresError`.
    static func consume(_ result: OpaquePointer?, connection: OpaquePointer, sql: String) throws -> QueryOutcome {
        guard let result else {
            throw PostgresError.fromConnection(connection, sql: sql)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            return QueryOutcome(rows: readRows(result), affectedRows: affectedRows(result), commandTag: commandTag(result))
        case PGRES_COMMAND_OK:
            return QueryOutcome(rows: [], affectedRows: affectedRows(result), commandTag: commandTag(result))
        case PGRES_EMPTY_QUERY:
            return .empty
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            throw PostgresError.fromResult(result, connection: connection, sql: sql)
        default:
            throw PostgresError(
                kind: .protocolViolation,
                message: "unsupported result status \(String(cString: PQresStatus(status))) (COPY is not supported)",
                sql: sql
            )
        }
    }

    private static func readRows(_ result: OpaquePointer) -> [PostgresRow] {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        let layout = ColumnLayout(names: (0..<columnCount).map { String(cString: PQfname(result, $0)) })
        var rows: [PostgresRow] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            let values: [String?] = (0..<columnCount).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
            rows.append(PostgresRow(layout: layout, values: values))
        }
        return rows
    }

    private static func affectedRows(_ result: OpaquePointer) -> Int {
        Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    private static func commandTag(_ result: OpaquePointer) -> String {
        String(cString: PQcmdStatus(result))
    }
}

extension PostgresError {
    /// Error fields of a failed result; a broken connection afterwards marks it as lost.
    static func fromResult(_ result: OpaquePointer, connection: OpaquePointer, sql: String?) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let lost = PQstatus(connection) == CONNECTION_BAD
        let fallback = String(cString: PQresultErrorMessage(result)).asOneLine
        let message = field("M") ?? (fallback.isEmpty ? connectionMessage(connection) : fallback)
        return PostgresError(
            kind: lost ? .connection : .query, sqlState: field("C"), message: message, detail: field("D"),
            hint: field("H"), constraint: field("n"), sql: sql, lostConnection: lost
        )
    }

    /// Error for a call that produced no result at all (out of memory or a dead connection).
    static func fromConnection(_ connection: OpaquePointer, sql: String?) -> PostgresError {
        let lost = PQstatus(connection) == CONNECTION_BAD
        return PostgresError(
            kind: lost ? .connection : .protocolViolation, sqlState: nil, message: connectionMessage(connection),
            detail: nil, hint: nil, constraint: nil, sql: sql, lostConnection: lost
        )
    }

    static func connectionMessage(_ connection: OpaquePointer) -> String {
        let text = String(cString: PQerrorMessage(connection)).asOneLine
        return text.isEmpty ? "no message from libpq" : text
    }
}
