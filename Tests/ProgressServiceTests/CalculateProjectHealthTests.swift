import Foundation
import PMSBus
import PMSRuntime
import PMSTestSupport
import ProgressService
import XCTest

/// services-progress.md, calculate_project_health: every acceptance scenario (corrected: the health is written and
/// logged; the original wrote nothing and crashed on BLOCKER), plus the corrected rule points (is_blocking,
/// URGENT shortage → H3, open = PENDING/ACKNOWLEDGED/PROCESSING, clamped variance), scope, re-run and redelivery.
/// D = 2026-01-09.
final class CalculateProjectHealthTests: XCTestCase {
    var h: JobHarness!
    let job = CalculateProjectHealth()

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .progress)
    }

    override func tearDown() async throws { await h.close() }

    func project(_ id: Int, status: String = "ST08", health: String = "H1", start: String? = nil, end: String? = nil,
                 actualStart: String? = nil, progress: Double? = 0, active: Bool = true, archived: Bool = false) async throws {
        try await h.db.execute(
            """
            INSERT INTO projects (id, project_code, project_name, stage, status, health, planned_start_date,
                                  planned_end_date, actual_start_date, progress_pct, is_active, is_archived)
            VALUES ($1, $2, $3, 'S4', $4, $5, $6::date, $7::date, $8::date, $9, $10, $11)
            """, [id, "P-\(id)", "项目\(id)", status, health, start, end, actualStart, progress, active, archived])
    }

    func issue(_ no: Int, project: Int, type: String? = "DEFECT", priority: String = "MEDIUM", status: String = "OPEN",
               blocking: Bool = false) async throws {
        try await h.db.execute(
            """
            INSERT INTO issues (issue_no, title, project_id, issue_type, priority, status, is_blocking)
            VALUES ($1, '问题', $2, $3, $4, $5, $6)
            """, ["IS-\(no)", project, type, priority, status, blocking])
    }

    func alert(_ no: Int, project: Int, rule: Int = 1, level: String, status: String = "PENDING") async throws {
        try await h.db.execute(
            """
            INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, project_id, alert_level, alert_title,
                                       alert_content, status)
            VALUES ($1, $2, 'MATERIAL', $3, $4, $5, '缺料', '缺料', $6)
            """, ["SA\(no)", rule, no, project, level, status])
    }

    func health(_ project: Int) async throws -> String? {
        try await h.rows("SELECT health FROM projects WHERE id = $1", [project]).first?["health"]
    }

    func logs() async throws -> [String] {
        try await h.rows("""
            SELECT project_id, old_stage, new_stage, old_status, new_status, old_health, new_health, change_type,
                   change_reason, coalesce(changed_by::text, 'NULL') AS changed_by
              FROM project_status_logs ORDER BY project_id, id
            """).map { row in
            ["project_id", "old_stage", "new_stage", "old_status", "new_status", "old_health", "new_health",
             "change_type", "change_reason", "changed_by"].map { c in row[c] ?? "" }.joined(separator: "|")
        }
    }

    /// The five acceptance projects (4 with progress 50.00).
    func seedScenarios() async throws {
        try await project(1, status: "ST30")
        try await project(2)
        try await issue(1, project: 2, type: "BLOCKER")
        try await project(3, end: "2026-01-14")
        try await project(4, start: "2025-12-01", end: "2026-01-31", actualStart: "2025-12-01", progress: 50)
        try await project(5)
    }

    // Scenarios 1–4 (corrected outcome): H4, H3, H2, H2 written, one log each; scenario 5: project 5 untouched.
    func testScenarios1To5() async throws {
        try await seedScenarios()
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        var values: [String] = []
        for id in 1...5 { values.append(try await health(id) ?? "") }
        XCTAssertEqual(values, ["H4", "H3", "H2", "H2", "H1"])
        let written = try await logs()
        XCTAssertEqual(written, [
            "1|S4|S4|ST30|ST30|H1|H4|HEALTH_AUTO_CALCULATED|系统自动计算健康度：H1 -> H4|NULL",
            "2|S4|S4|ST08|ST08|H1|H3|HEALTH_AUTO_CALCULATED|系统自动计算健康度：H1 -> H3|NULL",
            "3|S4|S4|ST08|ST08|H1|H2|HEALTH_AUTO_CALCULATED|系统自动计算健康度：H1 -> H2|NULL",
            "4|S4|S4|ST08|ST08|H1|H2|HEALTH_AUTO_CALCULATED|系统自动计算健康度：H1 -> H2|NULL",
        ])
        let changedAt = try await h.count(
            "SELECT 1 FROM project_status_logs WHERE changed_at = '2026-01-09T10:00:00+08:00'::timestamptz")
        XCTAssertEqual(changedAt, 4)
        let result = try await h.lastResult(job.id)
        XCTAssertEqual(result?.checked, 5)
        XCTAssertEqual(result?.updated, 4)
    }

    // Scenario 4, second half: progress 60.00 → variance 3.93 → H1.
    func testScenario4OnTrackProgressStaysH1() async throws {
        try await project(4, start: "2025-12-01", end: "2026-01-31", actualStart: "2025-12-01", progress: 60)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let value = try await health(4)
        XCTAssertEqual(value, "H1")
        let count = try await h.count("SELECT 1 FROM project_status_logs")
        XCTAssertEqual(count, 0)
    }

    // Scenario 5: running twice in the same hour (and on the same day) adds no second log row.
    func testRerunWritesNothing() async throws {
        try await seedScenarios()
        _ = await h.run(job, at: "2026-01-09T10:00")
        let second = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(second)
        let count = try await h.count("SELECT 1 FROM project_status_logs")
        XCTAssertEqual(count, 4)
        let result = try await h.lastResult(job.id)
        XCTAssertEqual(result?.updated, 0)
    }

    // Gap 4: planned % is clamped to 100 after the planned end (100 − 95 = 5, not 120 − 95); a missing planned
    // start or actual start skips the variance.
    func testVarianceIsClampedAndNeedsAllThreeDates() async throws {
        try await project(6, start: "2025-11-01", end: "2025-12-20", actualStart: "2025-11-01", progress: 95)
        try await project(7, start: nil, end: "2026-03-31", actualStart: "2025-11-01", progress: 0)
        try await project(8, start: "2025-11-01", end: "2026-03-31", actualStart: nil, progress: 0)
        try await project(9, start: "2025-11-01", end: "2026-03-31", actualStart: "2025-11-01", progress: nil)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        var values: [String] = []
        for id in 6...9 { values.append(try await health(id) ?? "") }
        // Project 9: NULL progress reads 0, planned % = 69/150 = 46 → H2.
        XCTAssertEqual(values, ["H1", "H1", "H1", "H2"])
    }

    // H3 causes: ST14/ST19, a BLOCKED task, an is_blocking issue (gap 5), a CRITICAL or URGENT open shortage
    // alert (gap 6, DECISIONS: URGENT is critical), ACKNOWLEDGED counting as open.
    func testH3Causes() async throws {
        try await project(10, status: "ST14")
        try await project(11, status: "ST19")
        try await project(12)
        try await h.exec("INSERT INTO tasks (project_id, task_name, status) VALUES (12, '卡住', 'BLOCKED');")
        try await project(13)
        try await issue(2, project: 13, type: "DEFECT", status: "PROCESSING", blocking: true)
        try await project(14)
        try await alert(1, project: 14, level: "CRITICAL")
        try await project(15)
        try await alert(2, project: 15, level: "URGENT", status: "ACKNOWLEDGED")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        var values: [String] = []
        for id in 10...15 { values.append(try await health(id) ?? "") }
        XCTAssertEqual(values, ["H3", "H3", "H3", "H3", "H3", "H3"])
    }

    // H2 causes: ST22/ST26, overdue key milestone, WARNING shortage alert, HIGH/URGENT open issue.
    func testH2Causes() async throws {
        try await project(20, status: "ST22")
        try await project(21, status: "ST26")
        try await project(22)
        try await h.exec("""
            INSERT INTO project_milestones (project_id, milestone_code, milestone_name, planned_date, status, is_key)
            VALUES (22, 'M1', '验收', '2026-01-08', 'IN_PROGRESS', true);
            """)
        try await project(23)
        try await alert(3, project: 23, level: "WARNING")
        try await project(24)
        try await issue(3, project: 24, priority: "URGENT")
        try await project(25, end: "2026-01-09")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        var values: [String] = []
        for id in 20...25 { values.append(try await health(id) ?? "") }
        XCTAssertEqual(values, ["H2", "H2", "H2", "H2", "H2", "H2"])
    }

    // Not risks: closed/deferred/cancelled issues, non-shortage or closed alerts, INFO shortage alerts,
    // non-key / completed / cancelled / due-today milestones, a planned end already past or 8 days away.
    func testThingsThatAreNoRisk() async throws {
        try await project(30, end: "2026-01-17")
        try await issue(4, project: 30, type: "BLOCKER", priority: "URGENT", status: "RESOLVED")
        try await issue(5, project: 30, type: "BLOCKER", status: "DEFERRED", blocking: true)
        try await issue(6, project: 30, type: "BLOCKER", status: "CANCELLED")
        try await alert(4, project: 30, rule: 11, level: "URGENT")
        try await alert(5, project: 30, level: "CRITICAL", status: "RESOLVED")
        try await alert(6, project: 30, level: "INFO")
        try await h.exec("""
            INSERT INTO project_milestones (project_id, milestone_code, milestone_name, planned_date, status, is_key) VALUES
              (30, 'M1', '非关键', '2026-01-01', 'PENDING', false),
              (30, 'M2', '已完成', '2026-01-01', 'COMPLETED', true),
              (30, 'M3', '已取消', '2026-01-01', 'CANCELLED', true),
              (30, 'M4', '今天', '2026-01-09', 'PENDING', true);
            INSERT INTO tasks (project_id, task_name, status) VALUES (30, '取消', 'CANCELLED'), (30, '完成', 'DONE');
            """)
        try await project(31, end: "2026-01-08")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let h30 = try await health(30)
        let h31 = try await health(31)
        XCTAssertEqual(h30, "H1")
        XCTAssertEqual(h31, "H1")
    }

    // When the condition clears the health comes back down, with its own log row.
    func testHealthFallsWhenTheRiskClears() async throws {
        try await project(2)
        try await issue(1, project: 2, type: "BLOCKER")
        _ = await h.run(job, at: "2026-01-09T10:00")
        try await h.exec("UPDATE issues SET status = 'CLOSED';")
        let outcome = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(outcome)
        let value = try await health(2)
        XCTAssertEqual(value, "H1")
        let written = try await logs()
        XCTAssertEqual(written.map { $0.split(separator: "|")[8] }, ["系统自动计算健康度：H1 -> H3", "系统自动计算健康度：H3 -> H1"])
    }

    // Scope: inactive and archived projects are not touched.
    func testInactiveAndArchivedProjectsAreSkipped() async throws {
        try await project(40, status: "ST30", active: false)
        try await project(41, status: "ST30", archived: true)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let h40 = try await health(40)
        let h41 = try await health(41)
        XCTAssertEqual(h40, "H1")
        XCTAssertEqual(h41, "H1")
        let count = try await h.count("SELECT 1 FROM project_status_logs")
        XCTAssertEqual(count, 0)
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await seedScenarios()
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T10:00", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T10:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/calculate_project_health/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let count = try await h.count("SELECT 1 FROM project_status_logs")
        XCTAssertEqual(count, 4)
    }
}
