import Foundation
import PMSBus
import PMSPostgres

/// A job's run history from `job_runs`, newest first.
struct RunsQuery: Sendable {
    static let defaultLimit = 20
    static let maxLimit = 500

    let pool: PostgresPool
    let timeZone: TimeZone

    /// `?limit=`: absent → 20; otherwise an integer from 1 to 500.
    static func limit(_ text: String?) throws(APIError) -> Int {
        guard let text else { return defaultLimit }
        guard let value = Int(text), (1...maxLimit).contains(value) else {
            throw .badRequest("limit must be an integer from 1 to \(maxLimit), got '\(text)'")
        }
        return value
    }

    func runs(of jobID: String, limit: Int) async throws -> [JSONValue] {
        let rows = try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT run_id, trigger, attempt, status, scheduled_for, queued_at, started_at, finished_at,
                       duration_ms::float8 AS duration_ms, requested_by, params::text AS params, result::text AS result,
                       error, instance
                  FROM job_runs WHERE job_id = $1
                 ORDER BY scheduled_for DESC, created_at DESC, id DESC
                 LIMIT $2
                """, [jobID, limit])
        }
        return try rows.map { row in
            .object([
                "run_id": .string(try row.decode(String.self, "run_id")),
                "trigger": .string(try row.decode(String.self, "trigger")),
                "attempt": APIJSON.int(try row.decode(Int.self, "attempt")),
                "status": .string(try row.decode(String.self, "status")),
                "scheduled_for": APIJSON.time(try row.decode(Date.self, "scheduled_for"), timeZone),
                "queued_at": APIJSON.time(try row.decode(Date?.self, "queued_at"), timeZone),
                "started_at": APIJSON.time(try row.decode(Date?.self, "started_at"), timeZone),
                "finished_at": APIJSON.time(try row.decode(Date?.self, "finished_at"), timeZone),
                "duration_ms": APIJSON.number(try row.decode(Double?.self, "duration_ms")),
                "requested_by": APIJSON.string(try row.decode(String?.self, "requested_by")),
                "params": Self.json(row["params"]),
                "result": Self.json(row["result"]),
                "error": APIJSON.string(try row.decode(String?.self, "error")),
                "instance": APIJSON.string(try row.decode(String?.self, "instance")),
            ])
        }
    }

    /// A jsonb column's text as a JSON value (null when NULL).
    static func json(_ text: String?) -> JSONValue {
        guard let text else { return .null }
        return (try? BusCoding.decode(JSONValue.self, from: Array(text.utf8))) ?? .string(text)
    }
}
