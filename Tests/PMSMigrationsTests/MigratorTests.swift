import Foundation
import PMSMigrations
import PMSPostgres
import PMSTestSupport
import XCTest

final class MigratorTests: XCTestCase {
    func freshConnection() async throws -> PostgresConnection {
        let name = try PostgresTestServer.shared.createFreshDatabase(prefix: "m")
        let connection = PostgresConnection(url: PostgresTestServer.shared.url(database: name), logger: testLogger())
        try await connection.connect()
        return connection
    }

    func testMigrateCreatesTheWholeContractAndIsSafeToRunAgain() async throws {
        let db = try await freshConnection()
        defer { db.close() }
        let migrator = try Migrator(logger: testLogger())
        let first = try await migrator.migrate(on: db)
        XCTAssertEqual(first, migrator.migrations.map(\.version))
        XCTAssertEqual(first.first, "0001_organisation")

        let second = try await migrator.migrate(on: db)
        XCTAssertEqual(second, [], "a second run applies nothing")

        let tables = try await db.query(
            "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
        XCTAssertEqual(try tables.first?.decode(Int.self, "n"), 77, "the 76 tables of DATA-MODEL.md (schema_migrations included) and alert_silences")
        let rules = try await db.query("SELECT rule_code, alert_no_prefix, domain FROM alert_rules ORDER BY id")
        XCTAssertEqual(rules.count, 16)
        XCTAssertEqual(rules.first.map { "\($0["rule_code"]!) \($0["alert_no_prefix"]!) \($0["domain"]!)" }, "MATERIAL_SHORTAGE SA shortage")
        let jobs = try await db.query("SELECT domain, count(*)::int AS n FROM scheduler_job_state GROUP BY domain ORDER BY domain")
        XCTAssertEqual(jobs.map { "\($0["domain"]!)=\($0["n"]!)" },
                       ["cost=2", "issues=5", "notifications=4", "production=5", "progress=10", "receivables=6", "shortage=5"])
        let recorded = try await db.query("SELECT count(*)::int AS n FROM schema_migrations")
        XCTAssertEqual(try recorded.first?.decode(Int.self, "n"), migrator.migrations.count)
    }

    func testTheIndexesTheJobsNeedExist() async throws {
        let db = try await freshConnection()
        defer { db.close() }
        try await Migrator(logger: testLogger()).migrate(on: db)
        let names = Set(try await db.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'").map { $0["indexname"]! })
        for index in ["uq_alert_records_open", "uq_material_shortages_open_line", "uq_mat_kit_check_auto_daily",
                      "idx_outbox_unpublished", "idx_work_order_kit_window", "idx_bom_items_required_date",
                      "idx_purchase_order_items_bom_item", "uq_alert_notifications_delivery"] {
            XCTAssertTrue(names.contains(index), "missing \(index)")
        }
    }

    func testAFailingMigrationIsRolledBackAndNamed() async throws {
        let db = try await freshConnection()
        defer { db.close() }
        let migrator = try Migrator(migrations: [
            Migration(version: "0001_good", sql: "CREATE TABLE good (id int)"),
            Migration(version: "0002_bad", sql: "CREATE TABLE half (id int); SELECT * FROM no_such_table"),
        ], logger: testLogger())
        do {
            try await migrator.migrate(on: db)
            XCTFail("expected the bad migration to fail")
        } catch {
            XCTAssertTrue("\(error)".contains("migration 0002_bad failed and was rolled back"), "\(error)")
            XCTAssertTrue("\(error)".contains("42P01"), "the SQL state is named: \(error)")
        }
        let versions = try await db.query("SELECT version FROM schema_migrations").map { $0["version"]! }
        XCTAssertEqual(versions, ["0001_good"])
        let half = try await db.query("SELECT to_regclass('public.half') IS NULL AS gone").first?["gone"]
        XCTAssertEqual(half, "t")
    }

    func testFloatTextRendersLikePython() async throws {
        let db = try await freshConnection()
        defer { db.close() }
        try await Migrator(logger: testLogger()).migrate(on: db)
        let rows = try await db.query("""
            SELECT pms_float_text(v) AS t FROM unnest(ARRAY[5.0000, 60.00, 12.5, 0.3333, -1.50, 100]::numeric[]) WITH ORDINALITY u(v, i) ORDER BY i
            """)
        XCTAssertEqual(rows.map { $0["t"]! }, ["5.0", "60.0", "12.5", "0.3333", "-1.5", "100.0"])
    }
}
