import Foundation
import IssuesService
import PMSBus
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest

/// services-issues-notifications.md, check_blocking_issues: every acceptance scenario (target behaviour as
/// settled by DECISIONS.md and DATA-MODEL.md), plus re-runs, redelivery, level rise, auto-resolve, the
/// disabled rule and inactive recipients. D = 2026-01-09 (Asia/Shanghai), runs at :05.
///
/// Health (scenarios 1 and 5): DECISIONS "check_blocking_issues and health" and DATA-MODEL §9.2 move the
/// health change to the next calculate_project_health run (progress domain, HEALTH_AUTO_CALCULATED). This target
/// does not depend on ProgressService, so the tests assert instead that this job leaves `projects.health` and
/// `project_status_logs` untouched.
final class CheckBlockingIssuesTests: XCTestCase {
    var h: JobHarness!
    let job = CheckBlockingIssues()

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .issues)
        // User 7 is the active PM of project 3; user 9 is inactive (PM of project 4).
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES (7, 'pm7', '张经理', true), (9, 'gone9', '离职', false);
            INSERT INTO projects (id, project_code, project_name, status, health, pm_id) VALUES
              (3, 'P-003', '装配线', 'ST08', 'H1', 7), (4, 'P-004', '焊接线', 'ST08', 'H1', 9);
            INSERT INTO machines (id, project_id, machine_code, machine_name) VALUES (12, 3, 'M-12', '一号机');
            """)
    }

    override func tearDown() async throws { await h.close() }

    func insertIssue(id: Int, no: String, title: String = "PLC通讯中断", blocking: Bool = true,
                     status: String = "PROCESSING", severity: String? = "MAJOR", type: String? = "BLOCKER",
                     project: Int? = 3, machine: Int? = nil, priority: String? = "HIGH",
                     scope: String? = nil, level: String? = nil) async throws {
        try await h.db.execute(
            """
            INSERT INTO issues (id, issue_no, title, is_blocking, status, severity, issue_type, project_id, machine_id,
                                priority, impact_scope, impact_level)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """, [id, no, title, blocking, status, severity, type, project, machine, priority, scope, level])
    }

    static let keys = ["alert_no", "target_type", "target_id", "target_no", "target_name", "project_id", "machine_id",
                       "alert_level", "alert_title", "alert_content", "alert_data", "trigger_value", "threshold_value",
                       "status", "dedup_key", "handle_result", "rule_code", "triggered_at_now", "is_escalated"]

    func alerts(now: String = "2026-01-09T09:05:00+08:00") async throws -> [[String: String]] {
        try await h.rows("""
            SELECT a.alert_no, a.target_type, a.target_id, a.target_no, a.target_name, a.project_id, a.machine_id,
                   a.alert_level, a.alert_title, a.alert_content, a.alert_data::text AS alert_data, a.trigger_value,
                   a.threshold_value, a.status, a.dedup_key, a.handle_result, r.rule_code,
                   (a.triggered_at = $1::timestamptz)::text AS triggered_at_now, a.is_escalated::text AS is_escalated
              FROM alert_records a JOIN alert_rules r ON r.id = a.rule_id ORDER BY a.id
            """, [now]).map { row in
            var out: [String: String] = [:]
            for key in Self.keys { out[key] = row[key] }
            return out
        }
    }

    /// This job never writes health (DECISIONS; DATA-MODEL §9.2).
    func assertHealthUntouched(file: StaticString = #filePath, line: UInt = #line) async throws {
        let health = try await h.rows("SELECT health FROM projects WHERE id = 3").first?["health"]
        XCTAssertEqual(health, "H1", file: file, line: line)
        let logs = try await h.count("SELECT 1 FROM project_status_logs")
        XCTAssertEqual(logs, 0, file: file, line: line)
    }

    // Scenario 1 (target): first alert, CRITICAL by severity MAJOR, with machine_id.
    func testFirstAlertIsExactAndLeavesHealthToTheProgressDomain() async throws {
        try await insertIssue(id: 201, no: "IS20260105002", machine: 12, scope: "整线停机", level: "HIGH")
        let outcome = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(outcome)

        // The rule is seeded by the migrations (DATA-MODEL §5.1: no job creates rules); exactly one row.
        let rules = try await h.rows("SELECT id, rule_name, alert_no_prefix, domain FROM alert_rules WHERE rule_code = 'BLOCKING_ISSUE'")
        XCTAssertEqual(rules.map { "\($0["id"]!) \($0["rule_name"]!) \($0["alert_no_prefix"]!) \($0["domain"]!)" },
                       ["16 阻塞问题预警 AL issues"])

        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "AL202601090001")
        XCTAssertEqual(a["rule_code"], "BLOCKING_ISSUE")
        XCTAssertEqual(a["target_type"], "ISSUE")
        XCTAssertEqual(a["target_id"], "201")
        XCTAssertEqual(a["target_no"], "IS20260105002")
        XCTAssertEqual(a["target_name"], "PLC通讯中断")
        XCTAssertEqual(a["project_id"], "3")
        XCTAssertEqual(a["machine_id"], "12")
        XCTAssertEqual(a["alert_level"], "CRITICAL", "target: by severity (original: WARNING)")
        XCTAssertEqual(a["alert_title"], "阻塞问题：PLC通讯中断")
        XCTAssertEqual(a["alert_content"], "问题 IS20260105002 标记为阻塞问题，可能影响项目进度")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["triggered_at_now"], "true")
        XCTAssertEqual(a["is_escalated"], "false")
        XCTAssertEqual(a["dedup_key"], "BLOCKING_ISSUE:ISSUE:201")
        XCTAssertEqual(a["trigger_value"], "1")
        XCTAssertEqual(a["threshold_value"], "1")
        let data = try await h.rows("""
            SELECT alert_data->>'issue_no' AS issue_no, alert_data->>'severity' AS severity, alert_data->>'priority' AS priority,
                   alert_data->>'impact_scope' AS impact_scope, alert_data->>'impact_level' AS impact_level
              FROM alert_records
            """).first
        XCTAssertEqual(data?["issue_no"], "IS20260105002")
        XCTAssertEqual(data?["severity"], "MAJOR")
        XCTAssertEqual(data?["priority"], "HIGH")
        XCTAssertEqual(data?["impact_scope"], "整线停机")
        XCTAssertEqual(data?["impact_level"], "HIGH")

        let recipients = try await h.recipients()
        XCTAssertEqual(recipients, ["7:PM"])

        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/CRITICAL/issues/BLOCKING_ISSUE"])
        XCTAssertEqual(events[0].alert.alertNo, "AL202601090001")
        XCTAssertEqual(events[0].alert.event, .raised)
        XCTAssertEqual(events[0].alert.title, "阻塞问题：PLC通讯中断")
        XCTAssertEqual(events[0].alert.dedupKey, "BLOCKING_ISSUE:ISSUE:201")
        XCTAssertEqual(events[0].alert.projectID, 3)
        XCTAssertEqual(events[0].alert.triggeredAt, RFC3339.parse("2026-01-09T09:05:00+08:00"))

        // Spec: "project 3's health becomes H3 and one H1→H3 log is written". Settled otherwise: the next
        // calculate_project_health run does it (DATA-MODEL §9.2); this job leaves health alone.
        try await assertHealthUntouched()

        let result = try await h.lastResult("check_blocking_issues")
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.resolved, 0)
        XCTAssertEqual(result?.notified, 1)
        XCTAssertEqual(result?.unrouted, 0)
        XCTAssertEqual(result?.details?["blocking_count"], .number(1))
        XCTAssertEqual(result?.details?["alerts_created"], .number(1))
        XCTAssertEqual(result?.details?["affected_projects"], .number(1))
    }

    // Scenario 2 (target): after acknowledgement the next run inserts nothing (original: a second alert …0002).
    func testAcknowledgedAlertIsNotRaisedAgain() async throws {
        try await insertIssue(id: 201, no: "IS20260105002", machine: 12)
        let first = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE alert_records SET status = 'ACKNOWLEDGED', acknowledged_at = '2026-01-09T09:30:00+08:00'")
        let next = await h.run(job, at: "2026-01-09T10:05")
        XCTAssertSucceeded(next)
        let rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["status"]!)" }, ["AL202601090001 ACKNOWLEDGED"])
        let events = try await h.alertEvents().count
        XCTAssertEqual(events, 1)
        let result = try await h.lastResult("check_blocking_issues")
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
    }

    // Scenario 3 (target): two new issues in one run get …0001 and …0002 (original: both …0001, run lost).
    func testTwoNewIssuesInOneRunGetConsecutiveNumbers() async throws {
        try await insertIssue(id: 201, no: "IS20260105002")
        try await insertIssue(id: 204, no: "IS20260106001", title: "伺服报警", severity: "MINOR")
        let outcome = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(outcome)
        let rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["alert_no"]!) \($0["alert_level"]!)" },
                       ["201 AL202601090001 CRITICAL", "204 AL202601090002 WARNING"])
        XCTAssertEqual(rows[1]["alert_title"], "阻塞问题：伺服报警")
        XCTAssertEqual(rows[1]["alert_content"], "问题 IS20260106001 标记为阻塞问题，可能影响项目进度")
        let counter = try await h.rows("SELECT prefix, day::text AS day, last_no FROM alert_no_counters").map {
            "\($0["prefix"]!) \($0["day"]!) \($0["last_no"]!)"
        }
        XCTAssertEqual(counter, ["AL 2026-01-09 2"])
    }

    // Scenario 4a: a resolved blocking issue and an open non-blocking issue raise nothing.
    func testResolvedOrNonBlockingIssuesRaiseNothing() async throws {
        try await insertIssue(id: 202, no: "IS20260105003", status: "RESOLVED")
        try await insertIssue(id: 203, no: "IS20260105004", blocking: false, status: "OPEN")
        for (id, status) in [(205, "CLOSED"), (206, "DEFERRED"), (207, "CANCELLED"), (208, "DELETED")] {
            try await insertIssue(id: id, no: "IS-\(id)", status: status)
        }
        let outcome = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(outcome)
        let n = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(n, 0)
        let result = try await h.lastResult("check_blocking_issues")
        XCTAssertEqual(result?.checked, 0)
        XCTAssertEqual(result?.details?["blocking_count"], .number(0))
    }

    func testOpenStatusQualifiesLikeProcessing() async throws {
        try await insertIssue(id: 201, no: "IS20260105002", status: "OPEN")
        let outcome = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(outcome)
        let ids = try await alerts().map { $0["target_id"]! }
        XCTAssertEqual(ids, ["201"])
    }

    // Scenario 4b (target): a disabled rule writes nothing, the run succeeds and says so
    // (original: fails on the duplicate rule_code).
    func testDisabledRuleWritesNothingAndSaysSo() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'BLOCKING_ISSUE'")
        try await insertIssue(id: 201, no: "IS20260105002", machine: 12)
        let outcome = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(outcome)
        let n = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(n, 0)
        let recipients = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipients, 0)
        let events = try await h.alertEvents().count
        XCTAssertEqual(events, 0)
        let rules = try await h.count("SELECT 1 FROM alert_rules WHERE rule_code = 'BLOCKING_ISSUE'")
        XCTAssertEqual(rules, 1, "no second rule row")
        let counters = try await h.count("SELECT 1 FROM alert_no_counters")
        XCTAssertEqual(counters, 0)
        try await assertHealthUntouched()
        let note = try await h.lastResult("check_blocking_issues")?.note
        XCTAssertEqual(note, "rule disabled")
    }

    func testDisabledRuleLeavesAnOpenAlertAlone() async throws {
        try await insertIssue(id: 201, no: "IS20260105002")
        let first = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(first)
        try await h.exec("""
            UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'BLOCKING_ISSUE';
            UPDATE issues SET is_blocking = false WHERE id = 201;
            """)
        let next = await h.run(job, at: "2026-01-09T10:05")
        XCTAssertSucceeded(next)
        let status = try await alerts().map { $0["status"]! }
        XCTAssertEqual(status, ["PENDING"])
    }

    // Scenario 5 (target): un-blocked in the DB → the alert resolves itself the next day at :05.
    func testAlertResolvesWhenTheIssueIsNoLongerBlocking() async throws {
        try await insertIssue(id: 201, no: "IS20260105002", machine: 12)
        let first = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE issues SET is_blocking = false WHERE id = 201")
        let next = await h.run(job, at: "2026-01-10T09:05")
        XCTAssertSucceeded(next)
        let row = try await h.rows("""
            SELECT status, handle_result, (handle_end_at = '2026-01-10T09:05:00+08:00'::timestamptz)::text AS at_now
              FROM alert_records
            """).first
        XCTAssertEqual(row?["status"], "RESOLVED")
        XCTAssertEqual(row?["handle_result"], "问题 IS20260105002 已解决，自动关闭预警")
        XCTAssertEqual(row?["at_now"], "true")
        // "project 3's health is recomputed": by calculate_project_health (DATA-MODEL §9.2), not by this job.
        try await assertHealthUntouched()
        let result = try await h.lastResult("check_blocking_issues")
        XCTAssertEqual(result?.resolved, 1)
        XCTAssertEqual(result?.checked, 0)
        XCTAssertEqual(result?.details?["alerts_resolved"], .number(1))
        XCTAssertEqual(result?.details?["affected_projects"], .number(1))
        let events = try await h.alertEvents().count
        XCTAssertEqual(events, 1, "resolving publishes no alert event")
    }

    func testAlertResolvesWhenTheIssueIsResolvedClosedCancelledDeferredOrDeleted() async throws {
        let statuses = ["RESOLVED", "CLOSED", "CANCELLED", "DEFERRED", "DELETED"]
        for (n, _) in statuses.enumerated() {
            try await insertIssue(id: 210 + n, no: "IS-\(210 + n)")
        }
        let first = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(first)
        for (n, status) in statuses.enumerated() {
            try await h.exec("UPDATE issues SET status = '\(status)' WHERE id = \(210 + n)")
        }
        let next = await h.run(job, at: "2026-01-09T10:05")
        XCTAssertSucceeded(next)
        let rows = try await h.rows("SELECT target_id, status, handle_result FROM alert_records ORDER BY target_id")
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["status"]!) \($0["handle_result"]!)" },
                       (0..<5).map { "\(210 + $0) RESOLVED 问题 IS-\(210 + $0) 已解决，自动关闭预警" })
    }

    func testAcknowledgedAlertAlsoResolvesAndABlockingIssueAgainGetsANewAlert() async throws {
        try await insertIssue(id: 201, no: "IS20260105002")
        let first = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(first)
        try await h.exec("""
            UPDATE alert_records SET status = 'ACKNOWLEDGED';
            UPDATE issues SET status = 'RESOLVED' WHERE id = 201;
            """)
        let resolved = await h.run(job, at: "2026-01-09T10:05")
        XCTAssertSucceeded(resolved)
        try await h.exec("UPDATE issues SET status = 'OPEN' WHERE id = 201")
        let reopened = await h.run(job, at: "2026-01-10T09:05")
        XCTAssertSucceeded(reopened)
        let rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["status"]!)" },
                       ["AL202601090001 RESOLVED", "AL202601100001 PENDING"])
        XCTAssertEqual(rows[0]["handle_result"], "问题 IS20260105002 已解决，自动关闭预警")
    }

    // DECISIONS "Inactive or archived": out of scope; an open alert of such a project is resolved.
    func testInactiveOrArchivedProjectsAreOutOfScopeAndTheirOpenAlertsResolve() async throws {
        try await h.exec("INSERT INTO projects (id, project_code, project_name, pm_id, is_active) VALUES (6, 'P-006', '停用项目', 7, false)")
        try await insertIssue(id: 201, no: "IS20260105002")
        try await insertIssue(id: 202, no: "IS20260105003", project: 6)
        let first = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(first)
        let ids = try await alerts().map { $0["target_id"]! }
        XCTAssertEqual(ids, ["201"])

        try await h.exec("UPDATE projects SET is_archived = true WHERE id = 3")
        let next = await h.run(job, at: "2026-01-09T10:05")
        XCTAssertSucceeded(next)
        let rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["status"]!)" }, ["201 RESOLVED"])
        XCTAssertEqual(rows[0]["handle_result"], "AUTO: condition cleared", "the issue itself is still blocking")
    }

    // Re-run the same day: nothing new (no alert, event, recipient, counter step).
    func testRerunTheSameDayWritesNothingNew() async throws {
        try await insertIssue(id: 201, no: "IS20260105002")
        let first = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(first)
        let again = await h.run(job, at: "2026-01-09T10:05")
        XCTAssertSucceeded(again)
        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["triggered_at_now"], "true", "triggered_at stays at the first run")
        let events = try await h.alertEvents().count
        XCTAssertEqual(events, 1)
        let recipients = try await h.recipients()
        XCTAssertEqual(recipients, ["7:PM"])
        let lastNo = try await h.rows("SELECT last_no FROM alert_no_counters").map { $0["last_no"]! }
        XCTAssertEqual(lastNo, ["1"])
        let result = try await h.lastResult("check_blocking_issues")
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.resolved, 0)
        XCTAssertEqual(result?.notified, 0)
    }

    func testRedeliveredTickRunsOnce() async throws {
        try await insertIssue(id: 201, no: "IS20260105002")
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T09:05", runID: runID)
        XCTAssertSucceeded(first)
        let again = await h.run(job, at: "2026-01-09T09:05", runID: runID)
        XCTAssertEqual(again, .duplicate)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
        let events = try await h.alertEvents().count
        XCTAssertEqual(events, 1)
    }

    // Severity worsens → the open alert rises in place with an `escalated` event; it never falls back.
    func testLevelRisesWithSeverityAndNeverFalls() async throws {
        try await insertIssue(id: 201, no: "IS20260105002", severity: "MINOR")
        let first = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE issues SET severity = 'CRITICAL', impact_level = 'CRITICAL' WHERE id = 201")
        let worse = await h.run(job, at: "2026-01-09T10:05")
        XCTAssertSucceeded(worse)
        var rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["alert_level"]!) \($0["status"]!)" },
                       ["AL202601090001 URGENT PENDING"])
        let data = try await h.rows("SELECT alert_data->>'severity' AS s, alert_data->>'impact_level' AS l FROM alert_records").first
        XCTAssertEqual(data?["s"], "CRITICAL", "alert_data is refreshed")
        XCTAssertEqual(data?["l"], "CRITICAL")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/issues/BLOCKING_ISSUE",
                                             "pms/v1/alert/URGENT/issues/BLOCKING_ISSUE"])
        XCTAssertEqual(events.map(\.alert.event), [.raised, .escalated])
        let raised = try await h.lastResult("check_blocking_issues")
        XCTAssertEqual(raised?.details?["levels_raised"], .number(1))

        try await h.exec("UPDATE issues SET severity = 'MINOR' WHERE id = 201")
        let milder = await h.run(job, at: "2026-01-09T11:05")
        XCTAssertSucceeded(milder)
        rows = try await alerts()
        XCTAssertEqual(rows.map { $0["alert_level"]! }, ["URGENT"])
        let eventCount = try await h.alertEvents().count
        XCTAssertEqual(eventCount, 2)
    }

    func testLevelBySeverity() async throws {
        try await insertIssue(id: 221, no: "IS-221", severity: "CRITICAL")
        try await insertIssue(id: 222, no: "IS-222", severity: "MAJOR")
        try await insertIssue(id: 223, no: "IS-223", severity: "MINOR")
        try await insertIssue(id: 224, no: "IS-224", severity: nil)
        let outcome = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(outcome)
        let rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["alert_level"]!)" },
                       ["221 URGENT", "222 CRITICAL", "223 WARNING", "224 WARNING"])
    }

    // The health input is issue_type, not is_blocking: any issue type qualifies when it is blocking.
    func testNonBlockerTypeStillAlertsWhenBlocking() async throws {
        try await insertIssue(id: 201, no: "IS20260105002", type: "DEFECT")
        let outcome = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(outcome)
        let n = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(n, 1)
    }

    // Recipients (DECISIONS): PM only (DATA-MODEL §4.4); inactive PM or no project → no recipient, counted
    // `unrouted`, never user 1. Project-less issues are alerted (corrected: the original skipped them).
    func testInactivePMAndProjectlessIssuesAreUnroutedNeverUserOne() async throws {
        try await h.exec("INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true)")
        try await insertIssue(id: 201, no: "IS20260105002")
        try await insertIssue(id: 202, no: "IS20260105003", project: 4)
        try await insertIssue(id: 203, no: "IS20260105004", project: nil)
        let outcome = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(outcome)
        let rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["alert_no"]!) \($0["project_id"] ?? "-")" },
                       ["201 AL202601090001 3", "202 AL202601090002 4", "203 AL202601090003 -"])
        let recipients = try await h.rows("""
            SELECT a.target_id, r.user_id, r.reason FROM alert_recipients r JOIN alert_records a ON a.id = r.alert_id
             ORDER BY a.target_id, r.user_id
            """)
        XCTAssertEqual(recipients.map { "\($0["target_id"]!):\($0["user_id"]!):\($0["reason"]!)" }, ["201:7:PM"])
        let result = try await h.lastResult("check_blocking_issues")
        XCTAssertEqual(result?.unrouted, 2)
        XCTAssertEqual(result?.details?["affected_projects"], .number(2))

        // The PM becomes active: the next run routes the open alert to them.
        try await h.exec("UPDATE users SET is_active = true WHERE id = 9")
        let next = await h.run(job, at: "2026-01-09T10:05")
        XCTAssertSucceeded(next)
        let after = try await h.recipients()
        XCTAssertEqual(after, ["7:PM", "9:PM"])
        let unrouted = try await h.lastResult("check_blocking_issues")?.unrouted
        XCTAssertEqual(unrouted, 1)
    }

    // The AL prefix is shared with SPEC_MISMATCH: numbers continue after the day's existing AL alerts.
    func testNumbersContinueAfterTheDaysSharedALAlerts() async throws {
        try await h.exec("""
            INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, alert_level, alert_title, alert_content, status)
            VALUES ('AL202601090003', 4, 'SPEC_MATCH', 999, 'WARNING', 'x', 'x', 'PENDING');
            """)
        try await insertIssue(id: 201, no: "IS20260105002")
        let first = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(first)
        try await insertIssue(id: 204, no: "IS20260106001")
        let second = await h.run(job, at: "2026-01-09T10:05")
        XCTAssertSucceeded(second)
        let numbers = try await h.rows("SELECT alert_no FROM alert_records WHERE target_type = 'ISSUE' ORDER BY target_id").map { $0["alert_no"]! }
        XCTAssertEqual(numbers, ["AL202601090004", "AL202601090005"])
    }

    func testLongTitleIsTruncatedTo200Characters() async throws {
        let title = String(repeating: "长", count: 250)
        try await insertIssue(id: 201, no: "IS20260105002", title: title)
        let outcome = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(outcome)
        let row = try await alerts().first
        XCTAssertEqual(row?["alert_title"], "阻塞问题：" + String(repeating: "长", count: 195))
        XCTAssertEqual(row?["target_name"], title)
    }

    func testAnotherRulesOpenAlertOnTheIssueDoesNotSuppress() async throws {
        try await h.exec("""
            INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, alert_level, alert_title, alert_content, status)
            VALUES ('XX202601090001', 1, 'ISSUE', 201, 'INFO', 'x', 'x', 'PENDING');
            """)
        try await insertIssue(id: 201, no: "IS20260105002")
        let outcome = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(outcome)
        let n = try await h.count("SELECT 1 FROM alert_records WHERE rule_id = 16")
        XCTAssertEqual(n, 1)
    }

    func testIgnoredAlertSuppressesWhileTheIssueStaysBlocking() async throws {
        try await insertIssue(id: 201, no: "IS20260105002")
        let first = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE alert_records SET status = 'IGNORED'")
        let next = await h.run(job, at: "2026-01-09T10:05")
        XCTAssertSucceeded(next)
        let n = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(n, 1)
        let skipped = try await h.lastResult("check_blocking_issues")?.skipped
        XCTAssertEqual(skipped, 1)
    }

    func testMissingRuleFailsTheRun() async throws {
        try await h.exec("DELETE FROM alert_rules WHERE rule_code = 'BLOCKING_ISSUE'")
        try await insertIssue(id: 201, no: "IS20260105002")
        let outcome = await h.run(job, at: "2026-01-09T09:05")
        XCTAssertEqual(outcome, .failed("rule missing: alert rule BLOCKING_ISSUE does not exist"))
    }
}
