import Foundation
import Logging
import PMSPostgres

/// One versioned SQL file of `SQL/`; its version is the file name without `.sql`.
public struct Migration: Sendable, Equatable {
    public let version: String
    public let sql: String

    public init(version: String, sql: String) { self.version = version; self.sql = sql }
}

/// Applies the bundled migrations in order, each in its own transaction, recording each version in
/// `schema_migrations` and skipping versions already there, so running it again is harmless.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    public let logger: Logger

    public init(migrations: [Migration]? = nil, logger: Logger) throws {
        self.migrations = try migrations ?? Self.bundledMigrations()
        self.logger = logger
    }

    public static func bundledMigrations() throws -> [Migration] {
        guard let directory = Bundle.module.url(forResource: "SQL", withExtension: nil) else {
            throw MigrationError("the SQL migrations are missing from the resource bundle")
        }
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        return try files.map { Migration(version: $0.deletingPathExtension().lastPathComponent,
                                          sql: try String(contentsOf: $0, encoding: .utf8)) }
    }

    /// Returns the versions applied by this call (empty when the schema was already current).
    @discardableResult
    public func migrate(on connection: PostgresConnection) async throws -> [String] {
        try await connection.executeScript("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version text PRIMARY KEY,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        // Two migrators at once (two services starting) would race on the same versions.
        let lockKey = advisoryLockKey("pms:migrate")
        try await connection.query("SELECT pg_advisory_lock($1)", [lockKey])
        do {
            let done = Set(try await connection.query("SELECT version FROM schema_migrations")
                .map { try $0.decode(String.self, "version") })
            var applied: [String] = []
            for migration in migrations where !done.contains(migration.version) {
                logger.info("applying migration", metadata: ["event": "migrate", "version": "\(migration.version)"])
                do {
                    try await connection.transaction { tx in
                        try await tx.executeScript(migration.sql)
                        try await tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", [migration.version])
                    }
                } catch {
                    throw MigrationError("migration \(migration.version) failed and was rolled back: \(error)")
                }
                applied.append(migration.version)
            }
            try await connection.query("SELECT pg_advisory_unlock($1)", [lockKey])
            return applied
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock($1)", [lockKey])
            throw error
        }
    }
}

public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
