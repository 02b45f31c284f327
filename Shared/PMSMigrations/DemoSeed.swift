import Foundation
import PMSPostgres

/// The deterministic demo data set (`Seed/demo.sql`): 10·scale projects with about 100 BOM lines each
/// and proportional rows in every business table, dated relative to `anchor` (the demo's "today").
public struct DemoSeed: Sendable {
    public let scale: Int
    public let anchor: String
    public let timeZone: String

    public init(scale: Int, anchor: String, timeZone: String) {
        self.scale = scale; self.anchor = anchor; self.timeZone = timeZone
    }

    public func run(on connection: PostgresConnection) async throws {
        guard let url = Bundle.module.url(forResource: "Seed/demo", withExtension: "sql")
            ?? Bundle.module.url(forResource: "demo", withExtension: "sql", subdirectory: "Seed") else {
            throw MigrationError("the demo seed (Seed/demo.sql) is missing from the resource bundle")
        }
        let sql = try String(contentsOf: url, encoding: .utf8)
        try await connection.transaction { tx in
            try await tx.query(
                "SELECT set_config('pms.seed_scale', $1, false), set_config('pms.seed_anchor', $2, false), set_config('pms.seed_zone', $3, false)",
                [String(scale), anchor, timeZone])
            try await tx.executeScript(sql)
        }
    }
}
