import PMSPostgres
import XCTest

final class TransactionTests: XCTestCase {
    private struct Abort: Error {}
    private var url = ""
    private var connection: PostgresConnection!

    override func setUp() async throws {
        url = try FreshDatabase.url()
        connection = try await FreshDatabase.connect(url)
        try await connection.execute("CREATE TABLE entry (name text PRIMARY KEY)")
    }

    override func tearDown() async throws {
        connection?.close()
    }

    private func names(_ on: PostgresConnection? = nil) async throws -> [String] {
        try await (on ?? connection).query("SELECT name FROM entry ORDER BY name").map { try $0.decode(String.self, "name") }
    }

    func testCommitMakesRowsVisibleToOthers() async throws {
        let other = try await FreshDatabase.connect(url)
        let result = try await connection.transaction { tx in
            try await tx.execute("INSERT INTO entry VALUES ($1)", ["a"])
            try await tx.execute("INSERT INTO entry VALUES ($1)", ["b"])
            return "done"
        }
        XCTAssertEqual(result, "done")
        let stored = try await names(other)
        XCTAssertEqual(stored, ["a", "b"])
    }

    func testThrowInsideRollsBackAndRethrowsTheOriginalError() async throws {
        do {
            try await connection.transaction { tx in
                try await tx.execute("INSERT INTO entry VALUES ($1)", ["gone"])
                throw Abort()
            }
            XCTFail("expected the body's error")
        } catch is Abort {}
        let stored = try await names()
        XCTAssertEqual(stored, [])

        // A failing statement rolls back the earlier ones too, and the server's error comes through.
        let error = await expectPostgresError {
            try await self.connection.transaction { tx in
                try await tx.execute("INSERT INTO entry VALUES ($1)", ["x"])
                try await tx.execute("INSERT INTO entry VALUES ($1)", ["x"])
            }
        }
        XCTAssertEqual(error?.sqlState, "23505")
        let storedAfterFailure = try await names()
        XCTAssertEqual(storedAfterFailure, [])
    }

    func testSavepointRollbackKeepsTheOuterTransactionsWork() async throws {
        try await connection.transaction { tx in
            try await tx.execute("INSERT INTO entry VALUES ($1)", ["outer"])
            do {
                try await tx.savepoint("inner_step") { sp in
                    try await sp.execute("INSERT INTO entry VALUES ($1)", ["inner"])
                    try await sp.execute("INSERT INTO entry VALUES ($1)", ["outer"])  // unique violation
                }
                XCTFail("expected a unique violation")
            } catch let error as PostgresError {
                XCTAssertEqual(error.sqlState, "23505")
            }
            let kept = try await tx.savepoint("second") { sp in
                try await sp.execute("INSERT INTO entry VALUES ($1)", ["kept"])
            }
            XCTAssertEqual(kept, 1)
        }
        let stored = try await names()
        XCTAssertEqual(stored, ["kept", "outer"])
    }

    func testSwallowedErrorMakesCommitFail() async throws {
        let error = await expectPostgresError {
            try await self.connection.transaction { tx in
                try await tx.execute("INSERT INTO entry VALUES ($1)", ["lost"])
                _ = try? await tx.execute("INSERT INTO missing_table VALUES (1)")
            }
        }
        XCTAssertEqual(error?.sqlState, "25P02")
        let stored = try await names()
        XCTAssertEqual(stored, [])
    }

    func testNestedTransactionIsRefusedAndInvalidSavepointNamesToo() async throws {
        let nested = await expectPostgresError {
            try await self.connection.transaction { tx in
                try await tx.execute("INSERT INTO entry VALUES ($1)", ["n"])
                try await tx.transaction { _ in }
            }
        }
        XCTAssertEqual(nested?.kind, .protocolViolation)
        let stored = try await names()
        XCTAssertEqual(stored, [])

        let badName = await expectPostgresError { try await self.connection.savepoint("x; DROP TABLE entry") { _ in } }
        XCTAssertEqual(badName?.kind, .protocolViolation)
    }

    func testAdvisoryLockIsExclusiveUntilUnlocked() async throws {
        let other = try await FreshDatabase.connect(url)
        let key = advisoryLockKey("scheduler.tick")
        let firstTakes = try await connection.tryAdvisoryLock(key)
        XCTAssertTrue(firstTakes)
        let secondTakes = try await other.tryAdvisoryLock(key)
        XCTAssertFalse(secondTakes, "held by the first session")
        try await connection.advisoryUnlock(key)
        let secondTakesAfterUnlock = try await other.tryAdvisoryLock(key)
        XCTAssertTrue(secondTakesAfterUnlock)
        let firstTakesAgain = try await connection.tryAdvisoryLock(key)
        XCTAssertFalse(firstTakesAgain)

        // Closing the holder's session releases its locks.
        other.close()
        var taken = false
        for _ in 0..<50 where !taken {  // the backend releases it as it exits, just after close() returns
            taken = try await connection.tryAdvisoryLock(key)
            if !taken { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        XCTAssertTrue(taken)
        try await connection.advisoryUnlock(key)
    }
}
