import Foundation
import PMSPostgres
import PMSRuntime
import ProductionService
import PMSTestSupport
import XCTest

/// services-shortage-production.md, check_work_report_timeout: every acceptance scenario, corrected, with
/// DECISIONS' working hours (default calendar 08:00–20:00 Mon–Sat, Asia/Shanghai). The spec's scenarios
/// give wall-clock offsets ("now − 30 h"); DECISIONS wins ("Scenario vs decision"), so each scenario sets
/// its clock start to give the stated number of *working* hours, and the literal wall-clock offsets are
/// asserted too, with their working-hours outcome. D = 2026-01-09, a Friday; runs at 10:00 Shanghai.
/// Worker 20 is user 12; workshop 3's manager is user 13; project 5's PM is user 7.
final class CheckWorkReportTimeoutTests: XCTestCase {
    var h: JobHarness!
    let job = CheckWorkReportTimeout()
    let jobID = "check_work_report_timeout"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .production)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES
              (1, 'admin', true), (7, 'pm7', true), (12, 'worker12', true), (13, 'manager13', true),
              (14, 'manager14', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-5', '线体', 7);
            INSERT INTO workshop (id, workshop_name, manager_id) VALUES (3, '焊接车间', 13), (4, '装配车间', 14);
            INSERT INTO worker (id, user_id, workshop_id) VALUES (20, 12, 3);
            """)
    }

    override func tearDown() async throws { await h.close() }

    /// `start` is a Shanghai local time such as "2026-01-06 16:00".
    func order(_ id: Int, status: String = "STARTED", start: String?, task: String? = nil, workshop: Int? = 3,
               worker: Int? = 20, project: Int? = nil) async throws {
        try await h.db.execute(
            """
            INSERT INTO work_order (id, work_order_no, task_name, project_id, workshop_id, actual_start_time, assigned_to, status)
            VALUES ($1, $2, $3, $4, $5, ($6::timestamp AT TIME ZONE 'Asia/Shanghai'), $7, $8)
            """, [id, "WO-\(id)", task ?? "工序\(id)", project, workshop, start, worker, status])
    }

    func report(_ orderID: Int, at local: String, type: String = "PROGRESS") async throws {
        try await h.db.execute(
            """
            INSERT INTO work_report (work_order_id, worker_id, report_type, report_time)
            VALUES ($1, 20, $2, ($3::timestamp AT TIME ZONE 'Asia/Shanghai'))
            """, [orderID, type, local])
    }

    func alerts() async throws -> [PostgresRow] {
        try await h.rows("""
            SELECT alert_no, target_type, target_id, target_no, target_name, project_id, alert_level, alert_title,
                   alert_content, trigger_value, threshold_value, status, handle_result, dedup_key
              FROM alert_records WHERE rule_id = 6 ORDER BY alert_no
            """)
    }

    func summary() async throws -> [String] {
        try await alerts().map { "\($0["alert_no"]!) \($0["target_id"]!) \($0["trigger_value"]!) \($0["status"]!)" }
    }

    // Scenario 1. Tue 16:00 → Fri 10:00 = 4 + 12 + 12 + 2 = 30 working hours.
    func testScenario1OrderWithoutReportsRaisesTheExactWarning() async throws {
        try await order(61, start: "2026-01-06 16:00", task: "焊接机架")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "WT202601090001")
        XCTAssertEqual(a["target_type"], "WORK_ORDER")
        XCTAssertEqual(a["target_id"], "61")
        XCTAssertEqual(a["target_no"], "WO-61")
        XCTAssertEqual(a["target_name"], "焊接机架")
        XCTAssertNil(a["project_id"])
        XCTAssertEqual(a["alert_level"], "WARNING")
        XCTAssertEqual(a["alert_title"], "报工超时：焊接机架")
        XCTAssertEqual(a["alert_content"], "工单 WO-61 已超过 30 小时未报工")
        XCTAssertEqual(a["trigger_value"], "30")
        XCTAssertEqual(a["threshold_value"], "24")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["dedup_key"], "WORK_REPORT_TIMEOUT:WORK_ORDER:61")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["12:ASSIGNEE", "13:WORKSHOP_MANAGER"], "corrected recipients; never admin 1")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/production/WORK_REPORT_TIMEOUT"])
        XCTAssertEqual(events.first?.alert.alertNo, "WT202601090001")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 2)
    }

    // Scenario 1 literally (D 10:00 − 30 h = Thu 04:00): only 12 + 2 = 14 working hours, so no alert
    // (DECISIONS "Scenario vs decision").
    func testScenario1WallClockOffsetIsOnlyFourteenWorkingHours() async throws {
        try await order(61, start: "2026-01-08 04:00", task: "焊接机架")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
    }

    // Scenario 2: the last report counts, not the start; hours are truncated. Wed 08:24 → Fri 10:00 =
    // 11 h 36 + 12 + 2 = 25 h 36 working. Order 66 has the literal offset (now − 25 h 36 = Thu 08:24):
    // 13 h 36 working, no alert.
    func testScenario2HoursSinceTheLastReportAreTruncated() async throws {
        try await order(62, start: "2026-01-02 08:00")
        try await report(62, at: "2026-01-05 09:00", type: "START")
        try await report(62, at: "2026-01-07 08:24")
        try await order(66, start: "2026-01-02 08:00")
        try await report(66, at: "2026-01-08 08:24")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await alerts()
        XCTAssertEqual(rows.map { $0["target_id"]! }, ["62"])
        XCTAssertEqual(rows.first?["alert_content"], "工单 WO-62 已超过 25 小时未报工")
        XCTAssertEqual(rows.first?["trigger_value"], "25")
    }

    // Scenario 3 (negative), plus the edges: exactly 24 working hours does not exceed 24; no clock start;
    // PAUSED and other statuses are out of scope.
    func testScenario3RecentReportsAndUnstartedOrdersGetNoAlert() async throws {
        try await order(63, start: "2026-01-02 08:00")
        try await report(63, at: "2026-01-07 11:00")              // 9 + 12 + 2 = 23 working hours
        try await order(64, status: "ASSIGNED", start: nil)
        try await order(67, start: "2026-01-07 10:00")            // exactly 24
        try await order(68, start: nil)                           // STARTED without a clock
        try await order(69, status: "PAUSED", start: "2026-01-02 08:00")
        try await order(70, status: "COMPLETED", start: "2026-01-02 08:00")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 3, "63, 67 and 68 are STARTED")
    }

    // Scenario 4: at 11:00 order 61 gets nothing new; order 65 crossed 24 working hours at 10:30
    // (Wed 10:30 → Fri 10:30 = 9.5 + 12 + 2.5) and gets the next number.
    func testScenario4RerunAndNumbering() async throws {
        try await order(61, start: "2026-01-06 16:00", task: "焊接机架")
        try await order(65, start: "2026-01-07 10:30")
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(second)
        let rows = try await summary()
        XCTAssertEqual(rows, ["WT202601090001 61 31 PENDING", "WT202601090002 65 24 PENDING"])
        let content = try await alerts().last?["alert_content"]
        XCTAssertEqual(content, "工单 WO-65 已超过 24 小时未报工")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.updated, 1)
    }

    // Scenario 5 (corrected): another rule's open alert on the same work order does not suppress this one.
    func testScenario5KitAlertDoesNotSuppressTheTimeoutAlert() async throws {
        try await order(61, start: "2026-01-06 16:00", task: "焊接机架")
        try await h.exec("""
            INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, alert_level, alert_title, alert_content, status)
            VALUES ('KC202601090001', 2, 'WORK_ORDER', 61, 'WARNING', '齐套率过低', '齐套率 50%', 'PENDING');
            """)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await summary()
        XCTAssertEqual(rows, ["WT202601090001 61 30 PENDING"])
        let kit = try await h.rows("SELECT status FROM alert_records WHERE rule_id = 2").first?["status"]
        XCTAssertEqual(kit, "PENDING", "the other rule's alert is left alone")
    }

    // Calendar: Sunday has no working hours. Run Monday 2026-01-12 10:00.
    func testSundayDoesNotCount() async throws {
        try await order(71, start: "2026-01-09 16:00")   // Fri 4 + Sat 12 + Mon 2 = 18 (66 wall-clock)
        try await order(72, start: "2026-01-09 08:00")   // Fri 12 + Sat 12 + Mon 2 = 26
        let outcome = await h.run(job, at: "2026-01-12T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await summary()
        XCTAssertEqual(rows, ["WT202601120001 72 26 PENDING"])
    }

    // Calendar: a plant-wide non-working day counts nothing (Thu 2026-01-08 off: 30 − 12 = 18).
    func testPlantWideNonWorkingDayDoesNotCount() async throws {
        try await h.exec("INSERT INTO non_working_days (workshop_id, day, reason) VALUES (NULL, '2026-01-08', '停电')")
        try await order(61, start: "2026-01-06 16:00")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 0)
    }

    // Calendar: a workshop's non-working day applies to its own orders only.
    func testWorkshopNonWorkingDayAppliesToItsOrdersOnly() async throws {
        try await h.exec("INSERT INTO non_working_days (workshop_id, day, reason) VALUES (4, '2026-01-10', '盘点')")
        try await order(71, start: "2026-01-09 08:00", workshop: 3)   // 26
        try await order(72, start: "2026-01-09 08:00", workshop: 4)   // Sat off: 12 + 2 = 14
        let outcome = await h.run(job, at: "2026-01-12T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await summary()
        XCTAssertEqual(rows, ["WT202601120001 71 26 PENDING"])
    }

    // Calendar: a configured plant-wide calendar replaces the default. Round the clock, seven days (a
    // night shift crossing midnight), the spec's literal scenario 1 gives its wall-clock 30 hours.
    func testConfiguredCalendarReplacesTheDefault() async throws {
        try await h.exec("""
            INSERT INTO work_shifts (workshop_id, weekday, start_time, end_time)
            SELECT NULL::bigint, d, time '08:00', time '20:00' FROM generate_series(1, 7) d
            UNION ALL SELECT NULL::bigint, d, time '20:00', time '08:00' FROM generate_series(1, 7) d;
            """)
        try await order(61, start: "2026-01-08 04:00", task: "焊接机架")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?["alert_content"], "工单 WO-61 已超过 30 小时未报工")
        XCTAssertEqual(rows.first?["trigger_value"], "30")
    }

    // Calendar: overlapping shifts count each hour once; inactive rows do not count.
    func testOverlappingShiftsCountOnceAndInactiveShiftsAreIgnored() async throws {
        try await h.exec("""
            INSERT INTO work_shifts (workshop_id, weekday, start_time, end_time, is_active)
            SELECT NULL::bigint, d, time '06:00', time '18:00', true FROM generate_series(1, 7) d
            UNION ALL SELECT NULL::bigint, d, time '12:00', time '22:00', true FROM generate_series(1, 7) d
            UNION ALL SELECT NULL::bigint, d, time '22:00', time '06:00', false FROM generate_series(1, 7) d;
            """)
        // 06:00–22:00 = 16 h a day. Wed 22:00 → Fri 10:00: Thu 16 + Fri 4 = 20; Wed 06:00 → 16 + 16 + 4 = 36.
        try await order(61, start: "2026-01-07 22:00")
        try await order(62, start: "2026-01-07 06:00")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await summary()
        XCTAssertEqual(rows, ["WT202601090001 62 36 PENDING"])
    }

    // Calendar: a workshop's own shifts replace the plant-wide ones for its orders.
    func testWorkshopShiftsReplacePlantWideShifts() async throws {
        try await h.exec("""
            INSERT INTO work_shifts (workshop_id, weekday, start_time, end_time)
            SELECT NULL::bigint, d, time '00:00', time '12:00' FROM generate_series(1, 7) d
            UNION ALL SELECT NULL::bigint, d, time '12:00', time '00:00' FROM generate_series(1, 7) d
            UNION ALL SELECT 3, d, time '08:00', time '12:00' FROM generate_series(1, 5) d;
            """)
        try await order(61, start: "2026-01-08 04:00", workshop: 3)     // Thu 4 + Fri 2 = 6
        try await order(62, start: "2026-01-08 04:00", workshop: 4)     // plant-wide round the clock: 30
        try await order(63, start: "2026-01-08 04:00", workshop: nil)   // 30
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await summary()
        XCTAssertEqual(rows, ["WT202601090001 62 30 PENDING", "WT202601090002 63 30 PENDING"])
    }

    func testConfiguredThresholdIsUsedAndShown() async throws {
        try await h.exec("UPDATE alert_rules SET threshold_value = '12' WHERE rule_code = 'WORK_REPORT_TIMEOUT'")
        try await order(61, start: "2026-01-08 04:00")   // 14 working hours
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let row = try await alerts().first
        XCTAssertEqual(row?["trigger_value"], "14")
        XCTAssertEqual(row?["threshold_value"], "12")
    }

    func testRerunTheSameDayWritesNothingNew() async throws {
        try await order(61, start: "2026-01-06 16:00")
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(second)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
        let recipientCount = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientCount, 2)
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 1)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.notified, 0)
    }

    func testRedeliveredTickRunsOnce() async throws {
        try await order(61, start: "2026-01-06 16:00")
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T10:00", runID: runID)
        XCTAssertSucceeded(first)
        let again = await h.run(job, at: "2026-01-09T10:00", runID: runID)
        XCTAssertEqual(again, .duplicate)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
    }

    // The spec has one level (WARNING): as the hours grow the open alert is refreshed, never duplicated,
    // and no escalated event is published.
    func testOpenAlertIsRefreshedAsTheHoursGrow() async throws {
        try await order(61, start: "2026-01-06 16:00")
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        let later = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(later)
        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_no"], "WT202601090001")
        XCTAssertEqual(rows[0]["alert_level"], "WARNING")
        XCTAssertEqual(rows[0]["alert_content"], "工单 WO-61 已超过 35 小时未报工")
        XCTAssertEqual(rows[0]["trigger_value"], "35")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 1)
    }

    func testAlertResolvesWhenAReportArrivesOrTheOrderLeavesStarted() async throws {
        try await order(61, start: "2026-01-06 16:00")
        try await order(62, start: "2026-01-06 16:00")
        try await order(63, start: "2026-01-06 16:00")
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        try await report(61, at: "2026-01-09 10:30")
        try await h.exec("""
            UPDATE work_order SET status = 'PAUSED' WHERE id = 62;
            """)
        let second = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(second)
        let rows = try await h.rows("""
            SELECT target_id, status, handle_result, handle_end_at IS NOT NULL AS ended
              FROM alert_records ORDER BY target_id
            """)
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["status"]!) \($0["handle_result"] ?? "-") \($0["ended"]!)" }, [
            "61 RESOLVED AUTO: condition cleared t",
            "62 RESOLVED AUTO: condition cleared t",
            "63 PENDING - f",
        ])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.resolved, 2)
    }

    // Spec: resolve as soon as a report newer than the alert exists, even when the clock since that report
    // has passed the threshold again by the next run; the new episode gets a new alert the run after.
    func testReportNewerThanTheAlertClosesTheEpisode() async throws {
        try await order(61, start: "2026-01-06 16:00")
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        try await report(61, at: "2026-01-09 10:30")
        // Fri 9.5 + Sat 12 + Mon 12 + Tue 2 = 35.5 working hours since the report.
        let second = await h.run(job, at: "2026-01-13T10:00")
        XCTAssertSucceeded(second)
        var rows = try await summary()
        XCTAssertEqual(rows, ["WT202601090001 61 30 RESOLVED"])
        let third = await h.run(job, at: "2026-01-13T11:00")
        XCTAssertSucceeded(third)
        rows = try await summary()
        XCTAssertEqual(rows, ["WT202601090001 61 30 RESOLVED", "WT202601130001 61 36 PENDING"])
    }

    func testProjectPMIsARecipientAndInactiveProjectsAreSkipped() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active) VALUES (6, 'P-6', '停用', 7, false);
            """)
        try await order(61, start: "2026-01-06 16:00", project: 5)
        try await order(62, start: "2026-01-06 16:00", project: 6)
        try await order(63, start: "2026-01-06 16:00", workshop: nil, worker: nil)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await alerts()
        XCTAssertEqual(rows.map { $0["target_id"]! }, ["61", "63"])
        XCTAssertEqual(rows.first?["project_id"], "5")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["7:PM", "12:ASSIGNEE", "13:WORKSHOP_MANAGER"], "order 63 has nobody to tell")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 2)
    }

    func testDisabledRuleWritesNothing() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'WORK_REPORT_TIMEOUT'")
        try await order(61, start: "2026-01-06 16:00")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 0)
        let recipientCount = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientCount, 0)
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 0)
        let note = try await h.lastResult(jobID)?.note
        XCTAssertEqual(note, "rule disabled")
    }
}
