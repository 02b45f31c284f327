/// An error from the server, from libpq, or from turning a text value into a Swift type.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// Could not connect, or the connection broke.
        case connection
        /// The server rejected the statement.
        case query
        /// A value could not be turned into the requested Swift type.
        case decoding
        /// libpq answered something this client does not handle (for example COPY), or the API was misused.
        case protocolViolation
    }

    public let kind: Kind
    /// Five-character SQLSTATE such as "23505"; nil when the server sent none.
    public let sqlState: String?
    public let message: String
    public let detail: String?
    public let hint: String?
    /// Name of the violated constraint, when the server names one.
    public let constraint: String?
    /// The statement that failed, cut to 200 characters.
    public let sql: String?
    /// Set when the connection was found broken after the statement was sent.
    let lostConnection: Bool

    public init(
        kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil,
        constraint: String? = nil, sql: String? = nil
    ) {
        self.init(
            kind: kind, sqlState: sqlState, message: message, detail: detail, hint: hint, constraint: constraint,
            sql: sql, lostConnection: false
        )
    }

    init(
        kind: Kind, sqlState: String?, message: String, detail: String?, hint: String?, constraint: String?,
        sql: String?, lostConnection: Bool
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.sql = sql.map { String($0.prefix(200)) }
        self.lostConnection = lostConnection
    }

    /// True when the failure came from the connection rather than the statement, so the same work may succeed
    /// later on a new connection (the next call on the same `PostgresConnection` reconnects).
    public var isConnectionLost: Bool {
        if lostConnection || kind == .connection { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(sqlState)
    }

    /// Condition name for the SQL state, for the common ones.
    public var conditionName: String? { sqlState.flatMap { PostgresError.conditionNames[$0] } }

    public var description: String {
        var text: String
        switch kind {
        case .connection: text = "PostgreSQL connection error"
        case .query: text = "PostgreSQL error"
        case .decoding: text = "PostgreSQL decoding error"
        case .protocolViolation: text = "PostgreSQL protocol error"
        }
        if let sqlState {
            text += " \(sqlState)"
            if let conditionName { text += " (\(conditionName))" }
        }
        text += ": \(message)"
        if let detail, !detail.isEmpty { text += " — \(detail)" }
        if let hint, !hint.isEmpty { text += " (hint: \(hint))" }
        if let sql { text += " [SQL: \(sql)]" }
        return text
    }

    static let conditionNames: [String: String] = [
        "08000": "connection_exception",
        "08001": "sqlclient_unable_to_establish_sqlconnection",
        "08003": "connection_does_not_exist",
        "08004": "sqlserver_rejected_establishment_of_sqlconnection",
        "08006": "connection_failure",
        "08P01": "protocol_violation",
        "22001": "string_data_right_truncation",
        "22003": "numeric_value_out_of_range",
        "22007": "invalid_datetime_format",
        "22008": "datetime_field_overflow",
        "22012": "division_by_zero",
        "22P02": "invalid_text_representation",
        "23502": "not_null_violation",
        "23503": "foreign_key_violation",
        "23505": "unique_violation",
        "23514": "check_violation",
        "23P01": "exclusion_violation",
        "25P02": "in_failed_sql_transaction",
        "28000": "invalid_authorization_specification",
        "28P01": "invalid_password",
        "3D000": "invalid_catalog_name",
        "40001": "serialization_failure",
        "40P01": "deadlock_detected",
        "42501": "insufficient_privilege",
        "42601": "syntax_error",
        "42703": "undefined_column",
        "42704": "undefined_object",
        "42710": "duplicate_object",
        "42883": "undefined_function",
        "42P01": "undefined_table",
        "42P04": "duplicate_database",
        "42P07": "duplicate_table",
        "53300": "too_many_connections",
        "55P03": "lock_not_available",
        "57014": "query_canceled",
        "57P01": "admin_shutdown",
        "57P02": "crash_shutdown",
        "57P03": "cannot_connect_now",
    ]
}
