import Foundation
import PMSBus
import PMSRuntime
import ShortageService
import PMSTestSupport
import XCTest

/// services-shortage-production.md, generate_shortage_daily_report: every acceptance scenario (corrected:
/// alerts are `alert_records` of rule MATERIAL_SHORTAGE, snapshot metrics as of the end of T), plus the
/// re-run, the Asia/Shanghai day boundaries and a redelivered tick. D = 2026-01-10, run at 05:15, so
/// T = 2026-01-09.
final class GenerateShortageDailyReportTests: XCTestCase {
    var h: JobHarness!
    let job = GenerateShortageDailyReport()

    static let metrics = [
        "new_alerts", "resolved_alerts", "pending_alerts", "overdue_alerts", "level1_count", "level2_count",
        "level3_count", "level4_count", "new_reports", "resolved_reports", "total_work_orders", "kit_complete_count",
        "kit_rate", "expected_arrivals", "actual_arrivals", "delayed_arrivals", "on_time_rate", "avg_response_minutes",
        "avg_resolve_hours", "stoppage_count", "stoppage_hours",
    ]
    static let zeros: [String: String] = Dictionary(uniqueKeysWithValues: metrics.map {
        ($0, ["kit_rate", "on_time_rate", "avg_resolve_hours", "stoppage_hours"].contains($0) ? "0.00" : "0")
    })

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .shortage)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true);
            INSERT INTO projects (id, project_code, project_name) VALUES (1, 'P-1', '项目一');
            """)
    }

    override func tearDown() async throws { await h.close() }

    /// The report rows, each as metric name → text.
    func reports() async throws -> [(date: String, metrics: [String: String])] {
        let rows = try await h.rows(
            "SELECT report_date::text AS report_date, \(Self.metrics.joined(separator: ", ")) FROM mat_shortage_daily_report ORDER BY report_date")
        return rows.map { row in
            var values: [String: String] = [:]
            for m in Self.metrics { values[m] = row[m] }
            return (row["report_date"] ?? "", values)
        }
    }

    /// Asserts exactly one report row, for T, with every metric zero except `expected`.
    func assertSingleReport(_ expected: [String: String], date: String = "2026-01-09",
                            file: StaticString = #filePath, line: UInt = #line) async throws {
        let rows = try await reports()
        XCTAssertEqual(rows.count, 1, file: file, line: line)
        guard let row = rows.first else { return }
        XCTAssertEqual(row.date, date, file: file, line: line)
        XCTAssertEqual(row.metrics, Self.zeros.merging(expected) { $1 }, file: file, line: line)
    }

    func shortage(_ id: Int, required: String?) async throws {
        try await h.db.execute(
            """
            INSERT INTO material_shortages (id, project_id, material_code, material_name, shortage_qty, required_date)
            VALUES ($1, 1, $2, '物料', 5, $3::date)
            """, [id, "M-\(id)", required])
    }

    /// A MATERIAL_SHORTAGE alert (rule 1 of the seed) on shortage `target`, unless `rule` says otherwise.
    func alert(_ id: Int, target: Int, level: String, status: String = "PENDING", triggered: String,
               acknowledged: String? = nil, ended: String? = nil, rule: Int = 1, targetType: String = "MATERIAL_SHORTAGE") async throws {
        try await h.db.execute(
            """
            INSERT INTO alert_records (id, alert_no, rule_id, target_type, target_id, alert_level, alert_title,
                                       alert_content, status, triggered_at, acknowledged_at, handle_end_at)
            VALUES ($1, $2, $3, $4, $5, $6, '缺料', '缺料', $7, $8::timestamptz, $9::timestamptz, $10::timestamptz)
            """, [id, "SA-T-\(id)", rule, targetType, target, level, status, triggered, acknowledged, ended])
    }

    // Scenario 1.
    func testReportsKitAndArrivalFiguresOfYesterday() async throws {
        try await h.exec("""
            INSERT INTO shortage_reports (report_time, resolved_at) VALUES
              ('2026-01-09T09:00:00+08:00', '2026-01-09T15:00:00+08:00'), ('2026-01-09T10:00:00+08:00', NULL);
            INSERT INTO mat_kit_check (kit_rate, kit_status, check_time) VALUES
              (100.00, 'complete', '2026-01-09T06:00:00+08:00'), (50.00, 'partial', '2026-01-09T06:00:00+08:00'),
              (80.00, 'partial', '2026-01-09T06:00:00+08:00');
            INSERT INTO material_arrivals (expected_date, actual_date, is_delayed) VALUES
              ('2026-01-09', NULL, false), ('2026-01-09', NULL, false),
              ('2026-01-05', '2026-01-09', true), ('2026-01-12', '2026-01-09', false);
            """)
        let outcome = await h.run(job, at: "2026-01-10T05:15")
        XCTAssertSucceeded(outcome)
        try await assertSingleReport([
            "new_reports": "2", "resolved_reports": "1", "total_work_orders": "3", "kit_complete_count": "1",
            "kit_rate": "76.67", "expected_arrivals": "2", "actual_arrivals": "2", "delayed_arrivals": "1",
            "on_time_rate": "50.00",
        ])
        let alerts = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(alerts, 0, "the report writes no alerts")
        let notifications = try await h.count("SELECT 1 FROM alert_notifications UNION ALL SELECT 1 FROM notifications")
        XCTAssertEqual(notifications, 0)
        let result = try await h.lastResult("generate_shortage_daily_report")
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.updated, 0)
        XCTAssertEqual(result?.details?["date"], .string("2026-01-09"))
        XCTAssertEqual(result?.details?["new_reports"], .number(2))
        XCTAssertEqual(result?.details?["new_alerts"], .number(0))
    }

    // Scenario 2, corrected: the alert figures come from MATERIAL_SHORTAGE alert_records; stoppages stay on
    // mat_shortage_alert. Levels count the alerts open at the end of T, so the resolved URGENT alert A is not
    // in level3_count.
    func testAlertFormulasOnMaterialShortageAlerts() async throws {
        try await shortage(501, required: "2026-01-20")
        try await shortage(502, required: "2026-01-20")
        try await alert(1, target: 501, level: "URGENT", status: "RESOLVED", triggered: "2026-01-09T08:00:00+08:00",
                        acknowledged: "2026-01-09T08:30:00+08:00", ended: "2026-01-09T12:00:00+08:00")
        try await alert(2, target: 502, level: "WARNING", triggered: "2026-01-09T09:00:00+08:00",
                        acknowledged: "2026-01-09T09:43:00+08:00")
        try await h.exec("""
            INSERT INTO mat_shortage_alert (impact_type, estimated_delay_days, created_at) VALUES
              ('stop', 2, '2026-01-09T08:00:00+08:00'), ('delay', 5, '2026-01-09T09:00:00+08:00');
            """)
        let outcome = await h.run(job, at: "2026-01-10T05:15")
        XCTAssertSucceeded(outcome)
        try await assertSingleReport([
            "new_alerts": "2", "resolved_alerts": "1", "pending_alerts": "1", "avg_response_minutes": "36",
            "avg_resolve_hours": "4.00", "stoppage_count": "1", "stoppage_hours": "48.00", "level2_count": "1",
        ])
    }

    // Snapshot metrics are as of the end of T (gap 3): open alerts by current level, overdue by required_date,
    // an alert closed after T still pending on T, other rules and later alerts left out.
    func testPendingOverdueAndLevelsAsOfTheEndOfT() async throws {
        try await shortage(601, required: "2026-01-09")   // need date on T: overdue
        try await shortage(602, required: "2026-01-10")   // need date after T: not overdue
        try await shortage(603, required: nil)
        try await shortage(604, required: "2026-01-01")
        try await shortage(605, required: "2026-01-01")
        try await shortage(606, required: "2026-01-01")
        // Open at end of T: resolved only on D, CRITICAL -> level4, overdue.
        try await alert(1, target: 601, level: "CRITICAL", status: "RESOLVED", triggered: "2026-01-06T08:00:00+08:00",
                        ended: "2026-01-10T02:00:00+08:00")
        // Open, ACKNOWLEDGED, INFO -> level1, not overdue.
        try await alert(2, target: 602, level: "INFO", status: "ACKNOWLEDGED", triggered: "2026-01-04T08:00:00+08:00",
                        acknowledged: "2026-01-05T08:00:00+08:00")
        // Open, PROCESSING, URGENT -> level3, no need date.
        try await alert(3, target: 603, level: "URGENT", status: "PROCESSING", triggered: "2026-01-08T08:00:00+08:00")
        // Closed before T ended: not pending.
        try await alert(4, target: 604, level: "WARNING", status: "CLOSED", triggered: "2026-01-02T08:00:00+08:00",
                        ended: "2026-01-08T08:00:00+08:00")
        // Raised after T: not counted at all.
        try await alert(5, target: 605, level: "WARNING", triggered: "2026-01-10T01:00:00+08:00")
        // Another rule (KIT_RATE_LOW) on T: not counted.
        try await alert(6, target: 606, level: "WARNING", triggered: "2026-01-09T08:00:00+08:00", rule: 2,
                        targetType: "WORK_ORDER")
        let outcome = await h.run(job, at: "2026-01-10T05:15")
        XCTAssertSucceeded(outcome)
        try await assertSingleReport([
            "pending_alerts": "3", "overdue_alerts": "1", "level1_count": "1", "level3_count": "1", "level4_count": "1",
        ])
    }

    // Gap 4: the latest check per work order on T.
    func testKitFiguresUseTheLatestCheckPerOrder() async throws {
        try await h.exec("""
            INSERT INTO work_order (id, work_order_no, task_name, status, plan_start_date) VALUES
              (21, 'WO-21', '工单21', 'PENDING', '2026-01-12'), (22, 'WO-22', '工单22', 'PENDING', '2026-01-12');
            INSERT INTO mat_kit_check (work_order_id, kit_rate, kit_status, check_time) VALUES
              (21, 50.00, 'partial', '2026-01-09T06:00:00+08:00'), (21, 100.00, 'complete', '2026-01-09T15:00:00+08:00'),
              (22, 80.00, 'partial', '2026-01-09T06:00:00+08:00'), (22, 10.00, 'shortage', '2026-01-08T06:00:00+08:00');
            """)
        let outcome = await h.run(job, at: "2026-01-10T05:15")
        XCTAssertSucceeded(outcome)
        try await assertSingleReport(["total_work_orders": "2", "kit_complete_count": "1", "kit_rate": "90.00"])
    }

    // Scenario 3.
    func testEmptyDatabaseStillWritesAZeroRow() async throws {
        let outcome = await h.run(job, at: "2026-01-10T05:15")
        XCTAssertSucceeded(outcome)
        try await assertSingleReport([:])
    }

    // Scenario 4: re-run with unchanged data.
    func testRerunKeepsOneRowWithTheSameValues() async throws {
        try await h.exec("INSERT INTO shortage_reports (report_time) VALUES ('2026-01-09T09:00:00+08:00')")
        let first = await h.run(job, at: "2026-01-10T05:15")
        XCTAssertSucceeded(first)
        let before = try await reports()
        let second = await h.run(job, at: "2026-01-10T05:15")
        XCTAssertSucceeded(second)
        let after = try await reports()
        XCTAssertEqual(after.count, 1)
        XCTAssertEqual(after.first?.metrics, before.first?.metrics)
        XCTAssertEqual(after.first?.metrics["new_reports"], "1")
    }

    // A later run the same day updates the same row (new figures, updated_at) and inserts nothing.
    func testRerunTheSameDayUpdatesTheSameRow() async throws {
        try await h.exec("INSERT INTO shortage_reports (report_time) VALUES ('2026-01-09T09:00:00+08:00')")
        let first = await h.run(job, at: "2026-01-10T05:15")
        XCTAssertSucceeded(first)
        let rowBefore = try await h.rows("SELECT id::text AS id, created_at::text AS c, updated_at::text AS u FROM mat_shortage_daily_report")
        try await h.exec("INSERT INTO shortage_reports (report_time) VALUES ('2026-01-09T20:00:00+08:00')")
        let second = await h.run(job, at: "2026-01-10T09:00")
        XCTAssertSucceeded(second)
        let rowAfter = try await h.rows("SELECT id::text AS id, created_at::text AS c, updated_at::text AS u FROM mat_shortage_daily_report")
        XCTAssertEqual(rowAfter.count, 1)
        XCTAssertEqual(rowAfter.first?["id"], rowBefore.first?["id"])
        XCTAssertEqual(rowAfter.first?["c"], rowBefore.first?["c"])
        XCTAssertNotEqual(rowAfter.first?["u"], rowBefore.first?["u"])
        try await assertSingleReport(["new_reports": "2"])
        let result = try await h.lastResult("generate_shortage_daily_report")
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
        let alerts = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(alerts, 0)
    }

    // C1: T is the Asia/Shanghai day. 23:30 UTC of T−1 is 07:30 on T in Shanghai; 15:30 UTC of T−1 is 23:30
    // of T−1; 16:30 UTC of T is 00:30 of D.
    func testDayBoundariesAreShanghaiDays() async throws {
        try await shortage(701, required: nil)
        try await shortage(702, required: nil)
        try await shortage(703, required: nil)
        try await alert(1, target: 701, level: "WARNING", triggered: "2026-01-08T23:30:00Z")
        try await alert(2, target: 702, level: "WARNING", status: "RESOLVED", triggered: "2026-01-08T15:30:00Z",
                        ended: "2026-01-09T16:30:00Z")
        try await alert(3, target: 703, level: "WARNING", triggered: "2026-01-09T16:30:00Z")
        try await h.exec("""
            INSERT INTO shortage_reports (report_time, resolved_at) VALUES
              ('2026-01-08T23:30:00Z', '2026-01-08T15:59:59Z'), ('2026-01-09T16:00:00Z', NULL);
            INSERT INTO mat_kit_check (kit_rate, kit_status, check_time) VALUES
              (100.00, 'complete', '2026-01-08T16:00:00Z'), (20.00, 'shortage', '2026-01-08T15:59:59Z');
            INSERT INTO mat_shortage_alert (impact_type, estimated_delay_days, created_at) VALUES
              ('stop', NULL, '2026-01-09T15:59:59Z'), ('stop', 1, '2026-01-09T16:00:00Z');
            """)
        let outcome = await h.run(job, at: "2026-01-10T05:15")
        XCTAssertSucceeded(outcome)
        // Alert 1 new on T and pending; alert 2 raised on T−1, resolved on D -> still pending at end of T.
        try await assertSingleReport([
            "new_alerts": "1", "pending_alerts": "2", "level2_count": "2", "new_reports": "1",
            "total_work_orders": "1", "kit_complete_count": "1", "kit_rate": "100.00",
            "stoppage_count": "1", "stoppage_hours": "0.00",
        ])
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await h.exec("INSERT INTO shortage_reports (report_time) VALUES ('2026-01-09T09:00:00+08:00')")
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-10T05:15", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-10T05:15", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/generate_shortage_daily_report/succeeded'")
        XCTAssertEqual(succeeded, 1)
        try await assertSingleReport(["new_reports": "1"])
    }

    // Backfill: an explicit report_date param reports that day instead of D − 1.
    func testReportDateParamBackfillsThatDay() async throws {
        try await h.exec("INSERT INTO shortage_reports (report_time) VALUES ('2026-01-05T09:00:00+08:00')")
        var tick = JobHarness.tick(job.id, at: "2026-01-10T05:15")
        tick.params = ["report_date": .string("2026-01-05")]
        let outcome = await h.runner.run(job, tick: tick)
        XCTAssertSucceeded(outcome)
        try await assertSingleReport(["new_reports": "1"], date: "2026-01-05")
    }
}
