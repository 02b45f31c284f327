import Foundation
import PMSPostgres
import XCTest

final class ParameterRoundTripTests: XCTestCase {
    private var connection: PostgresConnection!

    override func setUp() async throws {
        connection = try await FreshDatabase.connect(try FreshDatabase.url())
        try await connection.executeScript("""
            CREATE TABLE sample (
                id serial PRIMARY KEY,
                text_value text, big_value int8, int_value int4, small_value int4, real_value float8,
                flag boolean, amount numeric(14,4), uid uuid, at timestamptz, day date, doc jsonb
            );
            """)
    }

    override func tearDown() async throws {
        connection?.close()
    }

    private let insertAll = """
        INSERT INTO sample (text_value, big_value, int_value, small_value, real_value, flag, amount, uid, at, day, doc)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb) RETURNING id
        """

    func testEveryTypeRoundTrips() async throws {
        let uid = UUID()
        let at = Date(timeIntervalSince1970: 1_767_920_400.123)  // 2026-01-09T01:00:00.123Z
        let amount = Decimal(string: "12345678.9012")!
        let day = PostgresDate(year: 2026, month: 2, day: 28)
        let doc = try PostgresJSON(encoding: ["name": "泵站 A", "note": "x\"y"])
        let id = try await connection.query(insertAll, [
            "项目进度 — 缺料预警 ✓", Int64.max, 42, Int32.min, 0.1, true, amount, uid, at, day, doc,
        ]).first!.decode(Int.self, "id")

        let row = try await connection.query("SELECT * FROM sample WHERE id = $1", [id]).first!
        XCTAssertEqual(try row.decode(String.self, "text_value"), "项目进度 — 缺料预警 ✓")
        XCTAssertEqual(try row.decode(Int64.self, "big_value"), Int64.max)
        XCTAssertEqual(try row.decode(Int.self, "int_value"), 42)
        XCTAssertEqual(try row.decode(Int32.self, "small_value"), Int32.min)
        XCTAssertEqual(try row.decode(Double.self, "real_value"), 0.1)
        XCTAssertEqual(try row.decode(Bool.self, "flag"), true)
        XCTAssertEqual(try row.decode(Decimal.self, "amount"), amount)
        XCTAssertEqual(row["amount"], "12345678.9012")
        XCTAssertEqual(try row.decode(UUID.self, "uid"), uid)
        XCTAssertEqual(try row.decode(Date.self, "at"), at)
        XCTAssertEqual(row["at"], "2026-01-09 01:00:00.123+00")
        XCTAssertEqual(try row.decode(PostgresDate.self, "day"), day)
        let decodedDoc = try row.decode(PostgresJSON.self, "doc").decode([String: String].self)
        XCTAssertEqual(decodedDoc, ["name": "泵站 A", "note": "x\"y"])
    }

    func testNullsRoundTripThroughOptionals() async throws {
        let id = try await connection.query(insertAll, [
            String?.none, Int64?.none, Int?.none, Int32?.none, Double?.none, Bool?.none, Decimal?.none, UUID?.none,
            Date?.none, PostgresDate?.none, PostgresJSON?.none,
        ]).first!.decode(Int.self, "id")

        let row = try await connection.query("SELECT * FROM sample WHERE id = $1", [id]).first!
        for column in row.columns where column != "id" {
            XCTAssertTrue(row.isNull(column), column)
            XCTAssertNil(row[column], column)
        }
        XCTAssertNil(try row.decode(String?.self, "text_value"))
        XCTAssertNil(try row.decode(Int64?.self, "big_value"))
        XCTAssertNil(try row.decode(Decimal?.self, "amount"))
        XCTAssertNil(try row.decode(Date?.self, "at"))
        XCTAssertNil(try row.decode(PostgresDate?.self, "day"))

        let some: Int64? = 7
        let count = try await connection.query("SELECT $1::int8 + 1 AS next", [some]).first!
        XCTAssertEqual(try count.decode(Int64?.self, "next"), 8)
    }

    func testQuotesAndInjectionAttemptsStayData() async throws {
        let nasty = "O'Brien\"; '); DROP TABLE sample; -- \\ back\\slash $1 'quoted'"
        let id = try await connection.query("INSERT INTO sample (text_value) VALUES ($1) RETURNING id", [nasty])
            .first!.decode(Int.self, "id")
        let stored = try await connection.query("SELECT text_value FROM sample WHERE id = $1", [id])
        XCTAssertEqual(try stored.first?.decode(String.self, "text_value"), nasty)
        let found = try await connection.query("SELECT count(*) AS n FROM sample WHERE text_value = $1", [nasty])
        XCTAssertEqual(try found.first?.decode(Int.self, "n"), 1, "the table still exists and the value matches")
    }

    func testDecimalKeepsFourFractionDigitsExactly() async throws {
        let price = Decimal(string: "0.1234")!
        let rows = try await connection.query(
            "SELECT $1::numeric(14,4) AS price, $1::numeric * 3 AS tripled, 0.1::numeric + 0.2::numeric AS sum",
            [price]
        )
        XCTAssertEqual(try rows[0].decode(Decimal.self, "price"), price)
        XCTAssertEqual(try rows[0].decode(Decimal.self, "tripled"), Decimal(string: "0.3702")!)
        XCTAssertEqual(try rows[0].decode(Decimal.self, "sum"), Decimal(string: "0.3")!)
        let negative = try await connection.query("SELECT $1::numeric(14,4) AS v", [Decimal(string: "-9999999999.9999")!])
        XCTAssertEqual(try negative[0].decode(Decimal.self, "v"), Decimal(string: "-9999999999.9999")!)
    }

