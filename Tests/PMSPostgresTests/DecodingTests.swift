import Foundation
import PMSPostgres
import XCTest

final class DecodingTests: XCTestCase {
    func testTypedDecodingErrorsNameTheColumn() async throws {
        let connection = try await FreshDatabase.connect(try FreshDatabase.url())
        let row = try await connection.query("SELECT 'abc'::text AS code, NULL::int AS missing, 5 AS five")[0]

        let notANumber = try expectDecodingError { try row.decode(Int.self, "code") }
        XCTAssertTrue(notANumber.message.contains("\"code\""), notANumber.message)
        XCTAssertTrue(notANumber.message.contains("abc"), notANumber.message)

        let null = try expectDecodingError { try row.decode(Int.self, "missing") }
        XCTAssertTrue(null.message.contains("\"missing\""), null.message)
        XCTAssertTrue(null.message.contains("NULL"), null.message)

        let unknown = try expectDecodingError { try row.decode(Int?.self, "nope") as Any }
        XCTAssertTrue(unknown.message.contains("\"nope\""), unknown.message)

        XCTAssertNil(try row.decode(Int?.self, "missing"))
        XCTAssertEqual(try row.decode(Int?.self, "five"), 5)
        XCTAssertNil(row["nope"])
        XCTAssertEqual(row.columns, ["code", "missing", "five"])
        XCTAssertEqual(row[2], "5")
        XCTAssertTrue(row.isNull("missing"))
        XCTAssertFalse(row.isNull("five"))
    }

    private func expectDecodingError(
        _ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line
    ) throws -> PostgresError {
        do {
            _ = try body()
        } catch let error as PostgresError {
            XCTAssertEqual(error.kind, .decoding, file: file, line: line)
            XCTAssertNil(error.sqlState, file: file, line: line)
            return error
        }
        XCTFail("decoding succeeded but should have thrown", file: file, line: line)
        throw PostgresError(kind: .decoding, message: "expected a decoding error")
    }

    func testTextDecodersRejectMalformedInput() {
        XCTAssertThrowsError(try Int(postgresText: "12x"))
        XCTAssertThrowsError(try Bool(postgresText: "yes"))
        XCTAssertThrowsError(try Decimal(postgresText: "1.2.3"))
        XCTAssertThrowsError(try Decimal(postgresText: "12abc"))
        XCTAssertThrowsError(try UUID(postgresText: "not-a-uuid"))
        XCTAssertThrowsError(try Date(postgresText: "2026-13-01 00:00:00+00"))
        XCTAssertThrowsError(try Date(postgresText: "2026-01-09"))
        XCTAssertThrowsError(try PostgresDate(postgresText: "2026-02-30"))
        XCTAssertEqual(try Decimal(postgresText: "-0.0001"), Decimal(string: "-0.0001"))
        XCTAssertEqual(try Bool(postgresText: "t"), true)
        XCTAssertEqual(try Bool(postgresText: "f"), false)
    }

    func testTimestampTextFormats() throws {
        let base = 1_767_920_400.0  // 2026-01-09 01:00:00 UTC
        XCTAssertEqual(try Date(postgresText: "2026-01-09 01:00:00+00").timeIntervalSince1970, base)
        XCTAssertEqual(try Date(postgresText: "2026-01-09 09:00:00+08").timeIntervalSince1970, base)
        XCTAssertEqual(try Date(postgresText: "2026-01-09 06:30:00+05:30").timeIntervalSince1970, base)
        XCTAssertEqual(try Date(postgresText: "2026-01-08 21:00:00-04").timeIntervalSince1970, base)
        XCTAssertEqual(try Date(postgresText: "2026-01-09T01:00:00Z").timeIntervalSince1970, base)
        XCTAssertEqual(try Date(postgresText: "2026-01-09 01:00:00").timeIntervalSince1970, base, "no offset means UTC")
        XCTAssertEqual(
            try Date(postgresText: "2026-01-09 09:00:00.123456+08").timeIntervalSince1970, base + 0.123456, accuracy: 1e-6
        )
        XCTAssertEqual(try Date(postgresText: "1969-12-31 23:59:59+00").timeIntervalSince1970, -1)
        XCTAssertEqual(try Date(postgresText: "2024-02-29 00:00:00+00").timeIntervalSince1970, 1_709_164_800)
    }

