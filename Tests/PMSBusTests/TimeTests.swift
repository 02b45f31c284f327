import Foundation
import PMSBus
import XCTest

final class TimeTests: XCTestCase {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    func testRFC3339ParsesOffsetsFractionsAndZulu() {
        XCTAssertEqual(RFC3339.parse("2026-01-09T07:00:00+08:00")?.timeIntervalSince1970, 1_767_913_200)
        XCTAssertEqual(RFC3339.parse("2026-01-08T23:00:00Z")?.timeIntervalSince1970, 1_767_913_200)
        XCTAssertEqual(RFC3339.parse("2026-01-08T23:00:00.250Z")?.timeIntervalSince1970, 1_767_913_200.25)
        XCTAssertEqual(RFC3339.parse("2026-01-08 23:00:00-05:30")?.timeIntervalSince1970, 1_767_913_200 + 19_800)
        XCTAssertNil(RFC3339.parse("2026-01-09T07:00:00"), "an offset is required")
        XCTAssertNil(RFC3339.parse("2026-02-30T07:00:00Z"))
        XCTAssertNil(RFC3339.parse("garbage"))
    }

    func testRFC3339FormatsWithTheZoneOffset() {
        let instant = Date(timeIntervalSince1970: 1_767_913_200)
        XCTAssertEqual(RFC3339.format(instant, in: shanghai), "2026-01-09T07:00:00+08:00")
        XCTAssertEqual(RFC3339.format(instant), "2026-01-08T23:00:00Z")
    }

    func testBusinessDayIsTheDayInTheConfiguredZone() {
        let lateUTC = RFC3339.parse("2026-01-08T21:00:00Z")!  // 05:00 on the 9th in Shanghai
        XCTAssertEqual(CivilDate(lateUTC, in: shanghai).description, "2026-01-09")
        XCTAssertEqual(CivilDate(lateUTC, in: TimeZone(identifier: "UTC")!).description, "2026-01-08")
        XCTAssertEqual(CivilDate("2026-01-31")!.adding(days: 1).description, "2026-02-01")
        XCTAssertEqual(CivilDate("2028-02-28")!.adding(days: 1).description, "2028-02-29")
        XCTAssertEqual(CivilDate("2026-01-09")!.compact, "20260109")
        XCTAssertNil(CivilDate("2026-13-01"))
    }

    func testAsOfAcceptsTheThreeForms() throws {
        XCTAssertEqual(try AsOf.parse("2026-01-09", timeZone: shanghai), RFC3339.parse("2026-01-09T09:00:00+08:00"))
        XCTAssertEqual(try AsOf.parse("2026-01-09T07:30", timeZone: shanghai), RFC3339.parse("2026-01-09T07:30:00+08:00"))
        XCTAssertEqual(try AsOf.parse("2026-01-09T07:30:15", timeZone: shanghai), RFC3339.parse("2026-01-09T07:30:15+08:00"))
        XCTAssertEqual(try AsOf.parse("2026-01-09T07:30:00Z", timeZone: shanghai), RFC3339.parse("2026-01-09T15:30:00+08:00"))
        XCTAssertThrowsError(try AsOf.parse("next tuesday", timeZone: shanghai)) { error in
            XCTAssertTrue("\(error)".contains("params.as_of"), "\(error)")
        }
        XCTAssertThrowsError(try AsOf.parse("2026-01-09T25:00", timeZone: shanghai))
    }
}
