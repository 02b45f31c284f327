import Foundation
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ProgressService
import XCTest

/// services-progress.md, check_task_deadline_reminder: every acceptance scenario (corrected expectations),
/// plus the EXPIRED lifecycle, window, scope, recipients and idempotency. D = 2026-01-09; deadlines are given
/// in Asia/Shanghai local time.
final class CheckTaskDeadlineReminderTests: XCTestCase {
    var h: JobHarness!
    let job = CheckTaskDeadlineReminder()
    let jobID = "check_task_deadline_reminder"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .progress)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (5, 'pm5', true), (9, 'u9', true),
              (10, 'off10', false);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (1, 'P1', '一号线', 5);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func task(_ id: Int, code: String? = nil, title: String? = nil, assignee: Int = 9, project: Int? = nil,
              status: String = "IN_PROGRESS", reminder: Bool = true, before: Int? = 24, deadline: String?) async throws {
        try await h.db.execute(
            """
            INSERT INTO task_unified (id, task_code, title, assignee_id, project_id, status, reminder_enabled,
                                      reminder_before_hours, deadline)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ($9::timestamp AT TIME ZONE 'Asia/Shanghai'))
            """, [id, code ?? "TASK-\(id)", title ?? "任务\(id)", assignee, project, status, reminder, before, deadline])
    }

    func task7() async throws {
        try await task(7, code: "TASK-260109-001", title: "周报提交", deadline: "2026-01-09 18:00")
    }

    func alerts() async throws -> [PostgresRow] {
        try await h.rows("""
            SELECT alert_no, target_type, target_id, target_no, target_name, project_id, alert_level, alert_title,
                   alert_content, trigger_value, threshold_value, status, handle_result, dedup_key,
                   alert_data->>'deadline' AS episode
              FROM alert_records ORDER BY alert_no
            """)
    }

    // Scenario 1; "user 9 receives one in-app notification" = the ASSIGNEE recipient row plus the raised
    // event, which the notifications service delivers (the original notifies user 1 at 09:15).
    func testTaskDueTodayGetsTheExactReminderForTheAssignee() async throws {
        try await task7()
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T09:00"))
        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "TR202601090001")
        XCTAssertEqual(a["target_type"], "TASK_UNIFIED")
        XCTAssertEqual(a["target_id"], "7")
        XCTAssertEqual(a["target_no"], "TASK-260109-001")
        XCTAssertEqual(a["target_name"], "周报提交")
        XCTAssertEqual(a["project_id"], nil)
        XCTAssertEqual(a["alert_level"], "INFO")
        XCTAssertEqual(a["alert_title"], "任务即将到期：周报提交")
        XCTAssertEqual(a["alert_content"], "任务 TASK-260109-001 将在 9 小时后到期（截止时间：2026-01-09 18:00:00）")
        XCTAssertEqual(a["trigger_value"], "9")
        XCTAssertEqual(a["threshold_value"], "24")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["dedup_key"], "TASK_DEADLINE_REMINDER:TASK_UNIFIED:7:2026-01-09T10:00:00Z")
        XCTAssertEqual(a["episode"], "2026-01-09T10:00:00Z")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["9:ASSIGNEE"])
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/INFO/progress/TASK_DEADLINE_REMINDER"])
        XCTAssertEqual(events.first?.alert.alertNo, "TR202601090001")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 1)
    }

    // Scenario 2.
    func testTasksOutsideTheWindowOrOutOfScopeGetNoReminder() async throws {
        try await task(11, deadline: "2026-01-10 10:00")                      // 25 h away
        try await task(12, deadline: "2026-01-09 08:30")                      // past
        try await task(13, status: "COMPLETED", deadline: "2026-01-09 18:00")
        try await task(14, reminder: false, deadline: "2026-01-09 18:00")
        try await task(15, status: "CANCELLED", deadline: "2026-01-09 18:00")
        try await task(16, deadline: nil)
        try await task(17, deadline: "2026-01-10 09:00")                      // exactly 24 h: inside
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T09:00"))
        let rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["trigger_value"]!)" }, ["17 24"])
    }

    // Scenario 3: re-run at 10:00 adds nothing; the open reminder's hours are refreshed (DECISIONS "Refresh while open").
    func testRerunAddsNothingNew() async throws {
        try await task7()
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T09:00"))
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["trigger_value"], "8")
        XCTAssertEqual(rows[0]["alert_content"], "任务 TASK-260109-001 将在 8 小时后到期（截止时间：2026-01-09 18:00:00）")
        let recipientCount = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientCount, 1)
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 1)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
    }

    // Scenario 4 (corrected): the sequence continues; the original reuses 0001 and fails.
    func testANewCandidateLaterTheSameDayGetsTheNextNumber() async throws {
        try await task7()
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T09:00"))
        try await task(8, code: "TASK-260109-002", deadline: "2026-01-10 09:30")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        let rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["target_id"]!) \($0["trigger_value"]!)" },
                       ["TR202601090001 7 8", "TR202601090002 8 23"])
        XCTAssertEqual(rows[1]["alert_content"], "任务 TASK-260109-002 将在 23 小时后到期（截止时间：2026-01-10 09:30:00）")
    }

    // Scenario 5: a moved deadline is a new episode; the old reminder expires, and so does the new one once past.
    func testMovedDeadlineExpiresTheOldReminderAndRaisesANewOne() async throws {
        try await task7()
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T09:00"))
        try await h.exec("UPDATE task_unified SET deadline = '2026-01-10 12:00+08' WHERE id = 7")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T13:00"))
        var rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["status"]!) \($0["trigger_value"]!) \($0["episode"]!)" }, [
            "TR202601090001 EXPIRED 9 2026-01-09T10:00:00Z",
            "TR202601090002 PENDING 23 2026-01-10T04:00:00Z",
        ])
        XCTAssertEqual(rows[1]["alert_content"], "任务 TASK-260109-001 将在 23 小时后到期（截止时间：2026-01-10 12:00:00）")
        XCTAssertEqual(rows[1]["dedup_key"], "TASK_DEADLINE_REMINDER:TASK_UNIFIED:7:2026-01-10T04:00:00Z")
        let expired = try await h.lastResult(jobID)?.details?["expired"]
        XCTAssertEqual(expired, .number(1))
        XCTAssertSucceeded(await h.run(job, at: "2026-01-10T13:00"))
        rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["status"]!) \($0["handle_result"] ?? "-")" },
                       ["TR202601090001 EXPIRED AUTO_EXPIRED", "TR202601090002 EXPIRED AUTO_EXPIRED"])
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 2, "a passed deadline raises nothing new")
    }

    // Gap 4: a finished task's reminder expires (kept out of escalation), it is not RESOLVED.
    func testCompletedOrCancelledTaskExpiresItsReminder() async throws {
        try await task(21, deadline: "2026-01-09 18:00")
        try await task(22, deadline: "2026-01-09 18:00")
        try await task(23, deadline: "2026-01-09 18:00")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T09:00"))
        try await h.exec("""
            UPDATE task_unified SET status = 'COMPLETED' WHERE id = 21;
            UPDATE task_unified SET status = 'CANCELLED' WHERE id = 22;
            """)
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        let rows = try await alerts().map { "\($0["target_id"]!) \($0["status"]!)" }
        XCTAssertEqual(rows, ["21 EXPIRED", "22 EXPIRED", "23 PENDING"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.resolved, 2)
    }

    // One reminder per deadline value in any status: a reminder the user closed is not raised again.
    func testClosedReminderIsNotRaisedAgainForTheSameDeadline() async throws {
        try await task7()
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T09:00"))
        try await h.exec("UPDATE alert_records SET status = 'CLOSED'")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T10:00"))
        let rows = try await alerts().map { "\($0["alert_no"]!) \($0["status"]!)" }
        XCTAssertEqual(rows, ["TR202601090001 CLOSED"])
    }

    // Gap 3: the window is coalesce(reminder_before_hours, 24).
    func testTheWindowIsTheTasksReminderBeforeHours() async throws {
        try await task(31, before: 48, deadline: "2026-01-11 08:00")   // 47 h away, window 48
        try await task(32, before: 2, deadline: "2026-01-09 12:00")    // 3 h away, window 2
        try await task(33, before: nil, deadline: "2026-01-10 08:00")  // 23 h away, default 24
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T09:00"))
        let rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["trigger_value"]!) \($0["threshold_value"]!)" },
                       ["31 47 48", "33 23 24"])
    }

    func testProjectTasksOfInactiveOrArchivedProjectsAreSkippedAndAnInactiveAssigneeIsUnrouted() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active) VALUES (2, 'P2', '停用', 5, false);
            INSERT INTO projects (id, project_code, project_name, pm_id, is_archived) VALUES (3, 'P3', '归档', 5, true);
            """)
        try await task(41, project: 1, deadline: "2026-01-09 18:00")
        try await task(42, project: 2, deadline: "2026-01-09 18:00")
        try await task(43, project: 3, deadline: "2026-01-09 18:00")
        try await task(44, assignee: 10, deadline: "2026-01-09 18:00")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T09:00"))
        let rows = try await alerts()
        XCTAssertEqual(rows.map { $0["target_id"]! }, ["41", "44"])
        XCTAssertEqual(rows.first?["project_id"], "1")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["9:ASSIGNEE"], "the PM is not a recipient; inactive user 10 is left out")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.unrouted, 1)
    }

    func testRedeliveredTickRunsOnce() async throws {
        try await task7()
        let runID = UUID()
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T09:00", runID: runID))
        let again = await h.run(job, at: "2026-01-09T09:00", runID: runID)
        XCTAssertEqual(again, .duplicate)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
    }

    func testDisabledRuleWritesNothing() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'TASK_DEADLINE_REMINDER'")
        try await task7()
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T09:00"))
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
