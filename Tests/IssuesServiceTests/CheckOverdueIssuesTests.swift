import Foundation
import IssuesService
import PMSBus
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest

/// services-issues-notifications.md, check_overdue_issues: every acceptance scenario with the target expectations
/// (notification-only, daily dedup through `ISSUE_OVERDUE|ISSUE|<issue>|<user>|<D>`), plus inactive recipients and
/// the assignee → PM fall-through, notification preferences, inactive / archived projects, title truncation and
/// redelivery. D = 2026-01-09, 10:00 Shanghai. No alert rule (DECISIONS "Issue overdue reminders"), so there is no
/// "rule disabled", level or auto-resolve case.
final class CheckOverdueIssuesTests: XCTestCase {
    var h: JobHarness!
    let job = CheckOverdueIssues()
    let jobID = "check_overdue_issues"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .issues)
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (7, 'u7', '处理人', true), (9, 'pm9', '项目经理', true), (11, 'u11', '处理人二', true),
              (31, 'off31', '离职', false), (32, 'off32', '离职二', false);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (3, 'P-3', 'A线体', 9);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func issue(_ id: Int, no: String? = nil, title: String = "夹爪气缸漏气", status: String = "OPEN",
               due: String? = "2026-01-08", assignee: Int? = 7, project: Int? = 3) async throws {
        try await h.db.execute(
            """
            INSERT INTO issues (id, issue_no, title, status, due_date, assignee_id, project_id)
            VALUES ($1, $2, $3, $4, $5::date, $6, $7)
            """, [id, no ?? "IS20260101\(id)", title, status, due, assignee, project])
    }

    func detail(_ result: RunResult?, _ key: String) -> Double? {
        if case .number(let n)? = result?.details?[key] { return n }
        return nil
    }

    // Scenario 1: issue 101 due D−1, assignee 7, project 3 (PM 9) → exactly two rows; overdue 1, notified 1.
    func testScenario1AssigneeAndPMAreReminded() async throws {
        try await issue(101, no: "IS20260101001")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows.map { $0["user_id"]! }, ["7", "9"])
        XCTAssertEqual(rows[0]["title"], "问题已逾期：夹爪气缸漏气")
        XCTAssertEqual(rows[0]["content"], "问题 IS20260101001 已逾期，要求完成日期：2026-01-08")
        XCTAssertEqual(rows[0]["dedupe_key"], "ISSUE_OVERDUE|ISSUE|101|7|2026-01-09")
        XCTAssertEqual(rows[1]["title"], "项目问题已逾期：夹爪气缸漏气")
        XCTAssertEqual(rows[1]["content"], "项目 A线体 的问题 IS20260101001 已逾期")
        XCTAssertEqual(rows[1]["dedupe_key"], "ISSUE_OVERDUE|ISSUE|101|9|2026-01-09")
        for n in rows {
            XCTAssertEqual(n["notification_type"], "ISSUE_OVERDUE")
            XCTAssertEqual(n["source_type"], "ISSUE")
            XCTAssertEqual(n["source_id"], "101")
            XCTAssertEqual(n["link_url"], "/issues/101")
            XCTAssertEqual(n["priority"], "HIGH")
            XCTAssertEqual(n["is_read"], "f")
            XCTAssertEqual(n["extra"], "{}")
            XCTAssertEqual(n["created"], "2026-01-09 10:00")
        }
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["issues pms/v1/inbox/7", "issues pms/v1/inbox/9"])
        let payload = try await h.rows(
            "SELECT payload->>'title' AS title, payload->>'content' AS content FROM outbox WHERE topic = 'pms/v1/inbox/9'")
        XCTAssertEqual(payload.first?["title"], "项目问题已逾期：夹爪气缸漏气")
        XCTAssertEqual(payload.first?["content"], "项目 A线体 的问题 IS20260101001 已逾期")
        let alerts = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(alerts, 0, "notification-only: no alert record")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(detail(result, "overdue_count"), 1)
        XCTAssertEqual(detail(result, "notified_count"), 1)
        XCTAssertEqual(detail(result, "unassigned_count"), 0)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 2)
        XCTAssertEqual(result?.notified, 2)
        XCTAssertEqual(result?.unrouted, 0)
    }

    // Scenario 2: due on D, no due date, and RESOLVED / CLOSED / DELETED (also CANCELLED, DEFERRED) due D−5 → nothing.
    func testScenario2NothingOverdue() async throws {
        try await issue(201, due: "2026-01-09")
        try await issue(202, due: nil)
        for (n, status) in ["RESOLVED", "CLOSED", "DELETED", "CANCELLED", "DEFERRED"].enumerated() {
            try await issue(210 + n, status: status, due: "2026-01-04")
        }
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 0)
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, [])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(detail(result, "overdue_count"), 0)
        XCTAssertEqual(result?.checked, 0)
    }

    // A PROCESSING issue is overdue too.
    func testProcessingIssueIsOverdue() async throws {
        try await issue(105, status: "PROCESSING", due: "2026-01-01")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["user_id"]! }, ["7", "9"])
        XCTAssertEqual(rows.first?["content"], "问题 IS20260101105 已逾期，要求完成日期：2026-01-01")
    }

    // Scenario 3: the PM is the assignee → only the assignee row for user 9.
    func testScenario3PMIsTheAssignee() async throws {
        try await issue(102, assignee: 9)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?["user_id"], "9")
        XCTAssertEqual(rows.first?["title"], "问题已逾期：夹爪气缸漏气")
        XCTAssertEqual(rows.first?["content"], "问题 IS20260101102 已逾期，要求完成日期：2026-01-08")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(detail(result, "notified_count"), 1)
    }

    // Scenario 4 (target): a re-run at 11:00 writes nothing (the original writes two more rows); at D+1 00:00 the
    // still-open issue gets a new pair.
    func testScenario4RerunSameDayNothingNextDayNewPair() async throws {
        try await issue(101, no: "IS20260101001")
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        let again = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(again)
        let sameDay = try await h.notifications()
        XCTAssertEqual(sameDay.count, 2)
        let messagesSameDay = try await h.inboxMessages()
        XCTAssertEqual(messagesSameDay.count, 2)
        let rerun = try await h.lastResult(jobID)
        XCTAssertEqual(rerun?.created, 0)
        XCTAssertEqual(rerun?.skipped, 2)
        XCTAssertEqual(detail(rerun, "overdue_count"), 1)
        XCTAssertEqual(detail(rerun, "notified_count"), 0)
        let late = await h.run(job, at: "2026-01-09T23:00")
        XCTAssertSucceeded(late)
        let stillTwo = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(stillTwo, 2)
        let next = await h.run(job, at: "2026-01-10T00:00")
        XCTAssertSucceeded(next)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 4)
        XCTAssertEqual(Array(rows.suffix(2)).map { $0["dedupe_key"]! }, [
            "ISSUE_OVERDUE|ISSUE|101|7|2026-01-10", "ISSUE_OVERDUE|ISSUE|101|9|2026-01-10",
        ])
        XCTAssertEqual(Array(rows.suffix(2)).map { $0["created"]! }, ["2026-01-10 00:00", "2026-01-10 00:00"])
        XCTAssertEqual(rows[2]["content"], "问题 IS20260101001 已逾期，要求完成日期：2026-01-08")
        let nextResult = try await h.lastResult(jobID)
        XCTAssertEqual(detail(nextResult, "notified_count"), 1)
    }

    // Scenario 5: no assignee and no project → nothing written, overdue 1, notified 0; counted and unrouted.
    func testScenario5NoOneToNotify() async throws {
        try await issue(103, assignee: nil, project: nil)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(detail(result, "overdue_count"), 1)
        XCTAssertEqual(detail(result, "notified_count"), 0)
        XCTAssertEqual(detail(result, "unassigned_count"), 1)
        XCTAssertEqual(result?.unrouted, 1)
    }

    // Inactive recipients: an inactive assignee gets nothing and the issue falls through to the PM (who gets the
    // PM row); an inactive assignee on a project without an active PM is unrouted; a project with an inactive PM
    // leaves the assignee row only. Nobody (user 1 included) is a silent fallback.
    func testInactiveRecipientsFallThroughOrAreUnrouted() async throws {
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (4, 'P-4', 'B线体', 32);
            """)
        try await issue(301, assignee: 31, project: 3)
        try await issue(302, assignee: 31, project: 4)
        try await issue(303, assignee: 11, project: 4)
        try await issue(304, assignee: 31, project: nil)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { "\($0["source_id"]!):\($0["user_id"]!)" }, ["301:9", "303:11"])
        XCTAssertEqual(rows.map { $0["title"]! }, ["项目问题已逾期：夹爪气缸漏气", "问题已逾期：夹爪气缸漏气"])
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["issues pms/v1/inbox/9", "issues pms/v1/inbox/11"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 4)
        XCTAssertEqual(result?.unrouted, 2)
        XCTAssertEqual(detail(result, "notified_count"), 1)
        XCTAssertEqual(detail(result, "unassigned_count"), 0)
    }

    // Target (recommended): system_enabled = false or issue_notifications = false skips that user; no row = allowed.
    func testNotificationPreferencesAreHonoured() async throws {
        try await h.exec("""
            INSERT INTO notification_settings (user_id, system_enabled, issue_notifications) VALUES
              (7, true, false), (11, true, true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-5', 'C线体', 11);
            """)
        try await issue(401, assignee: 7, project: 3)    // assignee opted out of issue notifications; PM 9 no row
        try await issue(402, assignee: 9, project: 5)    // assignee 9 no row; PM 11 allows
        try await h.exec("UPDATE notification_settings SET system_enabled = false WHERE user_id = 11")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { "\($0["source_id"]!):\($0["user_id"]!)" }, ["401:9", "402:9"])
        XCTAssertEqual(rows.map { $0["title"]! }, ["项目问题已逾期：夹爪气缸漏气", "问题已逾期：夹爪气缸漏气"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(detail(result, "opted_out"), 2)
        XCTAssertEqual(result?.unrouted, 0)
    }

    // General rule: issues of an inactive or archived project are skipped.
    func testIssuesOfInactiveOrArchivedProjectsAreSkipped() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active, is_archived) VALUES
              (8, 'P-8', '停用项目', 9, false, false), (9, 'P-9', '归档项目', 9, true, true);
            """)
        try await issue(501, project: 8)
        try await issue(502, project: 9)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(detail(result, "overdue_count"), 0)
    }

    // Text length: a composed title is truncated to 200 characters (the original's insert fails).
    func testLongTitleIsTruncatedTo200Characters() async throws {
        let long = String(repeating: "长", count: 199)
        try await issue(601, title: long)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["title"]!.count }, [200, 200])
        XCTAssertEqual(rows.first?["title"], "问题已逾期：" + String(repeating: "长", count: 194))
    }

    // The business day is Shanghai's: at 00:30 on D (16:30 UTC of D−1) an issue due D−1 is overdue and keyed D.
    func testBusinessDayIsTheConfiguredZone() async throws {
        try await issue(701, due: "2026-01-08", assignee: 7, project: nil)
        let outcome = await h.run(job, at: "2026-01-09T00:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["dedupe_key"]! }, ["ISSUE_OVERDUE|ISSUE|701|7|2026-01-09"])
    }

    // A redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await issue(101, no: "IS20260101001")
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T10:00", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T10:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 2)
    }
}
