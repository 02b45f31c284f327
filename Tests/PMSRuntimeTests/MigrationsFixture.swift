import PMSMigrations
import PMSPostgres
import PMSTestSupport

enum MigrationsFixture {
    static func migrate(_ connection: PostgresConnection) async throws {
        try await Migrator(logger: testLogger()).migrate(on: connection)
    }
}
