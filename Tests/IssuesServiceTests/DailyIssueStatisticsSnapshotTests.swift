import Foundation
import IssuesService
import PMSBus
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest

/// services-issues-notifications.md, daily_issue_statistics_snapshot: every acceptance scenario with the target
/// expectations (flows over the previous whole day, `closed_today` from CLOSED follow-ups per DECISIONS "Issue
/// statistics", JSON-object distributions, first write wins, back-fill via params.as_of), plus the flow window's
/// edges in the configured zone, the exact rounding of the average, the run result and redelivery.
/// D = 2026-01-09, run 03:00 Shanghai. The job has no alert rule and no recipients, so there is no
/// "rule disabled", level, resolve or inactive-recipient case.
final class DailyIssueStatisticsSnapshotTests: XCTestCase {
    var h: JobHarness!
    let job = DailyIssueStatisticsSnapshot()
    let jobID = "daily_issue_statistics_snapshot"
    var nextID = 100

    static let columns = [
        "total_issues", "open_issues", "processing_issues", "resolved_issues", "closed_issues", "cancelled_issues",
        "deferred_issues", "critical_issues", "major_issues", "minor_issues", "urgent_issues", "high_priority_issues",
        "medium_priority_issues", "low_priority_issues", "defect_issues", "risk_issues", "blocker_issues",
        "blocking_issues", "overdue_issues", "project_issues", "task_issues", "acceptance_issues",
        "avg_response_time", "avg_resolve_time", "avg_verify_time", "status_distribution", "severity_distribution",
        "priority_distribution", "category_distribution", "project_distribution", "new_issues_today",
        "resolved_today", "closed_today",
    ]

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .issues)
    }

    override func tearDown() async throws { await h.close() }

    /// Inserts an issue; timestamps are texts with an offset such as "2026-01-08 10:00+08".
    @discardableResult
    func issue(status: String, severity: String? = nil, priority: String? = nil, type: String? = nil,
               category: String? = nil, blocking: Bool = false, due: String? = nil, created: String,
               reported: String? = nil, resolved: String? = nil, updated: String? = nil) async throws -> Int {
        nextID += 1
        try await h.db.execute(
            """
            INSERT INTO issues (id, issue_no, title, status, severity, priority, issue_type, category, is_blocking,
                                due_date, created_at, report_date, resolved_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::date, $11::timestamptz, $12::timestamptz,
                    $13::timestamptz, coalesce($14::timestamptz, $11::timestamptz))
            """,
            [nextID, "IS\(nextID)", "问题\(nextID)", status, severity, priority, type, category, blocking, due, created,
             reported, resolved, updated])
        return nextID
    }

    func followUp(_ issue: Int, newStatus: String, at: String, old: String = "RESOLVED") async throws {
        try await h.db.execute(
            """
            INSERT INTO issue_follow_up_records (issue_id, follow_up_type, content, operator_name, old_status,
                                                 new_status, created_at)
            VALUES ($1, 'STATUS_CHANGE', '关闭问题', '张三', $2, $3, $4::timestamptz)
            """, [issue, old, newStatus, at])
    }

    /// The snapshot row of `date`, each column as text ("NULL" for NULL); nil when there is none.
    func snapshot(_ date: String = "2026-01-09") async throws -> [String: String]? {
        guard let row = try await h.rows("""
            SELECT \(Self.columns.map { "coalesce(\($0)::text, 'NULL') AS \($0)" }.joined(separator: ", ")),
                   to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS created,
                   to_char(updated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS updated
              FROM issue_statistics_snapshots WHERE snapshot_date = '\(date)'::date
            """).first else { return nil }
        var values: [String: String] = [:]
        for c in Self.columns + ["created", "updated"] { values[c] = row[c] }
        return values
    }

    func jsonTypes(_ date: String = "2026-01-09") async throws -> [String] {
        let row = try await h.rows("""
            SELECT jsonb_typeof(status_distribution) AS a, jsonb_typeof(severity_distribution) AS b,
                   jsonb_typeof(priority_distribution) AS c, jsonb_typeof(category_distribution) AS d
              FROM issue_statistics_snapshots WHERE snapshot_date = '\(date)'::date
            """).first
        return ["a", "b", "c", "d"].map { row?[$0] ?? "missing" }
    }

    /// The expected row: every count 0 unless given.
    func expected(_ counts: [String: String] = [:]) -> [String: String] {
        var row: [String: String] = [:]
        for c in Self.columns { row[c] = "0" }
        row["avg_response_time"] = "0.00"; row["avg_resolve_time"] = "0.00"; row["avg_verify_time"] = "0.00"
        row["project_distribution"] = "NULL"
        row["status_distribution"] = #"{"OPEN": 0, "CLOSED": 0, "DEFERRED": 0, "RESOLVED": 0, "CANCELLED": 0, "PROCESSING": 0}"#
        row["severity_distribution"] = #"{"MAJOR": 0, "MINOR": 0, "CRITICAL": 0}"#
        row["priority_distribution"] = #"{"LOW": 0, "HIGH": 0, "MEDIUM": 0, "URGENT": 0}"#
        row["category_distribution"] = #"{"TASK": 0, "PROJECT": 0, "ACCEPTANCE": 0}"#
        row["created"] = "2026-01-09 03:00"; row["updated"] = "2026-01-09 03:00"
        for (k, v) in counts { row[k] = v }
        return row
    }

    /// Scenario 1's issues A, B, C, E, F (D = 2026-01-09).
    func seedScenario1() async throws {
        // A: OPEN, blocking, due D-2, created D-1 10:00.
        try await issue(status: "OPEN", severity: "CRITICAL", priority: "HIGH", type: "DEFECT", category: "PROJECT",
                        blocking: true, due: "2026-01-07", created: "2026-01-08 10:00+08", reported: "2026-01-08 10:00+08")
        // B: PROCESSING, no due date, created D-6.
        try await issue(status: "PROCESSING", severity: "MAJOR", priority: "MEDIUM", type: "RISK", category: "TASK",
                        created: "2026-01-03 10:00+08", reported: "2026-01-03 10:00+08")
        // C: RESOLVED D-1 20:00, reported D-3 08:00 (60 h).
        try await issue(status: "RESOLVED", severity: "MINOR", priority: "LOW", type: "DEFECT", category: "ACCEPTANCE",
                        created: "2026-01-06 08:00+08", reported: "2026-01-06 08:00+08", resolved: "2026-01-08 20:00+08")
        // E: CLOSED, reported D-5 00:00, resolved D-4 00:00 (24 h), closed by a follow-up at D-1 09:00.
        let e = try await issue(status: "CLOSED", severity: "MINOR", priority: "URGENT", type: "BLOCKER",
                                category: "QUALITY", created: "2026-01-04 00:00+08", reported: "2026-01-04 00:00+08",
                                resolved: "2026-01-05 00:00+08", updated: "2026-01-08 09:00+08")
        try await followUp(e, newStatus: "CLOSED", at: "2026-01-08 09:00+08")
        // F: DELETED, CRITICAL, created D-1 11:00.
        try await issue(status: "DELETED", severity: "CRITICAL", created: "2026-01-08 11:00+08")
    }

    // Scenario 1: one row with the whole-table counts and the flows of D-1 (the original gives the flows 0, 0, 0
    // and stores the distributions as JSON strings; the target asserts 1, 1, 1 and JSON objects).
    func testScenario1FullSnapshot() async throws {
        try await seedScenario1()
        let outcome = await h.run(job, at: "2026-01-09T03:00")
        XCTAssertSucceeded(outcome)
        let row = try await snapshot()
        XCTAssertEqual(row, expected([
            "total_issues": "4", "open_issues": "1", "processing_issues": "1", "resolved_issues": "1",
            "closed_issues": "1", "critical_issues": "1", "major_issues": "1", "minor_issues": "2",
            "urgent_issues": "1", "high_priority_issues": "1", "medium_priority_issues": "1", "low_priority_issues": "1",
            "defect_issues": "2", "risk_issues": "1", "blocker_issues": "1", "blocking_issues": "1",
            "overdue_issues": "1", "project_issues": "1", "task_issues": "1", "acceptance_issues": "1",
            "avg_resolve_time": "42.00", "new_issues_today": "1", "resolved_today": "1", "closed_today": "1",
            "status_distribution": #"{"OPEN": 1, "CLOSED": 1, "DEFERRED": 0, "RESOLVED": 1, "CANCELLED": 0, "PROCESSING": 1}"#,
            "severity_distribution": #"{"MAJOR": 1, "MINOR": 2, "CRITICAL": 1}"#,
            "priority_distribution": #"{"LOW": 1, "HIGH": 1, "MEDIUM": 1, "URGENT": 1}"#,
            "category_distribution": #"{"TASK": 1, "PROJECT": 1, "ACCEPTANCE": 1}"#,
        ]))
        let types = try await jsonTypes()
        XCTAssertEqual(types, ["object", "object", "object", "object"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result, RunResult(checked: 4, created: 1, details: [
            "snapshot_date": .string("2026-01-09"), "total_issues": .number(4), "open_issues": .number(1),
            "processing_issues": .number(1), "resolved_issues": .number(1), "closed_issues": .number(1),
            "blocking_issues": .number(1), "overdue_issues": .number(1),
        ]))
        // No alert, no notification.
        let other = try await h.count("SELECT 1 FROM outbox WHERE topic NOT LIKE 'pms/v1/run/%'")
        XCTAssertEqual(other, 0)
    }

    // Scenario 2: a second run on D (even after the data changed) writes no second row and keeps the first.
    func testScenario2ReRunTheSameDayWritesNothing() async throws {
        try await seedScenario1()
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T03:00"))
        try await issue(status: "OPEN", severity: "MAJOR", created: "2026-01-09 08:00+08")
        let second = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(second)
        let total = try await h.count("SELECT 1 FROM issue_statistics_snapshots")
        XCTAssertEqual(total, 1)
        let row = try await snapshot()
        XCTAssertEqual(row?["total_issues"], "4")
        XCTAssertEqual(row?["open_issues"], "1")
        XCTAssertEqual(row?["created"], "2026-01-09 03:00")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.skipped, 1)
        XCTAssertEqual(result?.note, "snapshot already exists")
        XCTAssertEqual(result?.details?["total_issues"], .number(4), "reports the stored row")
    }

    // Scenario 3: no issues → one row, every count 0, avg_resolve_time 0, distributions of zeros.
    func testScenario3EmptyTable() async throws {
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T03:00"))
        let row = try await snapshot()
        XCTAssertEqual(row, expected())
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.checked, 0)
    }

    // Scenario 4: params.as_of = D-1 with no row for D-1 → one row dated D-1, flows over [D-2 00:00, D-1 00:00),
    // overdue against D-1.
    func testScenario4BackFill() async throws {
        try await issue(status: "OPEN", due: "2026-01-07", created: "2026-01-07 10:00+08")      // in window, due < D-1
        try await issue(status: "OPEN", due: "2026-01-08", created: "2026-01-08 10:00+08")      // D-1: outside, not overdue yet
        let r = try await issue(status: "RESOLVED", created: "2026-01-01 10:00+08", reported: "2026-01-01 10:00+08",
                                resolved: "2026-01-07 23:00+08")
        let c = try await issue(status: "CLOSED", created: "2026-01-01 10:00+08", reported: "2026-01-01 10:00+08",
                                resolved: "2026-01-02 10:00+08")
        try await followUp(c, newStatus: "CLOSED", at: "2026-01-07 12:00+08")
        try await followUp(r, newStatus: "RESOLVED", at: "2026-01-07 23:00+08", old: "PROCESSING")
        let outcome = await h.run(job, at: "2026-01-09T10:00", params: ["as_of": .string("2026-01-08")])
        XCTAssertSucceeded(outcome)
        let dates = try await h.rows("SELECT snapshot_date::text AS d FROM issue_statistics_snapshots").map { $0["d"]! }
        XCTAssertEqual(dates, ["2026-01-08"])
        let row = try await snapshot("2026-01-08")
        XCTAssertEqual(row?["new_issues_today"], "1")
        XCTAssertEqual(row?["resolved_today"], "1")
        XCTAssertEqual(row?["closed_today"], "1")
        XCTAssertEqual(row?["overdue_issues"], "1")
        XCTAssertEqual(row?["total_issues"], "4")
        // created_at is the run's effective now (as_of 2026-01-08 = 09:00 that day).
        XCTAssertEqual(row?["created"], "2026-01-08 09:00")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.details?["snapshot_date"], .string("2026-01-08"))
        // The regular run of D still writes its own row afterwards.
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T03:00"))
        let total = try await h.count("SELECT 1 FROM issue_statistics_snapshots")
        XCTAssertEqual(total, 2)
    }

    // The flow window is [D-1 00:00, D 00:00) in Shanghai time: both edges, and a time that is D-1 in Shanghai
    // but D-2 in UTC.
    func testFlowWindowEdgesInTheConfiguredZone() async throws {
        try await issue(status: "OPEN", created: "2026-01-08 00:00+08")      // start: in
        try await issue(status: "OPEN", created: "2026-01-08 00:30+08")      // 2026-01-07 16:30 UTC: in
        try await issue(status: "OPEN", created: "2026-01-07 23:59:59+08")   // before: out
        try await issue(status: "OPEN", created: "2026-01-09 00:00+08")      // end: out
        try await issue(status: "CANCELLED", created: "2026-01-08 12:00+08") // not deleted: in
        try await issue(status: "RESOLVED", created: "2026-01-01 10:00+08", resolved: "2026-01-08 00:00+08")  // in
        try await issue(status: "CLOSED", created: "2026-01-01 10:00+08", resolved: "2026-01-09 00:00+08")    // out
        // Resolved in the window but reopened since: not RESOLVED/CLOSED now, so not counted.
        try await issue(status: "PROCESSING", created: "2026-01-01 10:00+08", resolved: "2026-01-08 10:00+08")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T03:00"))
        let row = try await snapshot()
        XCTAssertEqual(row?["new_issues_today"], "3")
        XCTAssertEqual(row?["resolved_today"], "1")
        XCTAssertEqual(row?["cancelled_issues"], "1")
        XCTAssertEqual(row?["total_issues"], "8")
    }

    // closed_today (DECISIONS): distinct issues with a transition to CLOSED in the window — not updated_at.
    func testClosedTodayCountsTransitionsToClosed() async throws {
        // Closed twice in the window (closed, reopened, closed): one issue.
        let twice = try await issue(status: "CLOSED", created: "2026-01-01 10:00+08", updated: "2026-01-08 18:00+08")
        try await followUp(twice, newStatus: "CLOSED", at: "2026-01-08 09:00+08")
        try await followUp(twice, newStatus: "PROCESSING", at: "2026-01-08 10:00+08", old: "CLOSED")
        try await followUp(twice, newStatus: "CLOSED", at: "2026-01-08 18:00+08")
        // Closed long ago but edited in the window (the original's updated_at proxy counted it): not counted.
        let edited = try await issue(status: "CLOSED", created: "2026-01-01 10:00+08", updated: "2026-01-08 11:00+08")
        try await followUp(edited, newStatus: "CLOSED", at: "2026-01-02 09:00+08")
        // Closed in the window and reopened since: the transition happened that day, so it counts.
        let reopened = try await issue(status: "OPEN", created: "2026-01-01 10:00+08")
        try await followUp(reopened, newStatus: "CLOSED", at: "2026-01-08 12:00+08")
        try await followUp(reopened, newStatus: "OPEN", at: "2026-01-08 22:00+08", old: "CLOSED")
        // Closed on D itself (after midnight, before the 03:00 run): tomorrow's snapshot.
        let today = try await issue(status: "CLOSED", created: "2026-01-01 10:00+08")
        try await followUp(today, newStatus: "CLOSED", at: "2026-01-09 01:00+08")
        // A follow-up that is not a close (comment) in the window: not counted.
        let other = try await issue(status: "RESOLVED", created: "2026-01-01 10:00+08")
        try await followUp(other, newStatus: "RESOLVED", at: "2026-01-08 12:00+08", old: "PROCESSING")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T03:00"))
        let row = try await snapshot()
        XCTAssertEqual(row?["closed_today"], "2")
        XCTAssertEqual(row?["closed_issues"], "3")
    }

    // avg_resolve_time: hours as exact numeric, one rounding to 2 decimals half away from zero; only RESOLVED/CLOSED
    // with both timestamps; all time (not only the window).
    func testAverageResolveTimeIsRoundedExactly() async throws {
        // 10 h 0 min 18 s = 10.005 h → 10.01 (a binary double would give 10.00).
        try await issue(status: "RESOLVED", created: "2025-06-01 00:00+08", reported: "2025-06-01 00:00+08",
                        resolved: "2025-06-01 10:00:18+08")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T03:00"))
        let first = try await snapshot()
        XCTAssertEqual(first?["avg_resolve_time"], "10.01")

        // Mean of 10.005, 1 and 2 h = 13.005 / 3 = 4.335 h → 4.34; the PROCESSING one, the one without
        // report_date and the DELETED one do not count.
        try await issue(status: "CLOSED", created: "2025-06-01 00:00+08", reported: "2025-06-02 00:00+08",
                        resolved: "2025-06-02 01:00+08")
        try await issue(status: "RESOLVED", created: "2025-06-01 00:00+08", reported: "2025-06-03 00:00+08",
                        resolved: "2025-06-03 02:00+08")
        try await issue(status: "PROCESSING", created: "2025-06-01 00:00+08", reported: "2025-06-01 00:00+08",
                        resolved: "2025-06-30 00:00+08")
        try await issue(status: "RESOLVED", created: "2025-06-01 00:00+08", resolved: "2025-06-30 00:00+08")
        try await issue(status: "DELETED", created: "2025-06-01 00:00+08", reported: "2025-06-01 00:00+08",
                        resolved: "2025-06-30 00:00+08")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-10T03:00"))
        let second = try await snapshot("2026-01-10")
        XCTAssertEqual(second?["avg_resolve_time"], "4.34")
    }

    // Counts ignore values outside the listed codes and NULLs (priority NULL, category QUALITY, type OTHER), and
    // DEFERRED/CANCELLED count in every non-deleted dimension; overdue and blocking only for OPEN/PROCESSING.
    func testDimensionsCountEveryNonDeletedIssue() async throws {
        try await issue(status: "DEFERRED", severity: "MAJOR", priority: "LOW", type: "BLOCKER", category: "TASK",
                        blocking: true, due: "2026-01-01", created: "2026-01-01 10:00+08")
        try await issue(status: "CANCELLED", severity: "CRITICAL", type: "OTHER", category: "QUALITY",
                        created: "2026-01-01 10:00+08")
        try await issue(status: "PROCESSING", priority: "URGENT", blocking: true, due: "2026-01-09",
                        created: "2026-01-01 10:00+08")   // due D: not overdue yet
        try await issue(status: "OPEN", due: "2026-01-08", created: "2026-01-01 10:00+08")  // overdue
        try await issue(status: "DELETED", severity: "MAJOR", priority: "LOW", type: "BLOCKER", category: "TASK",
                        blocking: true, due: "2026-01-01", created: "2026-01-01 10:00+08")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T03:00"))
        let row = try await snapshot()
        XCTAssertEqual(row?["total_issues"], "4")
        XCTAssertEqual(row?["deferred_issues"], "1")
        XCTAssertEqual(row?["cancelled_issues"], "1")
        XCTAssertEqual(row?["major_issues"], "1")
        XCTAssertEqual(row?["critical_issues"], "1")
        XCTAssertEqual(row?["low_priority_issues"], "1")
        XCTAssertEqual(row?["urgent_issues"], "1")
        XCTAssertEqual(row?["blocker_issues"], "1")
        XCTAssertEqual(row?["task_issues"], "1")
        XCTAssertEqual(row?["blocking_issues"], "1")
        XCTAssertEqual(row?["overdue_issues"], "1")
        XCTAssertEqual(row?["priority_distribution"], #"{"LOW": 1, "HIGH": 0, "MEDIUM": 0, "URGENT": 1}"#)
    }

    // A row stored for D before the run (another writer, or a run that won a race) is kept as it is.
    func testExistingRowIsKept() async throws {
        try await h.exec("INSERT INTO issue_statistics_snapshots (snapshot_date, total_issues) VALUES ('2026-01-09', 99)")
        try await issue(status: "OPEN", created: "2026-01-08 10:00+08")
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T03:00"))
        let row = try await snapshot()
        XCTAssertEqual(row?["total_issues"], "99")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.skipped, 1)
    }

    // A redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await seedScenario1()
        let runID = UUID()
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T03:00", runID: runID))
        let second = await h.run(job, at: "2026-01-09T03:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let total = try await h.count("SELECT 1 FROM issue_statistics_snapshots")
        XCTAssertEqual(total, 1)
        let events = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(events, 1)
    }
}
