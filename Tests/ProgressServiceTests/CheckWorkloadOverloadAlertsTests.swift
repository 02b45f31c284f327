import Foundation
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ProgressService
import XCTest

/// services-progress.md, check_workload_overload_alerts: every acceptance scenario (corrected expectations),
/// DECISIONS "Workload" (inactive/archived projects' tasks, allocations without a working day), plus level,
/// lifecycle, recipients and idempotency.
/// D = 2026-01-12 (a Monday), run at 11:00; window 2026-01-12..2026-02-11 = 23 weekdays, capacity 184 h.
/// User 20 manages department 2 (研发部), to which users 9, 10, 16 belong.
final class CheckWorkloadOverloadAlertsTests: XCTestCase {
    var h: JobHarness!
    let job = CheckWorkloadOverloadAlerts()
    let jobID = "check_workload_overload_alerts"
    let start = "2026-01-12", end = "2026-02-11"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .progress)
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (1, 'admin', NULL, true), (9, 'zhangsan', '张三', true), (10, 'lisi', '李四', true),
              (11, 'wangwu', '王五', true), (12, 'off12', '停用', false), (13, 'u13', NULL, true),
              (14, 'u14', '', true), (15, 'u15', '赵六', true), (16, 'u16', '孙七', true), (20, 'mgr20', '经理', true);
            INSERT INTO departments (id, dept_name, manager_id) VALUES (2, '研发部', 20);
            UPDATE users SET department_id = 2 WHERE id IN (9, 10, 16);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-5', '线体', 1);
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active) VALUES (6, 'P-6', '停用', 1, false);
            INSERT INTO projects (id, project_code, project_name, pm_id, is_archived) VALUES (7, 'P-7', '归档', 1, true);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func task(_ id: Int, owner: Int?, from: String?, to: String?, status: String = "TODO", project: Int = 5) async throws {
        try await h.db.execute(
            """
            INSERT INTO tasks (id, project_id, task_name, status, owner_id, plan_start, plan_end)
            VALUES ($1, $2, $3, $4, $5, $6::date, $7::date)
            """, [id, project, "任务\(id)", status, owner, from, to])
    }

    func allocation(_ id: Int, user: Int, from: String, to: String, hours: Double, status: String = "PLANNED",
                    task: Int? = nil, project: Int = 5) async throws {
        try await h.db.execute(
            """
            INSERT INTO pmo_resource_allocation (id, project_id, task_id, resource_id, start_date, end_date, planned_hours, status)
            VALUES ($1, $2, $3, $4, $5::date, $6::date, $7, $8)
            """, [id, project, task, user, from, to, hours, status])
    }

    /// Scenario 1's data: a full-window TODO task (184 h) and a 40 h PLANNED allocation inside the window.
    func seedUser9() async throws {
        try await task(91, owner: 9, from: start, to: end)
        try await allocation(91, user: 9, from: "2026-01-13", to: "2026-01-19", hours: 40)
    }

    // Scenario 1 (corrected: 224 h / 184 h = 121.7 % WARNING; the original computes 163.6 % CRITICAL).
    func testOverloadedUserGetsTheExactWarning() async throws {
        try await seedUser9()
        let outcome = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        guard rows.count == 1 else { return }
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "WO202601120001")
        XCTAssertEqual(a["target_type"], "USER")
        XCTAssertEqual(a["target_id"], "9")
        XCTAssertEqual(a["target_no"], "9")
        XCTAssertEqual(a["target_name"], "张三")
        XCTAssertNil(a["project_id"])
        XCTAssertEqual(a["alert_level"], "WARNING")
        XCTAssertEqual(a["alert_title"], "资源负荷超限：张三")
        XCTAssertEqual(a["alert_content"], "用户 张三 未来30天负荷达到 121.7%，超过110%阈值（分配工时：224.0小时，标准工时：184.0小时）")
        XCTAssertEqual(a["trigger_value"], "121.7")
        XCTAssertEqual(a["threshold_value"], "110")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["dedup_key"], "WORKLOAD_OVERLOAD:USER:9")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["9:OWNER", "20:DEPT_MANAGER"], "the user and the department manager, not admin 1")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/progress/WORKLOAD_OVERLOAD"])
        XCTAssertEqual(events.first?.alert.alertNo, "WO202601120001")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 9, "active users")
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 2)
    }

    // Scenario 2: 300 h of weekday overlap → 163.0 % CRITICAL.
    func testHeavilyOverloadedUserIsCritical() async throws {
        try await task(101, owner: 10, from: start, to: end)                 // 23 weekdays = 184 h
        try await task(102, owner: 10, from: "2026-01-12", to: "2026-01-28") // 13 weekdays = 104 h
        try await allocation(101, user: 10, from: "2026-01-29", to: "2026-01-29", hours: 12)
        let outcome = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        guard rows.count == 1 else { return }
        XCTAssertEqual(rows[0]["alert_no"], "WO202601120001")
        XCTAssertEqual(rows[0]["target_name"], "李四")
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["trigger_value"], "163.0")
        XCTAssertEqual(rows[0]["alert_content"], "用户 李四 未来30天负荷达到 163.0%，超过110%阈值（分配工时：300.0小时，标准工时：184.0小时）")
        let topics = try await h.alertEvents().map(\.topic)
        XCTAssertEqual(topics, ["pms/v1/alert/CRITICAL/progress/WORKLOAD_OVERLOAD"])
    }

    // Scenario 3 and DECISIONS "Workload": every case below lands at or under 100 %.
    func testNegativeCasesGetNoAlert() async throws {
        try await task(111, owner: 11, from: start, to: end)                            // exactly 184 h = 100 %
        try await task(121, owner: 12, from: start, to: end)                            // inactive user
        try await task(122, owner: 12, from: start, to: end)
        try await task(131, owner: 13, from: start, to: end)
        try await task(132, owner: 13, from: start, to: end, status: "DONE")
        try await task(133, owner: 13, from: start, to: end, status: "CANCELLED")
        try await allocation(131, user: 13, from: start, to: end, hours: 200, status: "CANCELLED")
        try await task(141, owner: 14, from: start, to: end)
        try await task(142, owner: 14, from: start, to: end, project: 6)               // inactive project
        try await task(143, owner: 14, from: start, to: end, project: 7)               // archived project
        try await allocation(141, user: 14, from: "2026-01-17", to: "2026-01-18", hours: 100) // weekend only
        try await task(151, owner: 15, from: start, to: end)
        try await allocation(151, user: 15, from: start, to: end, hours: 184, task: 151) // same work as task 151
        try await task(152, owner: 15, from: start, to: nil)                            // no end date
        try await task(153, owner: 15, from: "2026-02-12", to: "2026-03-31")            // after the window
        try await task(154, owner: 15, from: "2026-01-01", to: "2026-01-11")            // before the window
        let outcome = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(outcome)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 0)
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 0)
    }

    // Corrected rule: only the weekday overlap of tasks counts; allocations are pro-rated by weekdays.
    func testOverlapAndProRating() async throws {
        try await task(161, owner: 16, from: "2026-01-01", to: "2026-01-20")           // overlap 7 weekdays = 56 h
        try await task(162, owner: 16, from: "2026-01-21", to: "2026-03-31")           // overlap 16 weekdays = 128 h
        try await allocation(161, user: 16, from: "2026-02-09", to: "2026-02-20", hours: 100) // 3 of 10 weekdays = 30 h
        try await allocation(162, user: 16, from: "2026-01-12", to: "2026-01-12", hours: 8, status: "ACTIVE")
        let outcome = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        guard rows.count == 1 else { return }
        XCTAssertEqual(rows[0]["trigger_value"], "120.7")
        XCTAssertEqual(rows[0]["alert_level"], "WARNING")
        XCTAssertEqual(rows[0]["alert_content"], "用户 孙七 未来30天负荷达到 120.7%，超过110%阈值（分配工时：222.0小时，标准工时：184.0小时）")
    }

    func testNameFallsBackToUsername() async throws {
        try await task(171, owner: 14, from: start, to: end)
        try await task(172, owner: 14, from: start, to: "2026-01-16")
        let outcome = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.first?["target_name"], "u14")
        XCTAssertEqual(rows.first?["alert_title"], "资源负荷超限：u14")
        XCTAssertEqual(rows.first?["alert_content"], "用户 u14 未来30天负荷达到 121.7%，超过110%阈值（分配工时：224.0小时，标准工时：184.0小时）")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["14:OWNER"], "no department, so no manager")
    }

    // Scenario 4: same-day re-run and next day while still open.
    func testRerunTheSameDayAndTheNextDayWriteNoNewAlert() async throws {
        try await seedUser9()
        let first = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-12T11:30")
        XCTAssertSucceeded(second)
        let sameDay = try await h.lastResult(jobID)
        XCTAssertEqual(sameDay?.created, 0)
        XCTAssertEqual(sameDay?.updated, 1)
        XCTAssertEqual(sameDay?.notified, 0)
        try await h.exec("UPDATE alert_records SET status = 'ACKNOWLEDGED'")
        let nextDay = await h.run(job, at: "2026-01-13T11:00")
        XCTAssertSucceeded(nextDay)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        guard rows.count == 1 else { return }
        XCTAssertEqual(rows[0]["alert_no"], "WO202601120001")
        XCTAssertEqual(rows[0]["status"], "ACKNOWLEDGED")
        // Window 2026-01-13..2026-02-12 (23 weekdays): task 22 weekdays = 176 h + 40 h = 216 h.
        XCTAssertEqual(rows[0]["trigger_value"], "117.4", "refreshed while open")
        XCTAssertEqual(rows[0]["alert_content"], "用户 张三 未来30天负荷达到 117.4%，超过110%阈值（分配工时：216.0小时，标准工时：184.0小时）")
        let recipientCount = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientCount, 2)
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 1, "no second raised or escalated event")
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await seedUser9()
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-12T11:00", runID: runID)
        XCTAssertSucceeded(first)
        let again = await h.run(job, at: "2026-01-12T11:00", runID: runID)
        XCTAssertEqual(again, .duplicate)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
    }

    // Corrected: crossing 150 % upgrades the open alert in place; the level never falls afterwards.
    func testLevelRisesInPlaceAndNeverFalls() async throws {
        try await seedUser9()
        let first = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(first)
        try await task(92, owner: 9, from: "2026-01-12", to: "2026-01-23")               // +80 h = 304 h
        let second = await h.run(job, at: "2026-01-12T12:00")
        XCTAssertSucceeded(second)
        var rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        guard rows.count == 1 else { return }
        XCTAssertEqual(rows[0]["alert_no"], "WO202601120001")
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["trigger_value"], "165.2")
        XCTAssertEqual(rows[0]["alert_content"], "用户 张三 未来30天负荷达到 165.2%，超过110%阈值（分配工时：304.0小时，标准工时：184.0小时）")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/progress/WORKLOAD_OVERLOAD",
                                             "pms/v1/alert/CRITICAL/progress/WORKLOAD_OVERLOAD"])
        let raised = try await h.lastResult(jobID)
        XCTAssertEqual(raised?.details?["levels_raised"], .number(1))
        try await h.exec("UPDATE tasks SET status = 'DONE' WHERE id = 92")
        let third = await h.run(job, at: "2026-01-12T13:00")
        XCTAssertSucceeded(third)
        rows = try await h.alertRecords()
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL", "the level never falls")
        XCTAssertEqual(rows[0]["trigger_value"], "121.7")
        XCTAssertEqual(rows[0]["status"], "PENDING")
    }

    // Condition cleared → RESOLVED: load back under the threshold, user inactive, project archived.
    func testAlertResolvesWhenTheConditionClears() async throws {
        try await seedUser9()
        try await task(101, owner: 10, from: start, to: end)
        try await allocation(101, user: 10, from: start, to: end, hours: 100)
        try await task(161, owner: 16, from: start, to: end, project: 7)
        try await h.exec("UPDATE projects SET is_archived = false WHERE id = 7")
        try await allocation(161, user: 16, from: start, to: end, hours: 100)
        try await task(151, owner: 15, from: start, to: end)
        try await allocation(151, user: 15, from: start, to: end, hours: 100)
        let first = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(first)
        let opened = try await h.count("SELECT 1 FROM alert_records WHERE status = 'PENDING'")
        XCTAssertEqual(opened, 4)
        try await h.exec("""
            UPDATE pmo_resource_allocation SET status = 'CANCELLED' WHERE id = 91;
            UPDATE users SET is_active = false WHERE id = 10;
            UPDATE projects SET is_archived = true WHERE id = 7;
            """)
        let second = await h.run(job, at: "2026-01-13T11:00")
        XCTAssertSucceeded(second)
        let rows = try await h.rows("SELECT target_id, status, handle_result, handle_end_at IS NOT NULL AS ended FROM alert_records ORDER BY target_id")
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["status"]!) \($0["handle_result"] ?? "-") \($0["ended"]!)" }, [
            "9 RESOLVED AUTO: condition cleared t",
            "10 RESOLVED AUTO: condition cleared t",
            "15 PENDING - f",
            "16 RESOLVED AUTO: condition cleared t",
        ])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.resolved, 3)
    }

    // DECISIONS "Alert dedup": IGNORED suppresses while the condition holds.
    func testIgnoredAlertIsNotRaisedAgainWhileOverloaded() async throws {
        try await seedUser9()
        let first = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE alert_records SET status = 'IGNORED'")
        let second = await h.run(job, at: "2026-01-13T11:00")
        XCTAssertSucceeded(second)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.skipped, 1)
    }

    // DECISIONS "Texts with thresholds": the configured threshold is used and shown.
    func testConfiguredThresholdIsUsedAndShown() async throws {
        try await h.exec("UPDATE alert_rules SET threshold_value = '120' WHERE rule_code = 'WORKLOAD_OVERLOAD'")
        try await seedUser9()                                                            // 121.7 %
        try await task(161, owner: 16, from: start, to: end)
        try await allocation(161, user: 16, from: start, to: end, hours: 36.8)           // exactly 120.0 %
        let outcome = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { $0["target_id"]! }, ["9"])
        XCTAssertEqual(rows.first?["threshold_value"], "120")
        XCTAssertEqual(rows.first?["alert_content"], "用户 张三 未来30天负荷达到 121.7%，超过120%阈值（分配工时：224.0小时，标准工时：184.0小时）")
    }

    func testInactiveManagerIsNotARecipient() async throws {
        try await h.exec("UPDATE users SET is_active = false WHERE id = 20")
        try await seedUser9()
        let outcome = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(outcome)
        let people = try await h.recipients()
        XCTAssertEqual(people, ["9:OWNER"])
    }

    func testNumbersContinueAfterTheDaysExistingAlerts() async throws {
        try await seedUser9()
        let first = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(first)
        try await task(101, owner: 10, from: start, to: end)
        try await allocation(101, user: 10, from: start, to: end, hours: 100)
        let second = await h.run(job, at: "2026-01-12T11:20")
        XCTAssertSucceeded(second)
        let numbers = try await h.alertRecords().map { $0["alert_no"]! }
        XCTAssertEqual(numbers, ["WO202601120001", "WO202601120002"])
    }

    // Scenario 5 (corrected per DATA-MODEL §5.1: the rule is seeded with rule_type RESOURCE, no job creates
    // rules): the first run on a fresh database works; a missing rule fails the run ("rule missing").
    func testSeededRuleWorksOnTheFirstRunAndAMissingRuleFails() async throws {
        let rule = try await h.rows("SELECT rule_type, target_type, threshold_value, alert_level, alert_no_prefix FROM alert_rules WHERE rule_code = 'WORKLOAD_OVERLOAD'")
        XCTAssertEqual(rule.first?["rule_type"], "RESOURCE")
        XCTAssertEqual(rule.first?["alert_no_prefix"], "WO")
        try await seedUser9()
        let outcome = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(outcome)
        try await h.exec("DELETE FROM alert_recipients; DELETE FROM alert_records; DELETE FROM alert_rules WHERE rule_code = 'WORKLOAD_OVERLOAD'")
        let missing = await h.run(job, at: "2026-01-13T11:00")
        if case .failed = missing {} else { XCTFail("expected a failed run, got \(missing)") }
    }

    func testDisabledRuleWritesNothing() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'WORKLOAD_OVERLOAD'")
        try await seedUser9()
        let outcome = await h.run(job, at: "2026-01-12T11:00")
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
