import Foundation
import IssuesService
import PMSBus
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest

/// services-issues-notifications.md, check_timeout_issues: every acceptance scenario with the target
/// expectations (the original fails on every run with UnboundLocalError and writes nothing), plus the activity
/// reference (follow-up rows, last_follow_up_at, priority_escalated_at), the 7-day boundary, the ladder, the
/// project scope, re-run and redelivery, and the hand-off with check_issue_timeout_escalation.
/// D = 2026-01-09, the job runs at 01:00 Shanghai. The job has no alert rule and no recipients, so there is no
/// "rule disabled", level-raise, auto-resolve or inactive-recipient case.
/// Follow-up `operator_id` is NULL (DATA-MODEL §8.14 overrides the spec's "system user 1").
final class CheckTimeoutIssuesTests: XCTestCase {
    var h: JobHarness!
    let job = CheckTimeoutIssues()
    let jobID = "check_timeout_issues"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .issues)
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES (5, 'eng5', '工程师', true);
            INSERT INTO projects (id, project_code, project_name, is_active, is_archived) VALUES
              (1, 'P-1', '项目一', true, false), (2, 'P-2', '项目二', true, true), (3, 'P-3', '项目三', false, false);
            """)
    }

    override func tearDown() async throws { await h.close() }

    /// Times are Shanghai local ("2025-12-20 09:00"); `updated_at` starts at created.
    func issue(_ id: Int, status: String = "OPEN", priority: String?, created: String, lastFollowUp: String? = nil,
               escalated: String? = nil, project: Int? = 1) async throws {
        try await h.db.execute(
            """
            INSERT INTO issues (id, issue_no, title, priority, status, project_id, last_follow_up_at,
                                priority_escalated_at, created_at, updated_at)
            VALUES ($1::bigint, 'IS' || $1::bigint, '问题' || $1::bigint, $2, $3, $4,
                    ($5::timestamp AT TIME ZONE 'Asia/Shanghai'), ($6::timestamp AT TIME ZONE 'Asia/Shanghai'),
                    ($7::timestamp AT TIME ZONE 'Asia/Shanghai'), ($7::timestamp AT TIME ZONE 'Asia/Shanghai'))
            """, [id, priority, status, project, lastFollowUp, escalated, created])
    }

    func followUp(_ issue: Int, type: String = "COMMENT", at local: String) async throws {
        try await h.db.execute(
            """
            INSERT INTO issue_follow_up_records (issue_id, follow_up_type, content, operator_id, operator_name, created_at)
            VALUES ($1, $2, '跟进', 5, '工程师', ($3::timestamp AT TIME ZONE 'Asia/Shanghai'))
            """, [issue, type, local])
    }

    /// "priority escalated_at updated_at" of an issue, times in Shanghai ("-" for NULL).
    func state(_ id: Int) async throws -> String? {
        try await h.rows("""
            SELECT coalesce(priority, '-') || ' ' ||
                   coalesce(to_char(priority_escalated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), '-') || ' ' ||
                   to_char(updated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS v
              FROM issues WHERE id = $1
            """, [id]).first?["v"]
    }

    /// The follow-ups written by the job (operator_name 系统), in insertion order, every column.
    func systemFollowUps() async throws -> [String] {
        try await h.rows("""
            SELECT issue_id || '|' || follow_up_type || '|' || content || '|' || coalesce(operator_id::text, 'NULL') || '|'
                   || operator_name || '|' || old_status || '|' || new_status || '|'
                   || to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS v
              FROM issue_follow_up_records WHERE operator_name = '系统' ORDER BY id
            """).map { $0["v"]! }
    }

    func details(_ result: RunResult?) -> [String] {
        ["timeout_count", "upgraded_count"].map { key in
            if case .number(let n)? = result?.details?[key] { return "\(key)=\(Int(n))" }
            return "\(key)=?"
        }
    }

    /// Scenario 1's issue 301: OPEN LOW, created D-20 09:00, last follow-up D-10 10:00 (column and row).
    func seedIssue301() async throws {
        try await issue(301, priority: "LOW", created: "2025-12-20 09:00", lastFollowUp: "2025-12-30 10:00")
        try await followUp(301, at: "2025-12-30 10:00")
    }

    // Scenario 1: escalates after 7 days of inactivity (original: UnboundLocalError, nothing changes).
    func testScenario1EscalatesAfterSevenDaysOfInactivity() async throws {
        try await seedIssue301()
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let s = try await state(301)
        XCTAssertEqual(s, "MEDIUM 2026-01-09 01:00 2026-01-09 01:00")
        let logs = try await systemFollowUps()
        XCTAssertEqual(logs, ["301|STATUS_CHANGE|问题超时自动升级优先级至 MEDIUM|NULL|系统|OPEN|OPEN|2026-01-09 01:00"])
        // last_follow_up_at still shows the human activity
        let last = try await h.rows(
            "SELECT to_char(last_follow_up_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS v FROM issues WHERE id = 301")
        XCTAssertEqual(last.first?["v"], "2025-12-30 10:00")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(details(result), ["timeout_count=1", "upgraded_count=1"])
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.created, 1)
        // no alert, no notification
        let published = try await h.count("SELECT 1 FROM outbox WHERE topic LIKE 'pms/v1/alert/%' OR topic LIKE 'pms/v1/inbox/%'")
        XCTAssertEqual(published, 0)
        let notifications = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(notifications, 0)
    }

    // Scenario 2: a new issue (created D-3, no follow-ups) is measured from created_at: nothing changes
    // (the original, as written, would select it because last_follow_up_at is NULL).
    func testScenario2NewIssueIsNotTimedOut() async throws {
        try await issue(302, priority: "MEDIUM", created: "2026-01-06 10:00")
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let s = try await state(302)
        XCTAssertEqual(s, "MEDIUM - 2026-01-06 10:00")
        let logs = try await systemFollowUps()
        XCTAssertEqual(logs, [])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(details(result), ["timeout_count=0", "upgraded_count=0"])
    }

    // Scenario 3: an URGENT issue (and a NULL priority) is counted but gets no update and no follow-up.
    func testScenario3UrgentAndNullPriorityAreOnlyCounted() async throws {
        try await issue(303, status: "PROCESSING", priority: "URGENT", created: "2025-12-10 09:00")
        try await issue(304, status: "OPEN", priority: nil, created: "2025-12-10 09:00")
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let s303 = try await state(303)
        let s304 = try await state(304)
        XCTAssertEqual(s303, "URGENT - 2025-12-10 09:00")
        XCTAssertEqual(s304, "- - 2025-12-10 09:00")
        let logs = try await systemFollowUps()
        XCTAssertEqual(logs, [])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(details(result), ["timeout_count=2", "upgraded_count=0"])
        XCTAssertEqual(result?.skipped, 2)
    }

    // Scenario 4: after scenario 1, a redelivered tick and a re-run the same night change nothing; D+1 and
    // D+7 01:00 (exactly 7 days: not "<") change nothing; D+8 01:00 raises it to HIGH.
    func testScenario4RerunRedeliveryAndNextStep() async throws {
        try await seedIssue301()
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T01:00", runID: runID)
        XCTAssertSucceeded(first)
        let redelivered = await h.run(job, at: "2026-01-09T01:00", runID: runID)
        XCTAssertEqual(redelivered, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/check_timeout_issues/succeeded'")
        XCTAssertEqual(succeeded, 1)

        for at in ["2026-01-09T01:00", "2026-01-10T01:00", "2026-01-16T01:00"] {
            let outcome = await h.run(job, at: at)
            XCTAssertSucceeded(outcome)
            let s = try await state(301)
            XCTAssertEqual(s, "MEDIUM 2026-01-09 01:00 2026-01-09 01:00", at)
            let result = try await h.lastResult(jobID)
            XCTAssertEqual(details(result), ["timeout_count=0", "upgraded_count=0"], at)
        }

        let eighth = await h.run(job, at: "2026-01-17T01:00")
        XCTAssertSucceeded(eighth)
        let s = try await state(301)
        XCTAssertEqual(s, "HIGH 2026-01-17 01:00 2026-01-17 01:00")
        let logs = try await systemFollowUps()
        XCTAssertEqual(logs, [
            "301|STATUS_CHANGE|问题超时自动升级优先级至 MEDIUM|NULL|系统|OPEN|OPEN|2026-01-09 01:00",
            "301|STATUS_CHANGE|问题超时自动升级优先级至 HIGH|NULL|系统|OPEN|OPEN|2026-01-17 01:00",
        ])
    }

    // Scenario 5: closed-out statuses are never touched, however long inactive.
    func testScenario5ResolvedAndOtherStatusesAreLeftAlone() async throws {
        try await issue(305, status: "RESOLVED", priority: "LOW", created: "2025-11-10 09:00")
        for (id, status) in [(306, "CLOSED"), (307, "DEFERRED"), (308, "CANCELLED"), (309, "DELETED")] {
            try await issue(id, status: status, priority: "LOW", created: "2025-11-10 09:00")
        }
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let changed = try await h.count("SELECT 1 FROM issues WHERE priority <> 'LOW' OR priority_escalated_at IS NOT NULL")
        XCTAssertEqual(changed, 0)
        let logs = try await systemFollowUps()
        XCTAssertEqual(logs, [])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(details(result), ["timeout_count=0", "upgraded_count=0"])
    }

    // Target rule 1: any follow-up row counts as activity (the assign / resolve / status-change API paths do not
    // move last_follow_up_at), as does a recent last_follow_up_at.
    func testFollowUpRowsAndLastFollowUpAreActivity() async throws {
        try await issue(310, priority: "LOW", created: "2025-11-01 09:00", lastFollowUp: "2025-11-05 09:00")
        try await followUp(310, type: "ASSIGNMENT", at: "2026-01-07 15:00")
        try await issue(311, priority: "LOW", created: "2025-11-01 09:00", lastFollowUp: "2026-01-06 09:00")
        try await issue(312, priority: "LOW", created: "2025-11-01 09:00", lastFollowUp: "2025-11-05 09:00")
        try await followUp(312, type: "ASSIGNMENT", at: "2025-12-01 15:00")
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let s310 = try await state(310)
        let s311 = try await state(311)
        let s312 = try await state(312)
        XCTAssertEqual(s310, "LOW - 2025-11-01 09:00")
        XCTAssertEqual(s311, "LOW - 2025-11-01 09:00")
        XCTAssertEqual(s312, "MEDIUM 2026-01-09 01:00 2026-01-09 01:00")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(details(result), ["timeout_count=1", "upgraded_count=1"])
    }

    // The 7-day boundary: activity exactly 7 days before now is not timed out, one second earlier is.
    func testSevenDayBoundary() async throws {
        try await issue(320, priority: "MEDIUM", created: "2026-01-02 01:00")
        try await issue(321, priority: "MEDIUM", created: "2026-01-02 00:59:59")
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let s320 = try await state(320)
        let s321 = try await state(321)
        XCTAssertEqual(s320, "MEDIUM - 2026-01-02 01:00")
        XCTAssertEqual(s321, "HIGH 2026-01-09 01:00 2026-01-09 01:00")
    }

    // The ladder: one step per run for LOW, MEDIUM and HIGH; PROCESSING keeps its status in the follow-up.
    func testLadderRaisesOneStepEach() async throws {
        try await issue(331, priority: "LOW", created: "2025-12-01 09:00")
        try await issue(332, priority: "MEDIUM", created: "2025-12-01 09:00")
        try await issue(333, status: "PROCESSING", priority: "HIGH", created: "2025-12-01 09:00")
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let priorities = try await h.rows("SELECT id, priority FROM issues ORDER BY id").map { "\($0["id"]!) \($0["priority"]!)" }
        XCTAssertEqual(priorities, ["331 MEDIUM", "332 HIGH", "333 URGENT"])
        let logs = try await systemFollowUps()
        XCTAssertEqual(logs, [
            "331|STATUS_CHANGE|问题超时自动升级优先级至 MEDIUM|NULL|系统|OPEN|OPEN|2026-01-09 01:00",
            "332|STATUS_CHANGE|问题超时自动升级优先级至 HIGH|NULL|系统|OPEN|OPEN|2026-01-09 01:00",
            "333|STATUS_CHANGE|问题超时自动升级优先级至 URGENT|NULL|系统|PROCESSING|PROCESSING|2026-01-09 01:00",
        ])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(details(result), ["timeout_count=3", "upgraded_count=3"])
    }

    // General rule: issues of inactive or archived projects are skipped; an issue without a project is in scope.
    func testProjectScope() async throws {
        try await issue(341, priority: "LOW", created: "2025-12-01 09:00", project: 2)
        try await issue(342, priority: "LOW", created: "2025-12-01 09:00", project: 3)
        try await issue(343, priority: "LOW", created: "2025-12-01 09:00", project: nil)
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let priorities = try await h.rows("SELECT id, priority FROM issues ORDER BY id").map { "\($0["id"]!) \($0["priority"]!)" }
        XCTAssertEqual(priorities, ["341 LOW", "342 LOW", "343 MEDIUM"])
    }

    // Hand-off with check_issue_timeout_escalation: a raise by the 01:30 job (priority_escalated_at, with or
    // without its audit row) restarts this job's 7-day clock, so the two never stack a second step; and an issue
    // raised here carries priority_escalated_at = D 01:00, which makes its age 0 for the 01:30 job (its scenario 5).
    func testAutomaticRaiseByTheOtherJobRestartsTheClock() async throws {
        try await issue(351, priority: "HIGH", created: "2025-11-30 09:00", escalated: "2026-01-08 01:30")
        try await issue(352, priority: "HIGH", created: "2025-11-30 09:00", escalated: "2026-01-01 01:30")
        try await issue(404, priority: "LOW", created: "2025-11-30 09:00")
        let outcome = await h.run(job, at: "2026-01-09T01:00")
        XCTAssertSucceeded(outcome)
        let s351 = try await state(351)
        let s352 = try await state(352)
        let s404 = try await state(404)
        XCTAssertEqual(s351, "HIGH 2026-01-08 01:30 2025-11-30 09:00")
        XCTAssertEqual(s352, "URGENT 2026-01-09 01:00 2026-01-09 01:00")
        XCTAssertEqual(s404, "MEDIUM 2026-01-09 01:00 2026-01-09 01:00")
        // A late run the same night (e.g. a manual trigger at 02:00) does not raise again.
        let late = await h.run(job, at: "2026-01-09T02:00")
        XCTAssertSucceeded(late)
        let again = try await h.count("SELECT 1 FROM issue_follow_up_records WHERE operator_name = '系统'")
        XCTAssertEqual(again, 2)
    }
}