    func testDateBindsAsISO8601UTCWithMilliseconds() {
        XCTAssertEqual(Date(timeIntervalSince1970: 1_767_920_400).postgresText, "2026-01-09T01:00:00.000Z")
        XCTAssertEqual(Date(timeIntervalSince1970: 1_767_920_400.5).postgresText, "2026-01-09T01:00:00.500Z")
        XCTAssertEqual(Date(timeIntervalSince1970: -0.001).postgresText, "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(Date(timeIntervalSince1970: 951_782_400).postgresText, "2000-02-29T00:00:00.000Z")
        XCTAssertEqual(Date(timeIntervalSince1970: 1e20).postgresText, "infinity", "out of range must not trap")
        XCTAssertEqual(Date.distantPast.postgresText, "-infinity")
    }

    func testPostgresDate() {
        XCTAssertEqual(PostgresDate("2026-01-09"), PostgresDate(year: 2026, month: 1, day: 9))
        XCTAssertEqual(PostgresDate(year: 26, month: 3, day: 1).description, "0026-03-01")
        XCTAssertNil(PostgresDate("2026-02-29"))
        XCTAssertNotNil(PostgresDate("2024-02-29"))
        XCTAssertNil(PostgresDate("2026-1-9"))
        XCTAssertNil(PostgresDate("2026-01-09 00:00:00"))
        XCTAssertLessThan(PostgresDate("2025-12-31")!, PostgresDate("2026-01-01")!)
        XCTAssertEqual(PostgresDate("2024-02-28")!.adding(days: 2), PostgresDate("2024-03-01"))
        XCTAssertEqual(PostgresDate("2026-01-09")!.startOfDayUTC.timeIntervalSince1970, 1_767_916_800)
        XCTAssertEqual(PostgresDate(utcDayOf: Date(timeIntervalSince1970: 1_767_920_400)), PostgresDate("2026-01-09"))
        XCTAssertEqual(PostgresDate("2026-01-09")!.postgresText, "2026-01-09")
    }

    func testAdvisoryLockKeyIsStableFNV1a() {
        XCTAssertEqual(advisoryLockKey(""), Int64(bitPattern: 0xcbf2_9ce4_8422_2325))
        XCTAssertEqual(advisoryLockKey("a"), Int64(bitPattern: 0xaf63_dc4c_8601_ec8c))
        XCTAssertEqual(advisoryLockKey("foobar"), Int64(bitPattern: 0x8594_4171_f739_67e8))
        XCTAssertNotEqual(advisoryLockKey("scheduler"), advisoryLockKey("shortage"))
    }

    func testErrorDescriptionNamesStateConditionAndSQL() {
        let error = PostgresError(
            kind: .query, sqlState: "23505", message: "duplicate key value violates unique constraint \"t_pkey\"",
            detail: "Key (id)=(1) already exists.", sql: "INSERT INTO t VALUES (1)"
        )
        XCTAssertTrue(error.description.hasPrefix("PostgreSQL error 23505 (unique_violation): duplicate key"))
        XCTAssertTrue(error.description.contains("Key (id)=(1) already exists."))
        XCTAssertTrue(error.description.hasSuffix("[SQL: INSERT INTO t VALUES (1)]"))
        XCTAssertFalse(error.isConnectionLost)
        let names = ["23503": "foreign_key_violation", "23514": "check_violation", "23502": "not_null_violation",
                     "40001": "serialization_failure", "40P01": "deadlock_detected", "42703": "undefined_column",
                     "42601": "syntax_error", "57P01": "admin_shutdown", "55P03": "lock_not_available",
                     "08006": "connection_failure"]
        for (state, name) in names {
            XCTAssertTrue(PostgresError(kind: .query, sqlState: state, message: "m").description.contains("(\(name))"), state)
        }
        XCTAssertTrue(PostgresError(kind: .query, sqlState: "57P01", message: "m").isConnectionLost)
        XCTAssertEqual(PostgresError(kind: .query, message: "m", sql: String(repeating: "x", count: 500)).sql?.count, 200)
    }
}
