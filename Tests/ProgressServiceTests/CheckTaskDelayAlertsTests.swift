import Foundation
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ProgressService
import XCTest

/// services-progress.md, check_task_delay_alerts: every acceptance scenario (corrected expectations), plus
/// levels, lifecycle, scope, recipients and idempotency. D = 2026-01-09 (Asia/Shanghai); project 1's PM is user 5.
final class CheckTaskDelayAlertsTests: XCTestCase {
    var h: JobHarness!
    let job = CheckTaskDelayAlerts()
    let jobID = "check_task_delay_alerts"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .progress)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES
              (1, 'admin', true), (5, 'pm5', true), (7, 'owner7', true), (8, 'owner8', true), (10, 'off10', false);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (1, 'P1', '一号线', 5);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func task(_ id: Int, _ name: String? = nil, status: String = "IN_PROGRESS", end: String?,
              owner: Int? = 7, project: Int = 1) async throws {
        try await h.db.execute(
            "INSERT INTO tasks (id, project_id, task_name, status, owner_id, plan_end) VALUES ($1, $2, $3, $4, $5, $6::date)",
            [id, project, name ?? "任务\(id)", status, owner, end])
    }

    func alerts() async throws -> [PostgresRow] {
        try await h.rows("""
            SELECT alert_no, target_type, target_id, target_no, target_name, project_id, alert_level, alert_title,
                   alert_content, trigger_value, threshold_value, status, handle_result, dedup_key,
                   alert_data->>'plan_end' AS episode
              FROM alert_records ORDER BY alert_no
            """)
    }

    // Scenario 1; "notifies users 7 and 5" = their alert_recipients rows (the notifications service delivers).
    func testOverdueTaskRaisesTheExactWarning() async throws {
        try await task(101, "机架焊接", end: "2026-01-08")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "TD202601090001")
        XCTAssertEqual(a["target_type"], "TASK")
        XCTAssertEqual(a["target_id"], "101")
        XCTAssertEqual(a["target_no"], "机架焊接")
        XCTAssertEqual(a["target_name"], "机架焊接")
        XCTAssertEqual(a["project_id"], "1")
        XCTAssertEqual(a["alert_level"], "WARNING")
        XCTAssertEqual(a["alert_title"], "任务延期：机架焊接")
        XCTAssertEqual(a["alert_content"], "任务 机架焊接 已延期 1 天（计划完成日期：2026-01-08）")
        XCTAssertEqual(a["trigger_value"], "1")
        XCTAssertEqual(a["threshold_value"], "0")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["dedup_key"], "TASK_DELAY:TASK:101:2026-01-08")
        XCTAssertEqual(a["episode"], "2026-01-08")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["5:PM", "7:OWNER"])
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/progress/TASK_DELAY"])
        XCTAssertEqual(events.first?.alert.alertNo, "TD202601090001")
        XCTAssertEqual(events.first?.alert.title, "任务延期：机架焊接")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 2)
    }

    // Scenario 2 (DECISIONS "Alert levels": 3–6 days CRITICAL, ≥ 7 URGENT; the original inverts them).
    func testLevelsFollowTheDaysOverdue() async throws {
        try await task(102, end: "2026-01-05")
        try await task(103, end: "2025-12-30")
        try await task(104, end: "2026-01-07")   // 2 days
        try await task(105, end: "2026-01-06")   // 3 days
        try await task(106, end: "2026-01-03")   // 6 days
        try await task(107, end: "2026-01-02")   // 7 days
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["target_id"]!) \($0["alert_level"]!) \($0["trigger_value"]!)" }, [
            "TD202601090001 102 CRITICAL 4", "TD202601090002 103 URGENT 10", "TD202601090003 104 WARNING 2",
            "TD202601090004 105 CRITICAL 3", "TD202601090005 106 CRITICAL 6", "TD202601090006 107 URGENT 7",
        ], "numbered in task id order")
        XCTAssertEqual(rows[1]["alert_content"], "任务 任务103 已延期 10 天（计划完成日期：2025-12-30）")
    }

    // Scenario 3.
    func testDoneCancelledDueTodayAndUndatedTasksAreNotAlerted() async throws {
        try await task(111, status: "DONE", end: "2026-01-01")
        try await task(112, status: "CANCELLED", end: "2026-01-01")
        try await task(113, end: "2026-01-09")
        try await task(114, end: nil)
        try await task(115, status: "BLOCKED", end: "2026-01-08")
        try await task(116, status: "TODO", end: "2026-01-08")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let ids = try await alerts().map { $0["target_id"]! }
        XCTAssertEqual(ids, ["115", "116"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 4, "111 and 112 are out of scope")
    }

    // Scenario 4: re-run the same day.
    func testRerunTheSameDayWritesNothingNew() async throws {
        try await task(101, "机架焊接", end: "2026-01-08")
        try await task(102, end: "2026-01-05")
        try await task(103, end: "2025-12-30")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T11:00"))
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 3)
        let recipientCount = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientCount, 6)
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 3, "no second raised or escalated event")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 3)
        XCTAssertEqual(result?.notified, 0)
    }

    // Scenario 4 (corrected): an ACKNOWLEDGED alert is still open, so the next run succeeds and adds nothing.
    func testAcknowledgedAlertBlocksANewOneAndTheRunSucceeds() async throws {
        try await task(101, "机架焊接", end: "2026-01-08")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        try await h.exec("UPDATE alert_records SET status = 'ACKNOWLEDGED'")
        try await task(102, end: "2026-01-05")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T11:00"))
        let rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["target_id"]!) \($0["status"]!)" },
                       ["TD202601090001 101 ACKNOWLEDGED", "TD202601090002 102 PENDING"],
                       "the sequence continues instead of colliding on 0001")
    }

    // Scenario 5: task done → RESOLVED with the spec's handle_result 'AUTO_RESOLVED'.
    func testAlertResolvesWhenTheTaskIsDone() async throws {
        try await task(101, "机架焊接", end: "2026-01-08")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        try await h.exec("UPDATE tasks SET status = 'DONE' WHERE id = 101")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T12:00"))
        let rows = try await h.rows("SELECT status, handle_result, handle_end_at IS NOT NULL AS ended FROM alert_records")
        XCTAssertEqual(rows.map { "\($0["status"]!) \($0["handle_result"]!) \($0["ended"]!)" }, ["RESOLVED AUTO_RESOLVED t"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.resolved, 1)
    }

    // Scenario 5: the open CRITICAL alert of task 102 becomes URGENT in place on 2026-01-12 (7 days).
    func testOpenAlertIsUpgradedInPlaceAsTheDelayGrows() async throws {
        try await task(102, "电气接线", end: "2026-01-05")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        XCTAssertSucceeded(await h.run(job, at: "2026-01-12T10:00"))
        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_no"], "TD202601090001")
        XCTAssertEqual(rows[0]["status"], "PENDING")
        XCTAssertEqual(rows[0]["alert_level"], "URGENT")
        XCTAssertEqual(rows[0]["trigger_value"], "7")
        XCTAssertEqual(rows[0]["alert_content"], "任务 电气接线 已延期 7 天（计划完成日期：2026-01-05）")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/CRITICAL/progress/TASK_DELAY",
                                             "pms/v1/alert/URGENT/progress/TASK_DELAY"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.details?["levels_raised"], .number(1))
    }

    // Refresh while open: the day count is refreshed every day even without a level change.
    func testOpenAlertIsRefreshedDaily() async throws {
        try await task(101, "机架焊接", end: "2026-01-08")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        XCTAssertSucceeded(await h.run(job, at: "2026-01-10T10:00"))
        let row = try await alerts().first
        XCTAssertEqual(row?["alert_level"], "WARNING")
        XCTAssertEqual(row?["trigger_value"], "2")
        XCTAssertEqual(row?["alert_content"], "任务 机架焊接 已延期 2 天（计划完成日期：2026-01-08）")
    }

    func testAlertResolvesWhenPlanEndMovesOrTheTaskOrProjectLeavesScope() async throws {
        try await h.exec("INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (2, 'P2', '二号线', 5)")
        try await task(121, end: "2026-01-08")            // plan_end moved to D
        try await task(122, end: "2026-01-08")            // cancelled
        try await task(123, end: "2026-01-08", project: 2) // project closed (ST30)
        try await task(124, end: "2026-01-08")            // still late
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        try await h.exec("""
            UPDATE tasks SET plan_end = '2026-01-09' WHERE id = 121;
            UPDATE tasks SET status = 'CANCELLED' WHERE id = 122;
            UPDATE projects SET status = 'ST30' WHERE id = 2;
            """)
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T11:00"))
        let rows = try await alerts().map { "\($0["target_id"]!) \($0["status"]!) \($0["handle_result"] ?? "-")" }
        XCTAssertEqual(rows, ["121 RESOLVED AUTO_RESOLVED", "122 RESOLVED AUTO_RESOLVED",
                              "123 RESOLVED AUTO_RESOLVED", "124 PENDING -"])
    }

    func testInactiveArchivedAndClosedProjectsAreOutOfScope() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active) VALUES (2, 'P2', '停用', 5, false);
            INSERT INTO projects (id, project_code, project_name, pm_id, is_archived) VALUES (3, 'P3', '归档', 5, true);
            INSERT INTO projects (id, project_code, project_name, pm_id, status) VALUES (4, 'P4', '结项', 5, 'ST30');
            INSERT INTO projects (id, project_code, project_name, pm_id, status) VALUES (6, 'P6', '取消', 5, 'ST99');
            """)
        for (id, project) in [(131, 2), (132, 3), (133, 4), (134, 6), (135, 1)] {
            try await task(id, end: "2026-01-08", project: project)
        }
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        let ids = try await alerts().map { $0["target_id"]! }
        XCTAssertEqual(ids, ["135"])
    }

    // Episode = plan_end: a closed alert is not raised again for the same plan_end, but is for a new one.
    func testClosedEpisodeIsNotRaisedAgainButANewPlanEndIs() async throws {
        try await task(101, "机架焊接", end: "2026-01-08")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        try await h.exec("UPDATE alert_records SET status = 'CLOSED'")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T11:00"))
        var count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
        try await h.exec("UPDATE tasks SET plan_end = '2026-01-07' WHERE id = 101")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T12:00"))
        count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 2)
        let last = try await alerts().last
        XCTAssertEqual(last?["alert_no"], "TD202601090002")
        XCTAssertEqual(last?["dedup_key"], "TASK_DELAY:TASK:101:2026-01-07")
        XCTAssertEqual(last?["alert_content"], "任务 机架焊接 已延期 2 天（计划完成日期：2026-01-07）")
    }

    // §0.7: target_no is varchar(100)-sized, the title at most 200 characters.
    func testLongTaskNamesAreTruncated() async throws {
        let name = String(repeating: "焊", count: 250)
        try await task(141, name, end: "2026-01-08")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        let row = try await h.rows("SELECT char_length(target_no) AS n, char_length(alert_title) AS t FROM alert_records").first
        XCTAssertEqual(row?["n"], "100")
        XCTAssertEqual(row?["t"], "200")
    }

    func testInactiveOrMissingOwnerLeavesThePMAndNoRecipientIsUnrouted() async throws {
        try await h.exec("INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (2, 'P2', '无PM', NULL)")
        try await task(151, end: "2026-01-08", owner: 10)
        try await task(152, end: "2026-01-08", owner: nil)
        try await task(153, end: "2026-01-08", owner: 8, project: 2)
        try await task(154, end: "2026-01-08", owner: nil, project: 2)
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        let people = try await h.rows("""
            SELECT a.target_id, r.user_id, r.reason FROM alert_recipients r JOIN alert_records a ON a.id = r.alert_id
             ORDER BY a.target_id, r.user_id
            """).map { "\($0["target_id"]!) \($0["user_id"]!):\($0["reason"]!)" }
        XCTAssertEqual(people, ["151 5:PM", "152 5:PM", "153 8:OWNER"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.unrouted, 1, "task 154 reaches nobody; user 1 is no fallback")
    }

    func testRedeliveredTickRunsOnce() async throws {
        try await task(101, "机架焊接", end: "2026-01-08")
        let runID = UUID()
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00", runID: runID))
        let again = await h.run(job, at: "2026-01-09T10:00", runID: runID)
        XCTAssertEqual(again, .duplicate)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
    }

    func testDisabledRuleWritesNothing() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'TASK_DELAY'")
        try await task(101, "机架焊接", end: "2026-01-08")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
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
