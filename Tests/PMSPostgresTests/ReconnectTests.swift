import PMSPostgres
import PMSTestSupport
import XCTest

/// Uses its own server: stopping the shared one would disturb other tests.
final class ReconnectTests: XCTestCase {
    private var server: PostgresTestServer!

    override func setUp() async throws {
        server = try PostgresTestServer.start()
    }

    override func tearDown() async throws {
        server?.destroy()
    }

    func testSameConnectionWorksAgainAfterServerRestart() async throws {
        let connection = try await FreshDatabase.connect(server.url())
        try await connection.execute("CREATE TABLE survivor (n int)")
        try await connection.execute("INSERT INTO survivor VALUES (1)")
        let pidBefore = try await connection.query("SELECT pg_backend_pid() AS pid")[0]["pid"]

        try server.stop()
        let lost = await expectPostgresError { try await connection.query("SELECT count(*) FROM survivor") }
        XCTAssertEqual(lost?.isConnectionLost, true, lost?.description ?? "")
        XCTAssertEqual(lost?.kind, .connection)
        XCTAssertFalse(connection.isConnected)

        // While the server is down, a call tries a few times and then names the host.
        let down = await expectPostgresError { try await connection.query("SELECT 1") }
        XCTAssertEqual(down?.kind, .connection)
        XCTAssertTrue(down?.message.contains("127.0.0.1:\(server.port)") == true, down?.message ?? "")

        try server.restart()
        let rows = try await connection.query("SELECT count(*) AS n, pg_backend_pid() AS pid FROM survivor")
        XCTAssertEqual(try rows[0].decode(Int.self, "n"), 1)
        XCTAssertNotEqual(rows[0]["pid"], pidBefore, "a new session")
        XCTAssertTrue(connection.isConnected)
        let zone = try await connection.query("SELECT current_setting('TimeZone') AS zone")
        XCTAssertEqual(zone[0]["zone"], "UTC", "session settings are applied again")
    }

    func testKilledServerIsNoticedAndRecovered() async throws {
        let connection = try await FreshDatabase.connect(server.url())
        server.kill()
        let lost = await expectPostgresError { try await connection.query("SELECT 1") }
        XCTAssertEqual(lost?.isConnectionLost, true, lost?.description ?? "")
        try server.restart()
        let afterRestart = try await connection.query("SELECT 2 AS two")[0]["two"]
        XCTAssertEqual(afterRestart, "2")
    }

    func testLostConnectionInsideTransactionIsNotSilentlyReplaced() async throws {
        let connection = try await FreshDatabase.connect(server.url())
        try await connection.execute("CREATE TABLE ledger (n int)")
        let server = self.server!
        let error = await expectPostgresError {
            try await connection.transaction { tx in
                try await tx.execute("INSERT INTO ledger VALUES (1)")
                try server.stop()
                try server.restart()
                // Must fail rather than run on a new session outside the transaction.
                _ = try? await tx.execute("INSERT INTO ledger VALUES (2)")
                try await tx.execute("INSERT INTO ledger VALUES (3)")
            }
        }
        XCTAssertEqual(error?.isConnectionLost, true, error?.description ?? "")
        let count = try await connection.query("SELECT count(*) AS n FROM ledger")
        XCTAssertEqual(try count[0].decode(Int.self, "n"), 0)
    }

    func testPoolRecoversAfterRestart() async throws {
        let pool = PostgresPool(url: server.url(), size: 2, logger: FreshDatabase.logger)
        let before = try await pool.withConnection { try await $0.query("SELECT 1 AS one")[0]["one"] }
        XCTAssertEqual(before, "1")
        try server.stop()
        let down = await expectPostgresError { try await pool.withConnection { try await $0.query("SELECT 2") } }
        XCTAssertEqual(down?.isConnectionLost, true)
        try server.restart()
        // The idle connection's closed socket is noticed before anything is sent, so it reconnects first.
        let after = try await pool.withConnection { try await $0.query("SELECT 3 AS three")[0]["three"] }
        XCTAssertEqual(after, "3")
        await pool.close()
    }
}
