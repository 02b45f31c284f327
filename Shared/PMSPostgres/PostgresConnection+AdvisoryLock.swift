extension PostgresConnection {
    /// pg_try_advisory_lock: a session-level lock, true when taken. It is lost with the connection.
    public func tryAdvisoryLock(_ key: Int64) async throws -> Bool {
        let rows = try await query("SELECT pg_try_advisory_lock($1::int8) AS locked", [key])
        return try rows.first?.decode(Bool.self, "locked") ?? false
    }

    /// pg_advisory_unlock; logs a warning when this session did not hold the lock.
    public func advisoryUnlock(_ key: Int64) async throws {
        let rows = try await query("SELECT pg_advisory_unlock($1::int8) AS unlocked", [key])
        if try rows.first?.decode(Bool.self, "unlocked") != true {
            logger.warning("advisory lock \(key) was not held by this session")
        }
    }
}
