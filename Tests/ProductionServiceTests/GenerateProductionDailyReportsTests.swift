import Foundation
import PMSBus
import PMSRuntime
import ProductionService
import PMSTestSupport
import XCTest

/// services-shortage-production.md, generate_production_daily_reports: every acceptance scenario (corrected
/// expectations: CANCELLED excluded, plan pro-rated, produced per report, widened rates), plus re-run, the
/// Asia/Shanghai day boundaries, inactive workshops and a redelivered tick. D = 2026-01-10, run at 05:00, so
/// T = 2026-01-09; T − 1 and T − 2 are regenerated as well.
final class GenerateProductionDailyReportsTests: XCTestCase {
    var h: JobHarness!
    let job = GenerateProductionDailyReports()
    let jobID = "generate_production_daily_reports"

    static let columns = [
        "plan_qty", "completed_qty", "completion_rate", "plan_hours", "actual_hours", "efficiency", "overtime_hours",
        "should_attend", "actual_attend", "leave_count", "total_qty", "qualified_qty", "pass_rate",
        "new_exception_count", "resolved_exception_count", "summary",
    ]

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .production)
        try await h.exec("""
            INSERT INTO workshop (id, workshop_code, workshop_name, is_active) VALUES
              (1, 'WS-1', '机加车间', true), (2, 'WS-2', '装配车间', true);
            """)
    }

    override func tearDown() async throws { await h.close() }

    /// The rows of `date`, keyed by workshop id ("plant" for NULL), each as column → text.
    func reports(_ date: String = "2026-01-09") async throws -> [String: [String: String]] {
        let rows = try await h.rows("""
            SELECT coalesce(workshop_id::text, 'plant') AS scope, \(Self.columns.map { "\($0)::text AS \($0)" }.joined(separator: ", "))
              FROM production_daily_report WHERE report_date = '\(date)'::date
            """)
        var result: [String: [String: String]] = [:]
        for row in rows {
            var values: [String: String] = [:]
            for c in Self.columns { values[c] = row[c] }
            result[row["scope"] ?? ""] = values
        }
        return result
    }

    func workOrder(_ id: Int, workshop: Int?, qty: Double, hours: Double?, start: String?, end: String?,
                   status: String = "STARTED") async throws {
        try await h.db.execute(
            """
            INSERT INTO work_order (id, work_order_no, task_name, workshop_id, plan_qty, standard_hours,
                                    plan_start_date, plan_end_date, status)
            VALUES ($1, $2, '工单', $3, $4, $5, $6::date, $7::date, $8)
            """, [id, "WO-\(id)", workshop, qty, hours, start, end, status])
    }

    func report(order: Int, worker: Int, at time: String, completed: Double?, qualified: Double?, defect: Double?,
                hours: Double?, status: String = "APPROVED") async throws {
        try await h.db.execute(
            """
            INSERT INTO work_report (work_order_id, worker_id, report_time, completed_qty, qualified_qty, defect_qty,
                                     work_hours, status)
            VALUES ($1, $2, $3::timestamptz, $4, $5, $6, $7, $8)
            """, [order, worker, time, completed, qualified, defect, hours, status])
    }

    /// The acceptance setup: WO-A (ws1, 10, 8 h, T−1..T+1), WO-B (ws2, 5, 4 h, T..T), reports on T, workers
    /// w1..w4, one exception reported on T in ws1, one in ws2 reported on T−3 and resolved on T.
    func seedWorkers() async throws {
        try await h.exec("""
            INSERT INTO worker (id, workshop_id, status) VALUES
              (1, 1, 'ACTIVE'), (2, 2, 'ACTIVE'), (3, 1, 'LEAVE'), (4, 2, 'RESIGNED');
            """)
    }

    func seedScenario() async throws {
        try await seedWorkers()
        try await h.exec("""
            INSERT INTO production_exception (workshop_id, report_time, resolved_at) VALUES
              (1, '2026-01-09T10:00:00+08:00', NULL),
              (2, '2026-01-06T10:00:00+08:00', '2026-01-09T16:00:00+08:00');
            """)
        try await workOrder(101, workshop: 1, qty: 10, hours: 8, start: "2026-01-08", end: "2026-01-10")
        try await workOrder(102, workshop: 2, qty: 5, hours: 4, start: "2026-01-09", end: "2026-01-09")
        try await report(order: 101, worker: 1, at: "2026-01-09T09:00:00+08:00", completed: 6, qualified: 5, defect: 1, hours: 9)
        try await report(order: 102, worker: 2, at: "2026-01-09T11:00:00+08:00", completed: nil, qualified: 4, defect: 0, hours: 3)
    }

    static let plantT = [
        "plan_qty": "8", "completed_qty": "10", "completion_rate": "120.00", "plan_hours": "6.67",
        "actual_hours": "12.00", "efficiency": "180.00", "overtime_hours": "5.33", "should_attend": "3",
        "actual_attend": "2", "leave_count": "1", "total_qty": "10", "qualified_qty": "9", "pass_rate": "90.00",
        "new_exception_count": "1", "resolved_exception_count": "1",
        "summary": "全厂 01-09 计划 8 件，完成 10 件（120.0%），实工 12.0 小时，效率 180.0%，异常 1 起。",
    ]
    static let ws1T = [
        "plan_qty": "3", "completed_qty": "6", "completion_rate": "180.00", "plan_hours": "2.67",
        "actual_hours": "9.00", "efficiency": "337.50", "overtime_hours": "6.33", "should_attend": "2",
        "actual_attend": "1", "leave_count": "1", "total_qty": "6", "qualified_qty": "5", "pass_rate": "83.33",
        "new_exception_count": "1", "resolved_exception_count": "0",
        "summary": "机加车间 01-09 计划 3 件，完成 6 件（180.0%），实工 9.0 小时，效率 337.5%，异常 1 起。",
    ]
    static let ws2T = [
        "plan_qty": "5", "completed_qty": "4", "completion_rate": "80.00", "plan_hours": "4.00",
        "actual_hours": "3.00", "efficiency": "75.00", "overtime_hours": "0.00", "should_attend": "1",
        "actual_attend": "1", "leave_count": "0", "total_qty": "4", "qualified_qty": "4", "pass_rate": "100.00",
        "new_exception_count": "0", "resolved_exception_count": "1",
        "summary": "装配车间 01-09 计划 5 件，完成 4 件（80.0%），实工 3.0 小时，效率 75.0%，异常 0 起。",
    ]

    // Scenario 1, corrected: pro-rated plan (WO-A gives 10/3 units and 8/3 h to T), produced per report.
    func testScenario1CorrectedRowsForT() async throws {
        try await seedScenario()
        let outcome = await h.run(job, at: "2026-01-10T05:00")
        XCTAssertSucceeded(outcome)
        let rows = try await reports()
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows["plant"], Self.plantT)
        XCTAssertEqual(rows["1"], Self.ws1T)
        XCTAssertEqual(rows["2"], Self.ws2T)
        // T−1 and T−2 are regenerated too: 3 scopes × 3 days.
        let total = try await h.count("SELECT 1 FROM production_daily_report")
        XCTAssertEqual(total, 9)
        let tMinus1 = try await reports("2026-01-08")
        XCTAssertEqual(tMinus1["1"]?["plan_qty"], "3")
        XCTAssertEqual(tMinus1["1"]?["plan_hours"], "2.67")
        XCTAssertEqual(tMinus1["1"]?["actual_hours"], "0.00")
        XCTAssertEqual(tMinus1["plant"]?["summary"], "全厂 01-08 计划 3 件，完成 0 件（0.0%），实工 0.0 小时，效率 0.0%，异常 0 起。")
        let alerts = try await h.count("SELECT 1 FROM alert_records UNION ALL SELECT 1 FROM notifications")
        XCTAssertEqual(alerts, 0, "the report writes no alerts and no notifications")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 9)
        XCTAssertEqual(result?.updated, 0)
        XCTAssertEqual(result?.details?["date"], .string("2026-01-09"))
        XCTAssertEqual(result?.details?["generated"], .number(3))
    }

    // Scenario 2: a CANCELLED order is ignored; an inactive workshop gets no row; REJECTED reports and
    // deactivated workers are left out (gaps 2 and 6).
    func testCancelledOrdersRejectedReportsAndInactiveWorkshopsAreLeftOut() async throws {
        try await seedScenario()
        try await h.exec("""
            INSERT INTO workshop (id, workshop_code, workshop_name, is_active) VALUES (3, 'WS-3', '停用车间', false);
            INSERT INTO worker (id, workshop_id, status, is_active) VALUES (5, 1, 'ACTIVE', false);
            """)
        try await workOrder(103, workshop: 1, qty: 100, hours: 50, start: "2026-01-09", end: "2026-01-09", status: "CANCELLED")
        try await report(order: 101, worker: 3, at: "2026-01-09T12:00:00+08:00", completed: 50, qualified: 50, defect: 0,
                         hours: 20, status: "REJECTED")
        let outcome = await h.run(job, at: "2026-01-10T05:00")
        XCTAssertSucceeded(outcome)
        let rows = try await reports()
        XCTAssertEqual(Set(rows.keys), ["plant", "1", "2"])
        XCTAssertEqual(rows["plant"], Self.plantT)
        XCTAssertEqual(rows["1"], Self.ws1T)
        let ws3 = try await h.count("SELECT 1 FROM production_daily_report WHERE workshop_id = 3")
        XCTAssertEqual(ws3, 0)
    }

    // Orders and exceptions without a workshop count plant-wide only (gap 7).
    func testRowsWithoutWorkshopCountPlantWideOnly() async throws {
        try await seedWorkers()
        try await workOrder(104, workshop: nil, qty: 7, hours: 2, start: "2026-01-09", end: "2026-01-09")
        try await report(order: 104, worker: 1, at: "2026-01-09T08:00:00+08:00", completed: 7, qualified: 7, defect: 0, hours: 2)
        try await h.exec("INSERT INTO production_exception (workshop_id, report_time) VALUES (NULL, '2026-01-09T08:00:00+08:00')")
        let outcome = await h.run(job, at: "2026-01-10T05:00")
        XCTAssertSucceeded(outcome)
        let rows = try await reports()
        XCTAssertEqual(rows["plant"]?["plan_qty"], "7")
        XCTAssertEqual(rows["plant"]?["completed_qty"], "7")
        XCTAssertEqual(rows["plant"]?["new_exception_count"], "1")
        XCTAssertEqual(rows["1"]?["plan_qty"], "0")
        XCTAssertEqual(rows["1"]?["completed_qty"], "0")
        XCTAssertEqual(rows["1"]?["new_exception_count"], "0")
        XCTAssertEqual(rows["2"]?["plan_qty"], "0")
    }

    // Scenario 3: a second run at D 06:00 updates the same rows (same ids) and adds none.
    func testRerunUpdatesTheSameRows() async throws {
        try await seedScenario()
        let first = await h.run(job, at: "2026-01-10T05:00")
        XCTAssertSucceeded(first)
        let idsBefore = try await h.rows(
            "SELECT report_date::text || '/' || coalesce(workshop_id::text, 'plant') AS k, id::text AS id, updated_at::text AS u FROM production_daily_report ORDER BY 1")
        // A late report for T arrives before the re-run.
        try await report(order: 102, worker: 2, at: "2026-01-09T20:00:00+08:00", completed: 1, qualified: 1, defect: 0, hours: 1)
        let second = await h.run(job, at: "2026-01-10T06:00")
        XCTAssertSucceeded(second)
        let idsAfter = try await h.rows(
            "SELECT report_date::text || '/' || coalesce(workshop_id::text, 'plant') AS k, id::text AS id, updated_at::text AS u FROM production_daily_report ORDER BY 1")
        XCTAssertEqual(idsAfter.count, 9)
        XCTAssertEqual(idsAfter.map { $0["k"] }, idsBefore.map { $0["k"] })
        XCTAssertEqual(idsAfter.map { $0["id"] }, idsBefore.map { $0["id"] })
        XCTAssertNotEqual(idsAfter.first?["u"], idsBefore.first?["u"])
        let rows = try await reports()
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows["2"]?["completed_qty"], "5")
        XCTAssertEqual(rows["plant"]?["completed_qty"], "11")
        XCTAssertEqual(rows["1"], Self.ws1T)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 9)
    }

    // A report entered late for T−1 is picked up by the next day's run (T−1 regenerated).
    func testLateReportForTheDayBeforeIsPickedUp() async throws {
        try await seedScenario()
        try await report(order: 101, worker: 1, at: "2026-01-08T09:00:00+08:00", completed: 2, qualified: 2, defect: 0, hours: 3)
        let outcome = await h.run(job, at: "2026-01-10T05:00")
        XCTAssertSucceeded(outcome)
        let rows = try await reports("2026-01-08")
        XCTAssertEqual(rows["1"]?["completed_qty"], "2")
        XCTAssertEqual(rows["1"]?["actual_hours"], "3.00")
    }

    // Scenario 4: overflow. WO-D plan 1 on T, 20 produced: 2000.00 stored in the widened column.
    func testOverflowStoresTheWidenedRate() async throws {
        try await seedWorkers()
        try await workOrder(105, workshop: 1, qty: 1, hours: nil, start: "2026-01-09", end: "2026-01-09")
        try await report(order: 105, worker: 1, at: "2026-01-09T09:00:00+08:00", completed: 20, qualified: 20, defect: 0, hours: 1)
        let outcome = await h.run(job, at: "2026-01-10T05:00")
        XCTAssertSucceeded(outcome)
        let rows = try await reports()
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows["plant"]?["completion_rate"], "2000.00")
        XCTAssertEqual(rows["1"]?["completion_rate"], "2000.00")
        XCTAssertEqual(rows["1"]?["efficiency"], "0.00", "no planned hours: 0")
        XCTAssertEqual(rows["1"]?["overtime_hours"], "1.00")
        XCTAssertEqual(rows["1"]?["pass_rate"], "100.00")
    }

    // C1: T is the Asia/Shanghai day. 2026-01-08T16:00Z is 00:00 of T in Shanghai; 2026-01-09T15:59:59Z is
    // the last second of T; 2026-01-09T16:00Z is already D.
    func testDayBoundariesAreShanghaiDays() async throws {
        try await seedWorkers()
        try await workOrder(106, workshop: 1, qty: 10, hours: 10, start: "2026-01-09", end: "2026-01-09")
        try await report(order: 106, worker: 1, at: "2026-01-08T15:59:59Z", completed: 100, qualified: 100, defect: 0, hours: 100)
        try await report(order: 106, worker: 1, at: "2026-01-08T16:00:00Z", completed: 1, qualified: 1, defect: 0, hours: 1)
        try await report(order: 106, worker: 2, at: "2026-01-09T15:59:59Z", completed: 2, qualified: 1, defect: 1, hours: 2)
        try await report(order: 106, worker: 3, at: "2026-01-09T16:00:00Z", completed: 1000, qualified: 0, defect: 0, hours: 1000)
        try await h.exec("""
            INSERT INTO production_exception (workshop_id, report_time, resolved_at) VALUES
              (1, '2026-01-08T15:59:59Z', '2026-01-08T16:00:00Z'),
              (1, '2026-01-09T15:59:59Z', '2026-01-09T16:00:00Z');
            """)
        let outcome = await h.run(job, at: "2026-01-10T05:00")
        XCTAssertSucceeded(outcome)
        let rows = try await reports()
        XCTAssertEqual(rows["1"]?["completed_qty"], "3")
        XCTAssertEqual(rows["1"]?["actual_hours"], "3.00")
        XCTAssertEqual(rows["1"]?["actual_attend"], "2")
        XCTAssertEqual(rows["1"]?["pass_rate"], "66.67")
        XCTAssertEqual(rows["1"]?["new_exception_count"], "1")
        XCTAssertEqual(rows["1"]?["resolved_exception_count"], "1")
        let dayBefore = try await reports("2026-01-08")
        XCTAssertEqual(dayBefore["1"]?["completed_qty"], "100")
        XCTAssertEqual(dayBefore["1"]?["new_exception_count"], "1")
        XCTAssertEqual(dayBefore["1"]?["resolved_exception_count"], "0")
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await seedScenario()
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-10T05:00", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-10T05:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/generate_production_daily_reports/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let total = try await h.count("SELECT 1 FROM production_daily_report")
        XCTAssertEqual(total, 9)
    }

    // Backfill: an explicit report_date reports that one day only.
    func testReportDateParamBackfillsThatDay() async throws {
        try await seedScenario()
        var tick = JobHarness.tick(job.id, at: "2026-01-10T05:00")
        tick.params = ["report_date": .string("2026-01-09")]
        let outcome = await h.runner.run(job, tick: tick)
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM production_daily_report")
        XCTAssertEqual(total, 3)
        let rows = try await reports()
        XCTAssertEqual(rows["plant"], Self.plantT)
    }
}
