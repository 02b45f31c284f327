import Foundation
import NotificationsService
import PMSBus
import PMSRuntime
import PMSTestSupport
import XCTest

/// services-issues-notifications.md, calculate_response_metrics (target rule): the acceptance scenarios,
/// the level and status counts, the Asia/Shanghai day bounds, the 7-day recompute and a redelivered tick.
/// D = 2026-01-09, run at 01:00, so Y = 2026-01-08 and the window is 2026-01-02 … 2026-01-08.
final class CalculateResponseMetricsTests: XCTestCase {
    var h: JobHarness!
    let job = CalculateResponseMetricsJob()
    let jobID = "calculate_response_metrics"
    var nextTarget = 1

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .notifications)
        nextTarget = 1
    }

    override func tearDown() async throws { await h.close() }

    /// One alert; timestamps are SQL literals such as '2026-01-08 08:00+08' (nil = NULL).
    func alert(_ no: String, triggered: String, ack: String? = nil, end: String? = nil, status: String = "PENDING",
               level: String = "WARNING") async throws {
        let target = nextTarget
        nextTarget += 1
        try await h.db.execute(
            """
            INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, alert_level, alert_title,
                                       alert_content, triggered_at, acknowledged_at, handle_end_at, status)
            VALUES ($1, (SELECT id FROM alert_rules WHERE rule_code = 'MATERIAL_SHORTAGE'), 'MATERIAL_SHORTAGE', $2,
                    $3, '缺料', '缺料', $4::timestamptz, $5::timestamptz, $6::timestamptz, $7)
            """, [no, target, level, triggered, ack, end, status])
    }

    static let columns = [
        "total_alerts", "avg_response_time", "avg_resolve_time", "info_alerts", "warning_alerts", "critical_alerts",
        "urgent_alerts", "pending_alerts", "processing_alerts", "resolved_alerts", "ignored_alerts",
        "total_exceptions", "open_exceptions", "overdue_exceptions",
    ]

    /// The DAILY rows of `date`, each as column → text.
    func stats(_ date: String = "2026-01-08") async throws -> [[String: String]] {
        try await h.rows("""
            SELECT id::text AS id, updated_at::text AS updated_at, \(Self.columns.map { "\($0)::text AS \($0)" }.joined(separator: ", "))
              FROM alert_statistics WHERE stat_date = '\(date)'::date AND stat_type = 'DAILY'
            """).map { row in
            var values: [String: String] = [:]
            for c in Self.columns + ["id", "updated_at"] { values[c] = row[c] }
            return values
        }
    }

    /// a1 acknowledged after 1.5 h and ended 4 h later, a2 acknowledged after 4 h, a3 open, a4 the day before.
    func seedMixedCohort() async throws {
        try await alert("AL202601080001", triggered: "2026-01-08 08:00+08", ack: "2026-01-08 09:30+08",
                        end: "2026-01-08 13:30+08", status: "RESOLVED")
        try await alert("AL202601080002", triggered: "2026-01-08 10:00+08", ack: "2026-01-08 14:00+08",
                        status: "ACKNOWLEDGED")
        try await alert("AL202601080003", triggered: "2026-01-08 22:00+08")
        try await alert("AL202601070001", triggered: "2026-01-07 12:00+08", ack: "2026-01-07 13:00+08",
                        status: "ACKNOWLEDGED")
    }

    // Scenario 1: mixed cohort → total 3, response (1.5 + 4) / 2 = 2.75, resolve 4.00.
    func testMixedCohort() async throws {
        try await seedMixedCohort()
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let rows = try await stats()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?["total_alerts"], "3")
        XCTAssertEqual(rows.first?["avg_response_time"], "2.75")
        XCTAssertEqual(rows.first?["avg_resolve_time"], "4.00")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 3)
        XCTAssertEqual(result?.created, 7, "Y − 6 … Y")
        XCTAssertEqual(result?.updated, 0)
        XCTAssertEqual(result?.details?["stat_date"], .string("2026-01-08"))
        XCTAssertEqual(result?.details?["total_alerts"], .number(3))
        XCTAssertEqual(result?.details?["avg_response_time_hours"], .number(2.75))
        XCTAssertEqual(result?.details?["avg_resolve_time_hours"], .number(4))
        XCTAssertEqual(result?.details?["response_count"], .number(2))
        XCTAssertEqual(result?.details?["resolve_count"], .number(1))
        let dayBefore = try await stats("2026-01-07")
        XCTAssertEqual(dayBefore.first?["total_alerts"], "1")
        XCTAssertEqual(dayBefore.first?["avg_response_time"], "1.00")
    }

    // Scenario 2: a3 acknowledged at D 00:30; the re-run updates the same row to (1.5 + 4 + 2.5) / 3 = 2.67.
    func testRerunAfterAcknowledgementUpdatesTheSameRow() async throws {
        try await seedMixedCohort()
        let first = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(first)
        let before = try await stats()
        try await h.exec("""
            UPDATE alert_records SET status = 'ACKNOWLEDGED', acknowledged_at = '2026-01-09 00:30+08'
             WHERE alert_no = 'AL202601080003'
            """)
        let second = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(second)
        let after = try await stats()
        XCTAssertEqual(after.count, 1)
        XCTAssertEqual(after.first?["id"], before.first?["id"])
        XCTAssertEqual(after.first?["avg_response_time"], "2.67")
        XCTAssertEqual(after.first?["avg_resolve_time"], "4.00")
        XCTAssertEqual(after.first?["pending_alerts"], "0")
        XCTAssertEqual(after.first?["processing_alerts"], "2")
        let total = try await h.count("SELECT 1 FROM alert_statistics")
        XCTAssertEqual(total, 7)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 7)
        XCTAssertEqual(result?.details?["response_count"], .number(3))
    }

    // Scenario 3: no alerts on Y → a row of zeros.
    func testNoAlertsGivesZeros() async throws {
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let rows = try await stats()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?["total_alerts"], "0")
        XCTAssertEqual(rows.first?["avg_response_time"], "0.00")
        XCTAssertEqual(rows.first?["avg_resolve_time"], "0.00")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 0)
        XCTAssertEqual(result?.details?["avg_response_time_hours"], .number(0))
        XCTAssertEqual(result?.details?["response_count"], .number(0))
    }

    // Scenario 4: a5 resolved at Y 12:00 without acknowledgement counts in the total, in neither average.
    func testResolvedWithoutAckCountsInTotalOnly() async throws {
        try await alert("AL202601080005", triggered: "2026-01-08 10:00+08", end: "2026-01-08 12:00+08", status: "RESOLVED")
        try await alert("AL202601080006", triggered: "2026-01-08 10:00+08", ack: "2026-01-08 11:00+08",
                        end: "2026-01-08 14:00+08", status: "CLOSED")
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let rows = try await stats()
        XCTAssertEqual(rows.first?["total_alerts"], "2")
        XCTAssertEqual(rows.first?["avg_response_time"], "1.00")
        XCTAssertEqual(rows.first?["avg_resolve_time"], "3.00")
        XCTAssertEqual(rows.first?["resolved_alerts"], "2")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.details?["response_count"], .number(1))
        XCTAssertEqual(result?.details?["resolve_count"], .number(1))
    }

    // The level and status breakdown; the exception columns stay 0.
    func testLevelAndStatusCounts() async throws {
        let cases: [(String, String)] = [
            ("INFO", "PENDING"), ("WARNING", "ACKNOWLEDGED"), ("WARNING", "PROCESSING"), ("CRITICAL", "RESOLVED"),
            ("CRITICAL", "CLOSED"), ("URGENT", "IGNORED"), ("URGENT", "EXPIRED"),
        ]
        for (i, (level, status)) in cases.enumerated() {
            try await alert("AL20260108010\(i)", triggered: "2026-01-08 0\(i):00+08", status: status, level: level)
        }
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let row = try await stats().first
        XCTAssertEqual(row, [
            "id": row?["id"] ?? "", "updated_at": row?["updated_at"] ?? "",
            "total_alerts": "7", "avg_response_time": "0.00", "avg_resolve_time": "0.00",
            "info_alerts": "1", "warning_alerts": "2", "critical_alerts": "2", "urgent_alerts": "2",
            "pending_alerts": "1", "processing_alerts": "2", "resolved_alerts": "2", "ignored_alerts": "1",
            "total_exceptions": "0", "open_exceptions": "0", "overdue_exceptions": "0",
        ])
    }

    // Days are Shanghai days: 2026-01-07T16:00Z is Y 00:00; 2026-01-08T16:00Z is already D.
    func testCohortBoundsAreShanghaiDays() async throws {
        try await alert("AL1", triggered: "2026-01-07T15:59:59Z")
        try await alert("AL2", triggered: "2026-01-07T16:00:00Z")
        try await alert("AL3", triggered: "2026-01-08T15:59:59.999Z")
        try await alert("AL4", triggered: "2026-01-08T16:00:00Z")
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let y = try await stats()
        XCTAssertEqual(y.first?["total_alerts"], "2")
        let before = try await stats("2026-01-07")
        XCTAssertEqual(before.first?["total_alerts"], "1")
        let d = try await stats("2026-01-09")
        XCTAssertTrue(d.isEmpty, "D itself is not computed")
    }

    // The 7-day recompute: an acknowledgement arriving later updates the row of a day 3 days back; days
    // outside Y − 6 … Y are left alone.
    func testLateAcknowledgementUpdatesARowThreeDaysBack() async throws {
        try await alert("AL202601050001", triggered: "2026-01-05 09:00+08")
        let first = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(first)
        let before = try await stats("2026-01-05")
        XCTAssertEqual(before.first?["avg_response_time"], "0.00")
        XCTAssertEqual(before.first?["pending_alerts"], "1")
        try await h.exec("""
            UPDATE alert_records SET status = 'ACKNOWLEDGED', acknowledged_at = '2026-01-09 12:00+08'
             WHERE alert_no = 'AL202601050001'
            """)
        let second = await h.run(job, at: "2026-01-10T01:00")
        XCTAssertSucceeded(second)
        let after = try await stats("2026-01-05")
        XCTAssertEqual(after.count, 1)
        XCTAssertEqual(after.first?["id"], before.first?["id"])
        XCTAssertEqual(after.first?["avg_response_time"], "99.00")
        XCTAssertEqual(after.first?["pending_alerts"], "0")
        XCTAssertEqual(after.first?["processing_alerts"], "1")
        XCTAssertNotEqual(after.first?["updated_at"], before.first?["updated_at"])
        let total = try await h.count("SELECT 1 FROM alert_statistics")
        XCTAssertEqual(total, 8, "2026-01-02 … 2026-01-09")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.updated, 6)
        XCTAssertEqual(result?.details?["stat_date"], .string("2026-01-09"))
    }

    // A redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await seedMixedCohort()
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T01:00", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T01:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count(
            "SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/calculate_response_metrics/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let total = try await h.count("SELECT 1 FROM alert_statistics")
        XCTAssertEqual(total, 7)
    }
}
