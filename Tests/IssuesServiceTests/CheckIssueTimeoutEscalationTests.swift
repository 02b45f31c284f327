import Foundation
import IssuesService
import PMSBus
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest

/// services-issues-notifications.md, check_issue_timeout_escalation: every acceptance scenario with the target
/// expectations (OPEN / PROCESSING, ladder up to URGENT, age from GREATEST(created_at, priority_escalated_at), one
/// audit follow-up per raise), plus the LOW and NULL ladders, URGENT staying, the zone's calendar day, inactive
/// projects and redelivery. D = 2026-01-09, 01:30 Shanghai. The job has no alert rule and no recipients, so there
/// is no "rule disabled", level, auto-resolve or inactive-recipient case.
final class CheckIssueTimeoutEscalationTests: XCTestCase {
    var h: JobHarness!
    let job = CheckIssueTimeoutEscalation()
    let jobID = "check_issue_timeout_escalation"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .issues)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (7, 'u7', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (3, 'P-3', 'A线体', 7);
            """)
    }

    override func tearDown() async throws { await h.close() }

    /// `created` and `escalated` are Shanghai local times.
    func issue(_ id: Int, status: String = "OPEN", priority: String?, created: String, escalated: String? = nil,
               project: Int? = 3) async throws {
        try await h.db.execute(
            """
            INSERT INTO issues (id, issue_no, title, status, priority, project_id, assignee_id, created_at, updated_at,
                                priority_escalated_at)
            VALUES ($1, $2, $8, $3, $4, $5, 7, ($6::timestamp AT TIME ZONE 'Asia/Shanghai'),
                    ($6::timestamp AT TIME ZONE 'Asia/Shanghai'), ($7::timestamp AT TIME ZONE 'Asia/Shanghai'))
            """, [id, "IS\(id)", status, priority, project, created, escalated, "问题\(id)"])
    }

    /// "id:priority:escalated_at:updated_at" (Shanghai local, minutes), by id.
    func issues() async throws -> [String] {
        try await h.rows("""
            SELECT id, coalesce(priority, 'NULL') AS priority,
                   coalesce(to_char(priority_escalated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), '-') AS esc,
                   to_char(updated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS upd
              FROM issues ORDER BY id
            """).map { "\($0["id"]!):\($0["priority"]!):\($0["esc"]!):\($0["upd"]!)" }
    }

    func followUps() async throws -> [PostgresRow] {
        try await h.rows("""
            SELECT issue_id, follow_up_type, content, operator_id, operator_name, old_status, new_status,
                   to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS created
              FROM issue_follow_up_records ORDER BY id
            """)
    }

    func detail(_ result: RunResult?, _ key: String) -> Double? {
        if case .number(let n)? = result?.details?[key] { return n }
        return nil
    }

    // Scenario 1: OPEN MEDIUM created D−8 12:00 → HIGH at D 01:30 with one follow-up (operator NULL, 系统).
    func testScenario1MediumOverSevenDaysBecomesHigh() async throws {
        try await issue(401, priority: "MEDIUM", created: "2026-01-01 12:00")
        let outcome = await h.run(job, at: "2026-01-09T01:30")
        XCTAssertSucceeded(outcome)
        let rows = try await issues()
        XCTAssertEqual(rows, ["401:HIGH:2026-01-09 01:30:2026-01-09 01:30"])
        let follow = try await followUps()
        XCTAssertEqual(follow.count, 1)
        let f = try XCTUnwrap(follow.first)
        XCTAssertEqual(f["issue_id"], "401")
        XCTAssertEqual(f["follow_up_type"], "STATUS_CHANGE")
        XCTAssertEqual(f["content"], "问题超时自动升级优先级至 HIGH")
        // DATA-MODEL §8.14: operator_id NULL on rows written by jobs (the spec's "system user 1" is not used)
        XCTAssertNil(f["operator_id"])
        XCTAssertEqual(f["operator_name"], "系统")
        XCTAssertEqual(f["old_status"], "OPEN")
        XCTAssertEqual(f["new_status"], "OPEN")
        XCTAssertEqual(f["created"], "2026-01-09 01:30")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(detail(result, "checked_count"), 1)
        XCTAssertEqual(detail(result, "escalated_count"), 1)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.created, 1)
        let sideEffects = try await h.count(
            "SELECT 1 FROM notifications UNION ALL SELECT 1 FROM alert_records UNION ALL SELECT 1 FROM outbox WHERE topic NOT LIKE 'pms/v1/run/%'")
        XCTAssertEqual(sideEffects, 0, "no alert, no notification")
    }

    // Scenario 2: created D−7 08:00 → age 7, not > 7: nothing changes.
    func testScenario2AtTheThresholdNothingChanges() async throws {
        try await issue(402, priority: "MEDIUM", created: "2026-01-02 08:00")
        let outcome = await h.run(job, at: "2026-01-09T01:30")
        XCTAssertSucceeded(outcome)
        let rows = try await issues()
        XCTAssertEqual(rows, ["402:MEDIUM:-:2026-01-02 08:00"])
        let follow = try await h.count("SELECT 1 FROM issue_follow_up_records")
        XCTAssertEqual(follow, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(detail(result, "checked_count"), 1)
        XCTAssertEqual(detail(result, "escalated_count"), 0)
    }

    // Scenario 3 (target): PROCESSING HIGH created D−4 → URGENT (original: not examined; 'CRITICAL' if OPEN).
    func testScenario3ProcessingHighBecomesUrgent() async throws {
        try await issue(403, status: "PROCESSING", priority: "HIGH", created: "2026-01-05 09:00")
        let outcome = await h.run(job, at: "2026-01-09T01:30")
        XCTAssertSucceeded(outcome)
        let rows = try await issues()
        XCTAssertEqual(rows, ["403:URGENT:2026-01-09 01:30:2026-01-09 01:30"])
        let follow = try await followUps()
        XCTAssertEqual(follow.map { $0["content"]! }, ["问题超时自动升级优先级至 URGENT"])
        XCTAssertEqual(follow.map { "\($0["old_status"]!)>\($0["new_status"]!)" }, ["PROCESSING>PROCESSING"])
    }

    // Scenario 4 (target): no cascade. After scenario 1, D+1 keeps HIGH (age 1), D+3 too (age 3), D+4 → URGENT
    // (original: 'CRITICAL' at D+1). URGENT then never changes.
    func testScenario4NoCascade() async throws {
        try await issue(401, priority: "MEDIUM", created: "2026-01-01 12:00")
        let d = await h.run(job, at: "2026-01-09T01:30")
        XCTAssertSucceeded(d)
        for day in ["2026-01-10", "2026-01-11", "2026-01-12"] {
            let run = await h.run(job, at: "\(day)T01:30")
            XCTAssertSucceeded(run)
            let rows = try await issues()
            XCTAssertEqual(rows, ["401:HIGH:2026-01-09 01:30:2026-01-09 01:30"], day)
        }
        let d4 = await h.run(job, at: "2026-01-13T01:30")
        XCTAssertSucceeded(d4)
        let rows = try await issues()
        XCTAssertEqual(rows, ["401:URGENT:2026-01-13 01:30:2026-01-13 01:30"])
        let later = await h.run(job, at: "2026-02-20T01:30")
        XCTAssertSucceeded(later)
        let top = try await issues()
        XCTAssertEqual(top, ["401:URGENT:2026-01-13 01:30:2026-01-13 01:30"])
        let follow = try await followUps()
        XCTAssertEqual(follow.map { $0["content"]! }, ["问题超时自动升级优先级至 HIGH", "问题超时自动升级优先级至 URGENT"])
        XCTAssertEqual(follow.map { $0["created"]! }, ["2026-01-09 01:30", "2026-01-13 01:30"])
    }

    // Scenario 5: raised by check_timeout_issues at D 01:00 (created D−40, now MEDIUM) → age 0: nothing changes.
    func testScenario5SameNightOverlapIsSkipped() async throws {
        try await issue(404, priority: "MEDIUM", created: "2025-11-30 10:00", escalated: "2026-01-09 01:00")
        let outcome = await h.run(job, at: "2026-01-09T01:30")
        XCTAssertSucceeded(outcome)
        let rows = try await issues()
        XCTAssertEqual(rows, ["404:MEDIUM:2026-01-09 01:00:2025-11-30 10:00"])
        let follow = try await h.count("SELECT 1 FROM issue_follow_up_records")
        XCTAssertEqual(follow, 0)
    }

    // Ladder: LOW over 14 → MEDIUM; LOW at 14 stays; NULL over 7 reads MEDIUM → HIGH; URGENT never changes;
    // closed statuses are not examined.
    func testLadderNullAndUrgent() async throws {
        try await issue(501, priority: "LOW", created: "2025-12-25 10:00")      // age 15
        try await issue(502, priority: "LOW", created: "2025-12-26 10:00")      // age 14
        try await issue(503, priority: nil, created: "2025-12-31 10:00")        // age 9, read as MEDIUM
        try await issue(504, priority: "URGENT", created: "2025-10-01 10:00")
        try await issue(505, status: "RESOLVED", priority: "LOW", created: "2025-10-01 10:00")
        try await issue(506, status: "CLOSED", priority: "HIGH", created: "2025-10-01 10:00")
        try await issue(507, status: "DEFERRED", priority: "MEDIUM", created: "2025-10-01 10:00")
        let outcome = await h.run(job, at: "2026-01-09T01:30")
        XCTAssertSucceeded(outcome)
        let rows = try await issues()
        XCTAssertEqual(rows, [
            "501:MEDIUM:2026-01-09 01:30:2026-01-09 01:30",
            "502:LOW:-:2025-12-26 10:00",
            "503:HIGH:2026-01-09 01:30:2026-01-09 01:30",
            "504:URGENT:-:2025-10-01 10:00",
            "505:LOW:-:2025-10-01 10:00",
            "506:HIGH:-:2025-10-01 10:00",
            "507:MEDIUM:-:2025-10-01 10:00",
        ])
        let follow = try await followUps()
        XCTAssertEqual(follow.map { "\($0["issue_id"]!):\($0["content"]!)" }, [
            "501:问题超时自动升级优先级至 MEDIUM", "503:问题超时自动升级优先级至 HIGH",
        ])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(detail(result, "checked_count"), 4)
        XCTAssertEqual(detail(result, "escalated_count"), 2)
    }

    // Age counts calendar days in the configured zone: created D−4 00:30 Shanghai (D−5 16:30 UTC) is age 4.
    func testAgeUsesTheZonesCalendarDay() async throws {
        try await issue(601, priority: "HIGH", created: "2026-01-05 00:30")    // age 4 > 3
        try await issue(602, priority: "HIGH", created: "2026-01-06 00:10")    // age 3
        let outcome = await h.run(job, at: "2026-01-09T01:30")
        XCTAssertSucceeded(outcome)
        let rows = try await issues()
        XCTAssertEqual(rows.map { String($0.prefix(10)) }, ["601:URGENT", "602:HIGH:-"])
    }

    // General rule: issues of inactive or archived projects are skipped.
    func testIssuesOfInactiveOrArchivedProjectsAreSkipped() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active, is_archived) VALUES
              (8, 'P-8', '停用项目', 7, false, false), (9, 'P-9', '归档项目', 7, true, true);
            """)
        try await issue(701, priority: "MEDIUM", created: "2025-12-01 10:00", project: 8)
        try await issue(702, priority: "MEDIUM", created: "2025-12-01 10:00", project: 9)
        try await issue(703, priority: "MEDIUM", created: "2025-12-01 10:00", project: nil)
        let outcome = await h.run(job, at: "2026-01-09T01:30")
        XCTAssertSucceeded(outcome)
        let rows = try await issues()
        XCTAssertEqual(rows.map { String($0.prefix(8)) }, ["701:MEDI", "702:MEDI", "703:HIGH"])
    }

    // Idempotency: a re-run the same night changes nothing; a redelivered tick (same run id) runs once.
    func testRerunAndRedeliveryChangeNothing() async throws {
        try await issue(401, priority: "MEDIUM", created: "2026-01-01 12:00")
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T01:30", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T01:30", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let rerun = await h.run(job, at: "2026-01-09T02:30")
        XCTAssertSucceeded(rerun)
        let rows = try await issues()
        XCTAssertEqual(rows, ["401:HIGH:2026-01-09 01:30:2026-01-09 01:30"])
        let follow = try await h.count("SELECT 1 FROM issue_follow_up_records")
        XCTAssertEqual(follow, 1)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(detail(result, "escalated_count"), 0)
    }

    // Configured limits are used instead of the defaults.
    func testConfiguredLimits() async throws {
        try await issue(801, priority: "MEDIUM", created: "2026-01-05 10:00")   // age 4
        let outcome = await h.run(CheckIssueTimeoutEscalation(limits: .init(low: 10, medium: 3, high: 2)),
                                  at: "2026-01-09T01:30")
        XCTAssertSucceeded(outcome)
        let rows = try await issues()
        XCTAssertEqual(rows, ["801:HIGH:2026-01-09 01:30:2026-01-09 01:30"])
    }
}