    func testNumbersAtTheirLimits() async throws {
        let row = try await connection.query(
            "SELECT $1::int8 AS lo, $2::int4 AS i32, $3::float8 AS tiny, $4::float8 AS inf, $5::float8 AS ninf, $6::float8 AS nan, $7::bool AS no",
            [Int64.min, Int32.max, 1e-300, Double.infinity, -Double.infinity, Double.nan, false]
        )[0]
        XCTAssertEqual(try row.decode(Int64.self, "lo"), Int64.min)
        XCTAssertEqual(try row.decode(Int32.self, "i32"), Int32.max)
        XCTAssertEqual(try row.decode(Double.self, "tiny"), 1e-300)
        XCTAssertEqual(try row.decode(Double.self, "inf"), .infinity)
        XCTAssertEqual(try row.decode(Double.self, "ninf"), -.infinity)
        XCTAssertTrue(try row.decode(Double.self, "nan").isNaN)
        XCTAssertEqual(try row.decode(Bool.self, "no"), false)
    }

    func testTimestampsWithOffsetsAndMicroseconds() async throws {
        let row = try await connection.query("""
            SELECT '2026-01-09 01:00:00.123456+08'::timestamptz AS micro,
                   '2026-01-09 01:00:00+05:30'::timestamptz AS half,
                   '2026-01-09'::date AS day, 'infinity'::timestamptz AS forever
            """)[0]
        XCTAssertEqual(row["micro"], "2026-01-08 17:00:00.123456+00")
        let micro = try row.decode(Date.self, "micro")
        XCTAssertEqual(micro.timeIntervalSince1970, 1_767_891_600.123456, accuracy: 0.000_001)
        XCTAssertEqual(try row.decode(Date.self, "half").timeIntervalSince1970, 1_767_900_600)
        XCTAssertEqual(try row.decode(PostgresDate.self, "day"), PostgresDate("2026-01-09"))
        XCTAssertEqual(try row.decode(Date.self, "forever"), .distantFuture)

        let bound = try await connection.query("SELECT $1::timestamptz = '2026-01-09 01:00:00+00' AS same", [
            Date(timeIntervalSince1970: 1_767_920_400),
        ])
        XCTAssertEqual(try bound[0].decode(Bool.self, "same"), true)
    }

    func testArraysBindAsArrayLiterals() async throws {
        let words = ["plain", "with,comma", "quote\"d", "back\\slash", "{braces}", "NULL", "中文"]
        let row = try await connection.query("SELECT $1::text[] AS words, array_length($1::text[], 1) AS n", [words])[0]
        XCTAssertEqual(try row.decode(Int.self, "n"), words.count)
        let each = try await connection.query("SELECT unnest($1::text[]) AS word", [words])
        XCTAssertEqual(try each.map { try $0.decode(String.self, "word") }, words)

        let withNull: [Int64?] = [1, nil, 3]
        let nulls = try await connection.query("SELECT count(*) AS n FROM unnest($1::int8[]) AS v WHERE v IS NULL", [withNull])
        XCTAssertEqual(try nulls[0].decode(Int.self, "n"), 1)
        let any = try await connection.query("SELECT 3 = ANY($1::int8[]) AS hit", [[Int64(1), 3]])
        XCTAssertEqual(try any[0].decode(Bool.self, "hit"), true)
    }

    func testJSONParameterCastToJsonb() async throws {
        struct Payload: Codable, Equatable { let code: String; let count: Int; let when: Date }
        let payload = Payload(code: "MAT-01", count: 3, when: Date(timeIntervalSince1970: 1_767_920_400))
        let row = try await connection.query(
            "SELECT $1::jsonb ->> 'code' AS code, ($1::jsonb ->> 'count')::int AS count, $1::jsonb AS doc",
            [try PostgresJSON(encoding: payload)]
        )[0]
        XCTAssertEqual(row["code"], "MAT-01")
        XCTAssertEqual(try row.decode(Int.self, "count"), 3)
        XCTAssertEqual(try row.decode(PostgresJSON.self, "doc").decode(Payload.self), payload)
        let raw = try await connection.query("SELECT $1::jsonb ->> 'a' AS a", [PostgresJSON(#"{"a": "b"}"#)])
        XCTAssertEqual(raw[0]["a"], "b")
    }

    func testExecuteReportsAffectedRows() async throws {
        let inserted = try await connection.execute("INSERT INTO sample (int_value) SELECT g FROM generate_series(1, 5) g")
        XCTAssertEqual(inserted, 5)
        let updated = try await connection.execute("UPDATE sample SET flag = true WHERE int_value > $1", [2])
        XCTAssertEqual(updated, 3)
        let deleted = try await connection.execute("DELETE FROM sample WHERE int_value = $1", [99])
        XCTAssertEqual(deleted, 0)
        let created = try await connection.execute("CREATE TEMP TABLE scratch (x int)")
        XCTAssertEqual(created, 0)
    }

    func testNULCharacterInParameterIsRejected() async throws {
        let error = await expectPostgresError { try await self.connection.query("SELECT $1::text", ["a\u{0}b"]) }
        XCTAssertEqual(error?.kind, .query)
        XCTAssertTrue(error?.message.contains("$1") == true)
    }
}
