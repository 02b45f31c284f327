import Foundation
import PMSBus
import XCTest

final class CodingTests: XCTestCase {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    func testTickRoundTripsWithContractFieldNames() throws {
        let tick = TickMessage(runID: UUID(uuidString: "2F1C8C3E-6A43-4C43-9D42-8E3C3A8E2B10")!, jobID: "generate_shortage_alerts",
                               scheduledFor: RFC3339.parse("2026-01-09T07:00:00+08:00")!, trigger: .manual, attempt: 1,
                               requestedBy: "alice", params: ["as_of": .string("2026-01-09")])
        let text = String(decoding: try BusCoding.encode(tick, timeZone: shanghai), as: UTF8.self)
        XCTAssertEqual(text, #"{"attempt":1,"job_id":"generate_shortage_alerts","params":{"as_of":"2026-01-09"},"requested_by":"alice","run_id":"2F1C8C3E-6A43-4C43-9D42-8E3C3A8E2B10","scheduled_for":"2026-01-09T07:00:00+08:00","trigger":"manual"}"#)
        XCTAssertEqual(try BusCoding.decode(TickMessage.self, from: Array(text.utf8)), tick)
    }

    func testStrictDecodingNamesTheProblem() {
        func reason(_ json: String) -> String {
            do { _ = try BusCoding.decode(TickMessage.self, from: Array(json.utf8)); return "decoded" } catch { return error.reason }
        }
        XCTAssertEqual(reason("not json"), reason("not json"))
        XCTAssertTrue(reason("not json").hasPrefix("not valid JSON"), reason("not json"))
        XCTAssertEqual(reason(#"{"job_id":"x","scheduled_for":"2026-01-09T07:00:00Z","trigger":"cron","attempt":1}"#), "missing field 'run_id'")
        XCTAssertEqual(reason(#"{"run_id":"2F1C8C3E-6A43-4C43-9D42-8E3C3A8E2B10","job_id":"x","scheduled_for":"2026-01-09T07:00:00Z","trigger":"cron","attempt":"one"}"#),
                       "field 'attempt': expected an integer")
        XCTAssertTrue(reason(#"{"run_id":"2F1C8C3E-6A43-4C43-9D42-8E3C3A8E2B10","job_id":"x","scheduled_for":"yesterday","trigger":"cron","attempt":1}"#)
            .hasPrefix("field 'scheduled_for': expected an RFC 3339 date-time with offset, got 'yesterday'"))
        XCTAssertTrue(reason(#"{"run_id":"2F1C8C3E-6A43-4C43-9D42-8E3C3A8E2B10","job_id":"x","scheduled_for":"2026-01-09T07:00:00Z","trigger":"sometimes","attempt":1}"#)
            .hasPrefix("field 'trigger'"))
    }

    func testAlertMessageDecodesThePayloadTheDatabaseWrites() throws {
        let json = #"{"alert_id": 1000000, "alert_no": "SA202601090001", "rule_code": "MATERIAL_SHORTAGE", "level": "CRITICAL", "project_id": 5, "target_type": "MATERIAL_SHORTAGE", "target_id": 11, "title": "物料缺料：气缸", "content": "物料 M-001 缺料 5.0，需求日期：2026-01-11", "triggered_at": "2026-01-08T23:00:00.000Z", "dedup_key": "MATERIAL_SHORTAGE:MATERIAL_SHORTAGE:11", "event": "raised"}"#
        let alert = try BusCoding.decode(AlertMessage.self, from: Array(json.utf8))
        XCTAssertEqual(alert.alertNo, "SA202601090001")
        XCTAssertEqual(alert.level, .critical)
        XCTAssertEqual(alert.title, "物料缺料：气缸")
        XCTAssertEqual(alert.triggeredAt, RFC3339.parse("2026-01-09T07:00:00+08:00"))
        XCTAssertEqual(alert.event, .raised)
    }

    func testEmptyTriggerObjectIsValid() throws {
        XCTAssertEqual(try BusCoding.decode(TriggerRequest.self, from: Array("{}".utf8)), TriggerRequest())
    }
}
