extension PostgresConnection {
    /// BEGIN, run `body`, COMMIT; ROLLBACK and rethrow the original error when `body` throws.
    public func transaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await beginTransaction()
        let value: T
        do {
            value = try await body(self)
        } catch {
            await rollbackTransaction()
            throw error
        }
        try await commitTransaction()
        return value
    }

    /// SAVEPOINT, run `body`, RELEASE; ROLLBACK TO the savepoint and rethrow when `body` throws.
    /// The surrounding transaction stays usable after a rollback.
    public func savepoint<T: Sendable>(
        _ name: String, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        guard let first = name.unicodeScalars.first,
              first == "_" || (first.isASCII && first.properties.isAlphabetic),
              name.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }),
              name.count <= 63
        else {
            throw PostgresError(kind: .protocolViolation, message: "invalid savepoint name \"\(name)\"")
        }
        try await execute("SAVEPOINT \(name)")
        let value: T
        do {
            value = try await body(self)
        } catch {
            _ = try? await execute("ROLLBACK TO SAVEPOINT \(name)")
            _ = try? await execute("RELEASE SAVEPOINT \(name)")
            throw error
        }
        try await execute("RELEASE SAVEPOINT \(name)")
        return value
    }
}
