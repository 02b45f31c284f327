import Foundation
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ProgressService
import XCTest

/// services-progress.md, check_milestone_risk_alerts: every acceptance scenario (corrected expectations),
/// plus level, lifecycle, recipients and idempotency. D = 2026-01-09 (Asia/Shanghai), run at 08:10. Project
/// 1's PM is user 5. The scenarios' alert_notifications / notifications rows are written by the
/// notifications service from the stored recipients and the alert event; the tests assert those.
final class CheckMilestoneRiskAlertsTests: XCTestCase {
    var h: JobHarness!
    let job = CheckMilestoneRiskAlerts()
    let jobID = "check_milestone_risk_alerts"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .progress)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (5, 'pm5', true), (6, 'owner6', true),
              (7, 'off7', false);
            INSERT INTO projects (id, project_code, project_name, status, pm_id) VALUES (1, 'P1', '项目一', 'ST08', 5);
            """)
    }

    override func tearDown() async throws { await h.close() }

    /// A milestone with tasks given as statuses, e.g. ["DONE", "DONE", "TODO"].
    func milestone(_ id: Int, code: String? = nil, name: String? = nil, status: String = "PENDING", planned: String,
                   project: Int = 1, owner: Int? = nil, tasks: [String]) async throws {
        try await h.db.execute(
            """
            INSERT INTO project_milestones (id, project_id, milestone_code, milestone_name, planned_date, status, owner_id)
            VALUES ($1, $2, $3, $4, $5::date, $6, $7)
            """, [id, project, code ?? "MS-\(id)", name ?? "里程碑\(id)", planned, status, owner])
        try await h.db.execute(
            """
            INSERT INTO tasks (project_id, milestone_id, task_name, status)
            SELECT $1, $2, '任务' || n, s FROM unnest($3::text[]) WITH ORDINALITY AS t(s, n)
            """, [project, id, PostgresTextArray(tasks)])
    }

    func setTask(_ milestone: Int, from: String, to: String, count: Int) async throws {
        try await h.exec("""
            UPDATE tasks SET status = '\(to)' WHERE id IN (
              SELECT id FROM tasks WHERE milestone_id = \(milestone) AND status = '\(from)' ORDER BY id LIMIT \(count))
            """)
    }

    // Scenario 1.
    func testLowCompletionRaisesTheExactWarning() async throws {
        try await milestone(21, code: "MS-021", name: "出厂验收", planned: "2026-01-14",
                            tasks: ["DONE", "DONE", "TODO", "TODO", "IN_PROGRESS"])
        let outcome = await h.run(job, at: "2026-01-09T08:10")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "MR202601090001")
        XCTAssertEqual(a["rule_code"], "MILESTONE_RISK")
        XCTAssertEqual(a["target_type"], "MILESTONE")
        XCTAssertEqual(a["target_id"], "21")
        XCTAssertEqual(a["target_no"], "MS-021")
        XCTAssertEqual(a["target_name"], "出厂验收")
        XCTAssertEqual(a["project_id"], "1")
        XCTAssertEqual(a["alert_level"], "WARNING")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["alert_title"], "里程碑风险：出厂验收")
        XCTAssertEqual(a["alert_content"], "里程碑 MS-021 将在 5 天后到期，但关联任务完成率仅 40.0%")
        XCTAssertEqual(a["trigger_value"], "40.0")
        XCTAssertEqual(a["threshold_value"], "80")
        XCTAssertEqual(a["alert_data"], #"{"planned_date": "2026-01-14"}"#)
        XCTAssertEqual(a["dedup_key"], "MILESTONE_RISK:MILESTONE:21:2026-01-14")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["5:PM"])
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/progress/MILESTONE_RISK"])
        XCTAssertEqual(events.first?.alert.alertNo, "MR202601090001")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 1)
    }

    // Scenario 2.
    func testCloseMilestoneIsCritical() async throws {
        try await milestone(22, planned: "2026-01-11", tasks: ["DONE", "TODO", "TODO", "TODO"])
        let outcome = await h.run(job, at: "2026-01-09T08:10")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["trigger_value"], "25.0")
        XCTAssertEqual(rows[0]["alert_content"], "里程碑 MS-22 将在 2 天后到期，但关联任务完成率仅 25.0%")
        let topics = try await h.alertEvents().map(\.topic)
        XCTAssertEqual(topics, ["pms/v1/alert/CRITICAL/progress/MILESTONE_RISK"])
    }

    // Scenario 3.
    func testCancelledTasksDoNotCount() async throws {
        try await milestone(23, code: "MS-023", planned: "2026-01-12", tasks: ["DONE", "DONE", "DONE", "CANCELLED", "TODO"])
        let outcome = await h.run(job, at: "2026-01-09T08:10")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["trigger_value"], "75.0")
        XCTAssertEqual(rows[0]["alert_content"], "里程碑 MS-023 将在 3 天后到期，但关联任务完成率仅 75.0%")
    }

    func testUnroundedTriggerValueAndOneDecimalContent() async throws {
        try await milestone(24, planned: "2026-01-16", tasks: ["DONE", "DONE", "TODO"])
        try await milestone(25, planned: "2026-01-16", tasks: ["TODO", "TODO"])
        let outcome = await h.run(job, at: "2026-01-09T08:10")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["target_id"]!) \($0["alert_level"]!) \($0["trigger_value"]!)" },
                       ["MR202601090001 24 WARNING 66.66666666666666", "MR202601090002 25 WARNING 0.0"])
        XCTAssertEqual(rows[0]["alert_content"], "里程碑 MS-24 将在 7 天后到期，但关联任务完成率仅 66.7%")
        XCTAssertEqual(rows[1]["alert_content"], "里程碑 MS-25 将在 7 天后到期，但关联任务完成率仅 0.0%")
    }

    // Scenario 4, plus out-of-scope projects and milestones (corrected: project scope).
    func testNoAlertForGoodRateNoTasksOrOutsideTheWindow() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, status, pm_id, is_active, is_archived) VALUES
              (2, 'P2', '取消', 'ST99', 5, true, false), (3, 'P3', '归档', 'ST08', 5, true, true);
            """)
        try await milestone(31, planned: "2026-01-12", tasks: ["DONE", "DONE", "DONE", "DONE", "TODO"])
        try await milestone(32, planned: "2026-01-12", tasks: ["CANCELLED"])
        try await milestone(33, planned: "2026-01-12", tasks: [])
        try await milestone(34, planned: "2026-01-17", tasks: ["TODO"])
        try await milestone(35, planned: "2026-01-08", tasks: ["TODO"])
        try await milestone(36, status: "COMPLETED", planned: "2026-01-12", tasks: ["TODO"])
        try await milestone(37, status: "CANCELLED", planned: "2026-01-12", tasks: ["TODO"])
        try await milestone(38, planned: "2026-01-12", project: 2, tasks: ["TODO"])
        try await milestone(39, planned: "2026-01-12", project: 3, tasks: ["TODO"])
        let outcome = await h.run(job, at: "2026-01-09T08:10")
        XCTAssertSucceeded(outcome)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1, "only milestone 31 is in scope")
    }

    func testOwnerAndPMAreRecipients() async throws {
        try await milestone(21, planned: "2026-01-14", owner: 6, tasks: ["TODO"])
        try await milestone(22, planned: "2026-01-14", owner: 7, tasks: ["TODO"])
        let outcome = await h.run(job, at: "2026-01-09T08:10")
        XCTAssertSucceeded(outcome)
        let people = try await h.recipients()
        XCTAssertEqual(people, ["5:PM", "6:OWNER", "5:PM"], "inactive owner 7 is left out")
    }

    // Scenario 5.
    func testRerunTheSameDayAndTheNextDayWriteNothingNew() async throws {
        try await milestone(21, code: "MS-021", name: "出厂验收", planned: "2026-01-14",
                            tasks: ["DONE", "DONE", "TODO", "TODO", "IN_PROGRESS"])
        let first = await h.run(job, at: "2026-01-09T08:10")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T09:10")
        XCTAssertSucceeded(second)
        var result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.notified, 0)
        let third = await h.run(job, at: "2026-01-10T08:10")
        XCTAssertSucceeded(third)
        result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_content"], "里程碑 MS-021 将在 4 天后到期，但关联任务完成率仅 40.0%",
                       "refreshed while open")
        let recipientCount = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientCount, 1)
        let eventCount = try await h.alertEvents().count
        XCTAssertEqual(eventCount, 1)
    }

    func testRedeliveredTickRunsOnce() async throws {
        try await milestone(21, planned: "2026-01-14", tasks: ["TODO"])
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T08:10", runID: runID)
        XCTAssertSucceeded(first)
        let again = await h.run(job, at: "2026-01-09T08:10", runID: runID)
        XCTAssertEqual(again, .duplicate)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
    }

    // Corrected: the open WARNING is raised to CRITICAL in place when 3 days or fewer are left.
    func testLevelRisesInPlaceAsTheDateNears() async throws {
        try await milestone(21, code: "MS-021", planned: "2026-01-14", tasks: ["DONE", "DONE", "TODO", "TODO", "IN_PROGRESS"])
        let first = await h.run(job, at: "2026-01-09T08:10")
        XCTAssertSucceeded(first)
        try await setTask(21, from: "TODO", to: "DONE", count: 1)
        let later = await h.run(job, at: "2026-01-11T08:10")
        XCTAssertSucceeded(later)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_no"], "MR202601090001")
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["trigger_value"], "60.0")
        XCTAssertEqual(rows[0]["alert_content"], "里程碑 MS-021 将在 3 天后到期，但关联任务完成率仅 60.0%")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/progress/MILESTONE_RISK",
                                             "pms/v1/alert/CRITICAL/progress/MILESTONE_RISK"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.details?["levels_raised"], .number(1))
    }

    func testAlertsResolveWhenTheConditionClears() async throws {
        try await milestone(41, planned: "2026-01-12", tasks: ["DONE", "TODO"])   // rate reaches 100 %
        try await milestone(42, planned: "2026-01-12", tasks: ["TODO"])           // completed
        try await milestone(43, planned: "2026-01-12", tasks: ["TODO"])           // cancelled
        try await milestone(44, planned: "2026-01-12", tasks: ["TODO"])           // moved out of the window
        try await milestone(45, planned: "2026-01-09", tasks: ["TODO"])           // date passes
        try await milestone(46, planned: "2026-01-12", tasks: ["TODO"])           // still at risk
        let first = await h.run(job, at: "2026-01-09T08:10")
        XCTAssertSucceeded(first)
        try await setTask(41, from: "TODO", to: "DONE", count: 1)
        try await h.exec("""
            UPDATE project_milestones SET status = 'COMPLETED' WHERE id = 42;
            UPDATE project_milestones SET status = 'CANCELLED' WHERE id = 43;
            UPDATE project_milestones SET planned_date = '2026-01-30' WHERE id = 44;
            """)
        let second = await h.run(job, at: "2026-01-10T08:10")
        XCTAssertSucceeded(second)
        let rows = try await h.rows("""
            SELECT target_id, status, handle_result, handle_end_at IS NOT NULL AS ended FROM alert_records ORDER BY target_id
            """)
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["status"]!) \($0["handle_result"] ?? "-") \($0["ended"]!)" }, [
            "41 RESOLVED AUTO_RESOLVED t", "42 RESOLVED AUTO_RESOLVED t", "43 RESOLVED AUTO_RESOLVED t",
            "44 RESOLVED AUTO_RESOLVED t", "45 RESOLVED AUTO_RESOLVED t", "46 PENDING - f",
        ])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.resolved, 5)
    }

    // Episode key: an acknowledged-then-closed alert is not raised again for the same planned date.
    func testClosedAlertIsNotRaisedAgainForTheSameEpisode() async throws {
        try await milestone(21, planned: "2026-01-14", tasks: ["TODO"])
        let first = await h.run(job, at: "2026-01-09T08:10")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE alert_records SET status = 'CLOSED'")
        let second = await h.run(job, at: "2026-01-10T08:10")
        XCTAssertSucceeded(second)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
    }

    func testDisabledRuleWritesNothing() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'MILESTONE_RISK'")
        try await milestone(21, planned: "2026-01-14", tasks: ["TODO"])
        let outcome = await h.run(job, at: "2026-01-09T08:10")
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
