import PMSPostgres
import XCTest

final class PoolTests: XCTestCase {
    /// Counts bodies running at the same time.
    private actor Occupancy {
        private(set) var current = 0
        private(set) var peak = 0
        func enter() { current += 1; peak = max(peak, current) }
        func leave() { current -= 1 }
    }

    func testHandsOutAtMostSizeConnectionsAndAllWork() async throws {
        let pool = PostgresPool(url: try FreshDatabase.url(), size: 3, logger: FreshDatabase.logger)
        let occupancy = Occupancy()
        let pids = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<12 {
                group.addTask {
                    try await pool.withConnection { connection in
                        await occupancy.enter()
                        let row = try await connection.query("SELECT pg_backend_pid() AS pid, $1::int AS i, pg_sleep(0.05)", [index])[0]
                        await occupancy.leave()
                        XCTAssertEqual(row["i"], String(index))
                        return try row.decode(String.self, "pid")
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        XCTAssertEqual(pids.count, 12)
        let peak = await occupancy.peak
        XCTAssertLessThanOrEqual(peak, 3)
        XCTAssertGreaterThan(peak, 1, "work ran concurrently")
        XCTAssertLessThanOrEqual(Set(pids).count, 3, "connections were reused")
        await pool.close()
    }

    func testTransactionThroughPoolAndClose() async throws {
        let pool = PostgresPool(url: try FreshDatabase.url(), size: 2, logger: FreshDatabase.logger)
        _ = try await pool.withConnection { try await $0.execute("CREATE TABLE job (id int)") }
        _ = try await pool.transaction { try await $0.execute("INSERT INTO job VALUES (1)") }
        struct Abort: Error {}
        do {
            try await pool.transaction { tx in
                try await tx.execute("INSERT INTO job VALUES (2)")
                throw Abort()
            }
        } catch is Abort {}
        let ids = try await pool.withConnection { try await $0.query("SELECT id FROM job").map { try $0.decode(Int.self, "id") } }
        XCTAssertEqual(ids, [1])

        await pool.close()
        let closed = await expectPostgresError { try await pool.withConnection { _ in 1 } }
        XCTAssertEqual(closed?.kind, .connection)
    }

    func testConnectionLeftInsideTransactionIsNotReused() async throws {
        let pool = PostgresPool(url: try FreshDatabase.url(), size: 1, logger: FreshDatabase.logger)
        _ = try await pool.withConnection { try await $0.execute("CREATE TABLE leak (n int)") }
        try await pool.withConnection { connection in
            try await connection.execute("BEGIN")
            try await connection.execute("INSERT INTO leak VALUES (1)")
        }
        let (count, first, second) = try await pool.withConnection { connection in
            let count = try await connection.query("SELECT count(*) AS n FROM leak")[0]["n"]
            // Outside a transaction block every statement gets its own transaction id.
            let first = try await connection.query("SELECT txid_current() AS id")[0]["id"]
            let second = try await connection.query("SELECT txid_current() AS id")[0]["id"]
            return (count, first, second)
        }
        XCTAssertEqual(count, "0", "the abandoned transaction was rolled back")
        XCTAssertNotEqual(first, second, "not inside the old transaction")
        await pool.close()
    }
}
