import Logging
import PMSPostgres
import PMSTestSupport
import XCTest

final class ConnectionTests: XCTestCase {
    func testConnectsByURLAndSetsUTCAndISODates() async throws {
        let connection = PostgresConnection(url: try FreshDatabase.url(), logger: FreshDatabase.logger)
        XCTAssertFalse(connection.isConnected, "init must not connect")
        try await connection.connect()
        XCTAssertTrue(connection.isConnected)

        let rows = try await connection.query("SELECT current_setting('TimeZone') AS zone, current_setting('DateStyle') AS style")
        XCTAssertEqual(rows.first?["zone"], "UTC")
        XCTAssertEqual(rows.first?["style"].map { $0.hasPrefix("ISO") }, true)
        connection.close()
    }

    func testFirstCallConnectsLazily() async throws {
        let connection = PostgresConnection(url: try FreshDatabase.url(), logger: FreshDatabase.logger)
        let rows = try await connection.query("SELECT 1 AS one")
        XCTAssertEqual(try rows.first?.decode(Int.self, "one"), 1)
        XCTAssertTrue(connection.isConnected)
    }

    func testCallsAfterCloseFailUntilConnectAgain() async throws {
        let connection = try await FreshDatabase.connect(try FreshDatabase.url())
        connection.close()
        XCTAssertFalse(connection.isConnected)
        let error = await expectPostgresError { try await connection.query("SELECT 1") }
        XCTAssertEqual(error?.kind, .connection)
        try await connection.connect()
        let reopened = try await connection.query("SELECT 2 AS two").first?["two"]
        XCTAssertEqual(reopened, "2")
    }

    func testRefusedConnectionNamesTheHostAndLibpqMessage() async throws {
        let port = try freeLoopbackPort()  // nothing listens there
        let connection = PostgresConnection(url: "postgresql://postgres@127.0.0.1:\(port)/postgres", logger: FreshDatabase.logger)
        let error = await expectPostgresError { try await connection.connect() }
        XCTAssertEqual(error?.kind, .connection)
        XCTAssertEqual(error?.isConnectionLost, true)
        XCTAssertNil(error?.sqlState)
        XCTAssertTrue(error?.message.contains("127.0.0.1:\(port)") == true, error?.message ?? "")
        XCTAssertTrue(error?.message.lowercased().contains("refused") == true, error?.message ?? "")
    }

    func testServerNoticesGoToTheLoggerAtDebug() async throws {
        let capture = CapturedLogs()
        let logger = capture.logger(level: .debug)
        let connection = try await FreshDatabase.connect(try FreshDatabase.url(), logger: logger)
        try await connection.execute("DROP TABLE IF EXISTS no_such_table_here")
        let notices = capture.messages.filter { $0.contains("no_such_table_here") }
        XCTAssertEqual(notices.count, 1, "\(capture.messages)")
        XCTAssertEqual(capture.levels(containing: "no_such_table_here"), [.debug])
    }

    func testStatementCutOffByLostConnectionIsReportedNotRetried() async throws {
        let url = try FreshDatabase.url()
        let victim = try await FreshDatabase.connect(url)
        let killer = try await FreshDatabase.connect(url)
        try await victim.execute("CREATE TABLE attempt (n int)")
        let pid = try await victim.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, "pid")

        async let cutOff = expectPostgresError {
            try await victim.execute("INSERT INTO attempt SELECT 1 FROM pg_sleep(5)")
        }
        // Wait until the statement runs, then end that session from outside.
        var terminated = false
        for _ in 0..<200 where !terminated {
            let active = try await killer.query(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1 AND query LIKE 'INSERT INTO attempt%'", [pid]
            )
            if try active[0].decode(Int.self, "n") == 1 {
                terminated = try await killer.query("SELECT pg_terminate_backend($1) AS ok", [pid])[0].decode(Bool.self, "ok")
            } else {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
        }
        XCTAssertTrue(terminated)
        let error = await cutOff
        XCTAssertEqual(error?.isConnectionLost, true, error?.description ?? "")
        // libpq reports either the server's 57P01 or just the closed socket, depending on timing.
        XCTAssertTrue([nil, "57P01"].contains(error?.sqlState), error?.description ?? "")
        XCTAssertEqual(error?.sql, "INSERT INTO attempt SELECT 1 FROM pg_sleep(5)")

        // The next call reconnects; the insert was not silently run again.
        let rows = try await victim.query("SELECT count(*) AS n, pg_backend_pid() AS pid FROM attempt")
        XCTAssertEqual(try rows[0].decode(Int.self, "n"), 0)
        XCTAssertNotEqual(try rows[0].decode(Int32.self, "pid"), pid)
    }

    func testEmptyStatementReturnsNothing() async throws {
        let connection = try await FreshDatabase.connect(try FreshDatabase.url())
        let rows = try await connection.query("")
        XCTAssertTrue(rows.isEmpty)
        let affected = try await connection.execute(";")
        XCTAssertEqual(affected, 0)
    }
}
