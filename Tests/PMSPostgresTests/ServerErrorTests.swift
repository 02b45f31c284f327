import PMSPostgres
import XCTest

final class ServerErrorTests: XCTestCase {
    func testUniqueViolationNamesStateDetailAndConstraint() async throws {
        let connection = try await FreshDatabase.connect(try FreshDatabase.url())
        try await connection.execute("CREATE TABLE item (code text CONSTRAINT item_code_key UNIQUE)")
        try await connection.execute("INSERT INTO item (code) VALUES ($1)", ["A-1"])

        let error = await expectPostgresError { try await connection.execute("INSERT INTO item (code) VALUES ($1)", ["A-1"]) }
        XCTAssertEqual(error?.kind, .query)
        XCTAssertEqual(error?.sqlState, "23505")
        XCTAssertEqual(error?.constraint, "item_code_key")
        XCTAssertEqual(error?.detail, "Key (code)=(A-1) already exists.")
        XCTAssertEqual(error?.sql, "INSERT INTO item (code) VALUES ($1)")
        XCTAssertEqual(error?.isConnectionLost, false)
        let description = error?.description ?? ""
        XCTAssertTrue(description.contains("23505 (unique_violation)"), description)
        XCTAssertTrue(description.contains("already exists"), description)

        // The session is still usable.
        let count = try await connection.query("SELECT count(*) AS n FROM item")[0].decode(Int.self, "n")
        XCTAssertEqual(count, 1)
    }

    func testMissingTableAndSyntaxErrorsNameTheirStates() async throws {
        let connection = try await FreshDatabase.connect(try FreshDatabase.url())
        let missing = await expectPostgresError { try await connection.query("SELECT * FROM no_such_table") }
        XCTAssertEqual(missing?.sqlState, "42P01")
        XCTAssertTrue(missing?.description.contains("undefined_table") == true)
        XCTAssertTrue(missing?.message.contains("no_such_table") == true)

        let syntax = await expectPostgresError { try await connection.query("SELEC 1") }
        XCTAssertEqual(syntax?.sqlState, "42601")

        let badColumn = await expectPostgresError { try await connection.query("SELECT nope FROM pg_class") }
        XCTAssertEqual(badColumn?.sqlState, "42703")

        let stillWorks = try await connection.query("SELECT 1 AS one")[0]["one"]
        XCTAssertEqual(stillWorks, "1")
        XCTAssertTrue(connection.isConnected)
    }

    func testScriptRunsSeveralStatementsAndReportsFailures() async throws {
        let connection = try await FreshDatabase.connect(try FreshDatabase.url())
        try await connection.executeScript("""
            CREATE TABLE step (n int PRIMARY KEY);
            INSERT INTO step VALUES (1);
            INSERT INTO step VALUES (2), (3);
            -- a comment
            UPDATE step SET n = n * 10 WHERE n = 3;
            """)
        let rows = try await connection.query("SELECT n FROM step ORDER BY n")
        XCTAssertEqual(try rows.map { try $0.decode(Int.self, "n") }, [1, 2, 30])

        let error = await expectPostgresError {
            try await connection.executeScript("INSERT INTO step VALUES (4); INSERT INTO step VALUES (1);")
        }
        XCTAssertEqual(error?.sqlState, "23505")
        // A multi-statement PQexec is one implicit transaction: the first insert is rolled back too.
        let count = try await connection.query("SELECT count(*) AS n FROM step")[0].decode(Int.self, "n")
        XCTAssertEqual(count, 3)
    }
}
