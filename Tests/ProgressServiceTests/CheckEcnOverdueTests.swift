import Foundation
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ProgressService
import XCTest

/// services-progress.md, check_ecn_overdue (`run_ecn_scheduler`): every acceptance scenario with the corrected
/// expectations (overdue days beyond the SLA, parent-status filter, lowest level only, daily dedup), plus
/// recipient fallback, ASSIGNED evaluations, is_overdue both ways and redelivery. D = 2026-01-09, 09:00 Shanghai.
/// The job has no alert rule (notification-only), so there is no "rule disabled" case.
final class CheckEcnOverdueTests: XCTestCase {
    var h: JobHarness!
    let job = CheckEcnOverdue()
    let jobID = "check_ecn_overdue"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .progress)
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (4, 'app4', '申请人', true), (12, 'eval12', '评估人', true), (15, 'appr15', '审批人', true),
              (16, 'appr16', '二级审批', true), (20, 'exec20', '执行人', true), (30, 'pm30', '项目经理', true),
              (31, 'off31', '离职', false);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func ecn(_ id: Int, _ no: String, status: String, applicant: Int? = 4, project: Int? = nil) async throws {
        try await h.db.execute(
            "INSERT INTO ecn (id, ecn_no, ecn_title, status, applicant_id, project_id) VALUES ($1, $2, $3, $4, $5, $6)",
            [id, no, "变更" + no, status, applicant, project])
    }

    func evaluation(_ id: Int, ecn: Int, dept: String = "机械部", evaluator: Int? = 12, status: String = "PENDING",
                    created: String) async throws {
        try await h.db.execute(
            """
            INSERT INTO ecn_evaluations (id, ecn_id, eval_dept, evaluator_id, status, created_at)
            VALUES ($1, $2, $3, $4, $5, $6::timestamptz)
            """, [id, ecn, dept, evaluator, status, created])
    }

    func approval(_ id: Int, ecn: Int, level: Int, role: String = "项目经理", approver: Int? = 15,
                  status: String = "PENDING", due: String?, overdue: Bool = false) async throws {
        try await h.db.execute(
            """
            INSERT INTO ecn_approvals (id, ecn_id, approval_level, approval_role, approver_id, status, due_date, is_overdue)
            VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8)
            """, [id, ecn, level, role, approver, status, due, overdue])
    }

    func task(_ id: Int, ecn: Int, name: String = "更换气缸", assignee: Int? = 20, status: String = "IN_PROGRESS",
              end: String?) async throws {
        try await h.db.execute(
            "INSERT INTO ecn_tasks (id, ecn_id, task_name, assignee_id, planned_end, status) VALUES ($1, $2, $3, $4, $5::date, $6)",
            [id, ecn, name, assignee, end, status])
    }

    /// The fixtures of scenarios 1–3 (ECN numbers ECN-001 … ECN-003).
    func scenarioFixtures() async throws {
        try await ecn(31, "ECN-001", status: "EVALUATING")
        try await evaluation(301, ecn: 31, created: "2026-01-05 08:00+08")
        try await ecn(32, "ECN-002", status: "IN_APPROVAL")
        try await approval(401, ecn: 32, level: 1, due: "2025-12-31 10:00+08")
        try await approval(402, ecn: 32, level: 2, role: "总经理", approver: 16, due: "2025-12-31 10:00+08")
        try await ecn(33, "ECN-003", status: "EXECUTING")
        try await task(501, ecn: 33, end: "2026-01-08")
    }

    // Scenario 1, corrected: age 4 d 1 h is 1 day beyond the 3-day SLA ("超时1天", the original says 4).
    func testScenario1EvaluationOverdueCountsDaysBeyondTheSLA() async throws {
        try await ecn(31, "ECN-001", status: "EVALUATING")
        try await evaluation(301, ecn: 31, created: "2026-01-05 08:00+08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 1)
        let n = try XCTUnwrap(rows.first)
        XCTAssertEqual(n["user_id"], "12")
        XCTAssertEqual(n["notification_type"], "ECN_OVERDUE_ALERT")
        XCTAssertEqual(n["title"], "ECN超时提醒：ECN-001")
        XCTAssertEqual(n["content"], "ECN ECN-001 的机械部评估已超时1天")
        XCTAssertEqual(n["priority"], "HIGH")
        XCTAssertEqual(n["source_type"], "ECN")
        XCTAssertEqual(n["source_id"], "31")
        XCTAssertEqual(n["link_url"], "/ecns?ecnId=31")
        XCTAssertEqual(n["is_read"], "f")
        XCTAssertEqual(n["dedupe_key"], "ECN_OVERDUE_ALERT|EVALUATION|301|12|2026-01-09")
        XCTAssertEqual(n["created"], "2026-01-09 09:00")
        let extraOK = try await h.extraDataMatches("""
            {"alert_type": "EVALUATION_OVERDUE", "overdue_days": 1, "ecn_no": "ECN-001",
             "item_type": "EVALUATION", "item_id": 301}
            """, dedupe: "ECN_OVERDUE_ALERT|EVALUATION|301|12|2026-01-09")
        XCTAssertTrue(extraOK, "extra_data was \(n["extra"] ?? "NULL")")
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["progress pms/v1/inbox/12"])
        let payload = try await h.rows(
            "SELECT payload->>'content' AS content, payload->>'title' AS title FROM outbox WHERE topic = 'pms/v1/inbox/12'")
        XCTAssertEqual(payload.first?["content"], "ECN ECN-001 的机械部评估已超时1天")
        XCTAssertEqual(payload.first?["title"], "ECN超时提醒：ECN-001")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 1)
        XCTAssertEqual(result?.unrouted, 0)
    }

    // Scenario 2: level 1 overdue 8 days → is_overdue, URGENT; the level-2 approval waits its turn (gap 4).
    func testScenario2LowestPendingApprovalLevelOnly() async throws {
        try await ecn(32, "ECN-002", status: "IN_APPROVAL")
        try await approval(401, ecn: 32, level: 1, due: "2025-12-31 10:00+08")
        try await approval(402, ecn: 32, level: 2, role: "总经理", approver: 16, due: "2025-12-31 10:00+08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 1)
        let n = try XCTUnwrap(rows.first)
        XCTAssertEqual(n["user_id"], "15")
        XCTAssertEqual(n["title"], "ECN超时提醒：ECN-002")
        XCTAssertEqual(n["content"], "ECN ECN-002 的第1级审批（项目经理）已超时8天")
        XCTAssertEqual(n["priority"], "URGENT")
        XCTAssertEqual(n["dedupe_key"], "ECN_OVERDUE_ALERT|APPROVAL|401|15|2026-01-09")
        let extraOK = try await h.extraDataMatches("""
            {"alert_type": "APPROVAL_OVERDUE", "overdue_days": 8, "ecn_no": "ECN-002",
             "item_type": "APPROVAL", "item_id": 401}
            """, dedupe: "ECN_OVERDUE_ALERT|APPROVAL|401|15|2026-01-09")
        XCTAssertTrue(extraOK, "extra_data was \(n["extra"] ?? "NULL")")
        let flags = try await h.rows("SELECT id, is_overdue FROM ecn_approvals ORDER BY id")
        // is_overdue is a fact about the due date: both PENDING rows are past due (DATA-MODEL: recomputed for PENDING rows).
        XCTAssertEqual(flags.map { "\($0["id"]!):\($0["is_overdue"]!)" }, ["401:t", "402:t"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.updated, 2)
    }

    // Once level 1 is COMPLETED, level 2 becomes the lowest pending level and is reminded.
    func testNextLevelIsCheckedOnceTheLowerLevelCompletes() async throws {
        try await ecn(32, "ECN-002", status: "IN_APPROVAL")
        try await approval(401, ecn: 32, level: 1, status: "COMPLETED", due: "2025-12-31 10:00+08")
        try await approval(402, ecn: 32, level: 2, role: "总经理", approver: 16, due: "2026-01-07 12:00+08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["user_id"]! }, ["16"])
        XCTAssertEqual(rows.map { $0["content"]! }, ["ECN ECN-002 的第2级审批（总经理）已超时1天"])
        XCTAssertEqual(rows.map { $0["priority"]! }, ["HIGH"])
    }

    // Scenario 3: task 501 of an EXECUTING ECN, planned_end D−1 → "已超时1天", HIGH.
    func testScenario3TaskOverdue() async throws {
        try await ecn(33, "ECN-003", status: "EXECUTING")
        try await task(501, ecn: 33, end: "2026-01-08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 1)
        let n = try XCTUnwrap(rows.first)
        XCTAssertEqual(n["user_id"], "20")
        XCTAssertEqual(n["title"], "ECN超时提醒：ECN-003")
        XCTAssertEqual(n["content"], "ECN ECN-003 的任务「更换气缸」已超时1天")
        XCTAssertEqual(n["priority"], "HIGH")
        XCTAssertEqual(n["link_url"], "/ecns?ecnId=33")
        XCTAssertEqual(n["dedupe_key"], "ECN_OVERDUE_ALERT|TASK|501|20|2026-01-09")
        let extraOK = try await h.extraDataMatches("""
            {"alert_type": "TASK_OVERDUE", "overdue_days": 1, "ecn_no": "ECN-003", "item_type": "TASK", "item_id": 501}
            """, dedupe: "ECN_OVERDUE_ALERT|TASK|501|20|2026-01-09")
        XCTAssertTrue(extraOK, "extra_data was \(n["extra"] ?? "NULL")")
    }

    // Scenario 4: a 2-day-old evaluation, a NULL due date, a COMPLETED task and every item of a CANCELLED ECN
    // get nothing (the original still notifies for the cancelled ECN); the cancelled ECN's approval keeps its flag.
    func testScenario4NegativesIncludingCancelledEcn() async throws {
        try await ecn(35, "ECN-005", status: "EVALUATING")
        try await evaluation(305, ecn: 35, created: "2026-01-07 08:00+08")
        try await ecn(36, "ECN-006", status: "IN_APPROVAL")
        try await approval(406, ecn: 36, level: 1, due: nil)
        try await ecn(37, "ECN-007", status: "EXECUTING")
        try await task(507, ecn: 37, status: "COMPLETED", end: "2026-01-01")
        try await task(508, ecn: 37, end: "2026-01-09")   // due today: not overdue yet
        try await ecn(34, "ECN-004", status: "CANCELLED")
        try await evaluation(304, ecn: 34, created: "2025-12-01 08:00+08")
        try await approval(404, ecn: 34, level: 1, due: "2025-12-20 10:00+08")
        try await task(504, ecn: 34, end: "2025-12-20")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 0)
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, [])
        let flags = try await h.rows("SELECT id, is_overdue FROM ecn_approvals ORDER BY id")
        XCTAssertEqual(flags.map { "\($0["id"]!):\($0["is_overdue"]!)" }, ["404:f", "406:f"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 0)
        XCTAssertEqual(result?.created, 0)
    }

    // Gap 1: every phase filter — an evaluation of an EXECUTING ECN, a task of a CLOSED ECN, an approval of a
    // REJECTED ECN are out of scope.
    func testItemsOutsideTheirEcnPhaseAreIgnored() async throws {
        try await ecn(41, "ECN-041", status: "EXECUTING")
        try await evaluation(341, ecn: 41, created: "2025-12-01 08:00+08")
        try await ecn(42, "ECN-042", status: "CLOSED")
        try await task(542, ecn: 42, end: "2025-12-20")
        try await ecn(43, "ECN-043", status: "REJECTED")
        try await approval(443, ecn: 43, level: 1, due: "2025-12-20 10:00+08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 0)
    }

    // Scenario 5: a re-run at 09:30 writes nothing; the next day every still-overdue item is reminded once more.
    func testScenario5RerunSameDayNothingNextDayOnceEach() async throws {
        try await scenarioFixtures()
        let first = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(first)
        let again = await h.run(job, at: "2026-01-09T09:30")
        XCTAssertSucceeded(again)
        let sameDay = try await h.notifications()
        XCTAssertEqual(sameDay.count, 3)
        let rerun = try await h.lastResult(jobID)
        XCTAssertEqual(rerun?.created, 0)
        XCTAssertEqual(rerun?.skipped, 3)
        let next = await h.run(job, at: "2026-01-10T09:00")
        XCTAssertSucceeded(next)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 6)
        XCTAssertEqual(Array(rows.suffix(3)).map { $0["content"]! }, [
            "ECN ECN-001 的机械部评估已超时2天",
            "ECN ECN-002 的第1级审批（项目经理）已超时9天",
            "ECN ECN-003 的任务「更换气缸」已超时2天",
        ])
        XCTAssertEqual(Array(rows.suffix(3)).map { $0["dedupe_key"]! }, [
            "ECN_OVERDUE_ALERT|EVALUATION|301|12|2026-01-10",
            "ECN_OVERDUE_ALERT|APPROVAL|401|15|2026-01-10",
            "ECN_OVERDUE_ALERT|TASK|501|20|2026-01-10",
        ])
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages.count, 6)
    }

    // Gap 2: an ASSIGNED evaluation is checked; a SUBMITTED one is not.
    func testAssignedEvaluationsAreChecked() async throws {
        try await ecn(31, "ECN-001", status: "EVALUATING")
        try await evaluation(301, ecn: 31, dept: "电气部", status: "ASSIGNED", created: "2025-12-30 08:00+08")
        try await evaluation(302, ecn: 31, dept: "工艺部", status: "SUBMITTED", created: "2025-12-30 08:00+08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        // age 10 d 1 h − 3 = 7 days: HIGH (URGENT only above 7)
        XCTAssertEqual(rows.map { $0["content"]! }, ["ECN ECN-001 的电气部评估已超时7天"])
        XCTAssertEqual(rows.map { $0["priority"]! }, ["HIGH"])
    }

    // Overdue days: just past the SLA reads 1 (minimum), an approval a few hours past due reads 1, not 0.
    func testOverdueDaysNeverReadZero() async throws {
        try await ecn(31, "ECN-001", status: "EVALUATING")
        try await evaluation(301, ecn: 31, created: "2026-01-06 08:00+08")   // 3 d 1 h
        try await ecn(32, "ECN-002", status: "PENDING_APPROVAL")
        try await approval(401, ecn: 32, level: 1, due: "2026-01-09 07:00+08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["content"]! }, [
            "ECN ECN-001 的机械部评估已超时1天",
            "ECN ECN-002 的第1级审批（项目经理）已超时1天",
        ])
    }

    // Recipients: evaluator → applicant → project PM, skipping inactive users; nobody at all is unrouted.
    func testRecipientFallbackAndUnrouted() async throws {
        try await h.exec("INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (7, 'P-7', '项目七', 30)")
        try await ecn(31, "ECN-001", status: "EVALUATING", applicant: 4)
        try await evaluation(301, ecn: 31, evaluator: nil, created: "2026-01-05 08:00+08")
        try await ecn(32, "ECN-002", status: "IN_APPROVAL", applicant: 31, project: 7)
        try await approval(401, ecn: 32, level: 1, approver: nil, due: "2026-01-08 10:00+08")
        try await ecn(33, "ECN-003", status: "APPROVED", applicant: nil)
        try await task(501, ecn: 33, assignee: 31, end: "2026-01-08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { "\($0["source_id"]!):\($0["user_id"]!)" }, ["31:4", "32:30"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 3)
        XCTAssertEqual(result?.created, 2)
        XCTAssertEqual(result?.unrouted, 1)
    }

    // General rule: ECNs of an inactive or archived project are skipped.
    func testEcnOfInactiveProjectIsSkipped() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active, is_archived) VALUES
              (8, 'P-8', '停用项目', 30, false, false), (9, 'P-9', '归档项目', 30, true, true);
            """)
        try await ecn(33, "ECN-003", status: "EXECUTING", project: 8)
        try await task(501, ecn: 33, end: "2026-01-08")
        try await ecn(34, "ECN-004", status: "EXECUTING", project: 9)
        try await task(502, ecn: 34, end: "2026-01-08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 0)
    }

    // is_overdue is recomputed both ways: a due date moved into the future clears the flag.
    func testIsOverdueIsRecomputedBothWays() async throws {
        try await ecn(32, "ECN-002", status: "IN_APPROVAL")
        try await approval(401, ecn: 32, level: 1, due: "2026-01-20 10:00+08", overdue: true)
        try await approval(402, ecn: 32, level: 2, status: "COMPLETED", due: "2025-12-20 10:00+08", overdue: false)
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let flags = try await h.rows("SELECT id, is_overdue FROM ecn_approvals ORDER BY id")
        XCTAssertEqual(flags.map { "\($0["id"]!):\($0["is_overdue"]!)" }, ["401:f", "402:f"])
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.updated, 1)
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await scenarioFixtures()
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T09:00", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T09:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 3)
    }
}
