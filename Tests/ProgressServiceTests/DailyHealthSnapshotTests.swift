import Foundation
import PMSBus
import PMSRuntime
import PMSTestSupport
import ProgressService
import XCTest

/// services-progress.md, daily_health_snapshot: every acceptance scenario (corrected: rows are written; the
/// original inserted nothing), plus the corrected counts (open = PENDING/ACKNOWLEDGED/PROCESSING per DECISIONS
/// "Open everywhere", blocking = BLOCKER or is_blocking), the optional columns DATA-MODEL fills
/// (schedule_variance, milestone_on_track), re-run and redelivery. D = 2026-01-09, run 02:00.
final class DailyHealthSnapshotTests: XCTestCase {
    var h: JobHarness!
    let job = DailyHealthSnapshot()

    static let columns = [
        "overall_health", "schedule_health", "cost_health", "quality_health", "resource_health", "health_score",
        "open_alerts", "open_exceptions", "blocking_issues", "schedule_variance", "milestone_on_track",
        "milestone_delayed", "cost_variance", "budget_used_pct", "top_risks",
    ]

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .progress)
    }

    override func tearDown() async throws { await h.close() }

    func project(_ id: Int, status: String = "ST08", active: Bool = true, archived: Bool = false) async throws {
        try await h.db.execute(
            "INSERT INTO projects (id, project_code, project_name, status, is_active, is_archived) VALUES ($1, $2, $3, $4, $5, $6)",
            [id, "P-\(id)", "项目\(id)", status, active, archived])
    }

    func alert(_ no: Int, project: Int, status: String = "PENDING") async throws {
        try await h.db.execute(
            """
            INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, project_id, alert_level, alert_title,
                                       alert_content, status)
            VALUES ($1, 11, 'TASK', $2, $3, 'WARNING', '任务延期', '任务延期', $4)
            """, ["TD\(no)", no, project, status])
    }

    /// The snapshot rows of `date`, keyed by project id, each as column → text ("NULL" for NULL).
    func snapshots(_ date: String = "2026-01-09") async throws -> [Int: [String: String]] {
        let rows = try await h.rows("""
            SELECT project_id, \(Self.columns.map { "coalesce(\($0)::text, 'NULL') AS \($0)" }.joined(separator: ", "))
              FROM project_health_snapshots WHERE snapshot_date = '\(date)'::date
            """)
        var result: [Int: [String: String]] = [:]
        for row in rows {
            var values: [String: String] = [:]
            for c in Self.columns { values[c] = row[c] }
            result[Int(row["project_id"] ?? "") ?? -1] = values
        }
        return result
    }

    func row(_ health: String, alerts: Int = 0, blocking: Int = 0, variance: String = "0.00", onTrack: Int = 0,
             delayed: Int = 0) -> [String: String] {
        [
            "overall_health": health, "schedule_health": "NULL", "cost_health": "NULL", "quality_health": "NULL",
            "resource_health": "NULL", "health_score": "0", "open_alerts": "\(alerts)", "open_exceptions": "0",
            "blocking_issues": "\(blocking)", "schedule_variance": variance, "milestone_on_track": "\(onTrack)",
            "milestone_delayed": "\(delayed)", "cost_variance": "0.00", "budget_used_pct": "0.00", "top_risks": "NULL",
        ]
    }

    /// Scenario 1's project: 3 PENDING alerts, 1 OPEN BLOCKER issue, 2 overdue key milestones, 1 overdue non-key.
    func seedProject1() async throws {
        try await project(1)
        for no in 1...3 { try await alert(no, project: 1) }
        try await h.exec("""
            INSERT INTO issues (issue_no, title, project_id, issue_type, status) VALUES ('IS-1', '卡料', 1, 'BLOCKER', 'OPEN');
            INSERT INTO project_milestones (project_id, milestone_code, milestone_name, planned_date, status, is_key) VALUES
              (1, 'M1', '设计评审', '2026-01-05', 'PENDING', true),
              (1, 'M2', '出厂验收', '2026-01-08', 'DELAYED', true),
              (1, 'M3', '备料', '2026-01-02', 'IN_PROGRESS', false);
            """)
    }

    // Scenario 1: one row (H3, 3, 1, 2, score 0) — the original inserted nothing (AttributeError).
    func testScenario1OneRowWithTheCounts() async throws {
        try await seedProject1()
        let outcome = await h.run(job, at: "2026-01-09T02:00")
        XCTAssertSucceeded(outcome)
        let rows = try await snapshots()
        XCTAssertEqual(rows, [1: row("H3", alerts: 3, blocking: 1, delayed: 2)])
        // The snapshot does not write projects.health (calculate_project_health does).
        let stored = try await h.rows("SELECT health FROM projects WHERE id = 1").first?["health"]
        XCTAssertEqual(stored, "H1")
        let result = try await h.lastResult(job.id)
        XCTAssertEqual(result?.created, 1)
    }

    // Scenario 2: a second run the same day inserts nothing, even when the data changed meanwhile.
    func testScenario2SecondRunInsertsNothing() async throws {
        try await seedProject1()
        _ = await h.run(job, at: "2026-01-09T02:00")
        try await alert(4, project: 1)
        let second = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(second)
        let rows = try await snapshots()
        XCTAssertEqual(rows, [1: row("H3", alerts: 3, blocking: 1, delayed: 2)])
        let total = try await h.count("SELECT 1 FROM project_health_snapshots")
        XCTAssertEqual(total, 1)
        let result = try await h.lastResult(job.id)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.skipped, 1)
    }

    // Scenario 3: archived and inactive projects get no rows.
    func testScenario3ArchivedAndInactiveGetNoRows() async throws {
        try await project(1)
        try await project(2, archived: true)
        try await project(3, active: false)
        let outcome = await h.run(job, at: "2026-01-09T02:00")
        XCTAssertSucceeded(outcome)
        let rows = try await snapshots()
        XCTAssertEqual(Set(rows.keys), [1])
    }

    // Scenario 4: a manual row for D is kept as it is; the other projects still get rows.
    func testScenario4ExistingRowIsKept() async throws {
        try await project(1)
        try await project(4)
        try await h.exec("""
            INSERT INTO project_health_snapshots (project_id, snapshot_date, overall_health, open_alerts)
            VALUES (4, '2026-01-09', 'H4', 99);
            """)
        let outcome = await h.run(job, at: "2026-01-09T02:00")
        XCTAssertSucceeded(outcome)
        let rows = try await snapshots()
        XCTAssertEqual(rows[1], row("H1"))
        XCTAssertEqual(rows[4]?["overall_health"], "H4")
        XCTAssertEqual(rows[4]?["open_alerts"], "99")
        let total = try await h.count("SELECT 1 FROM project_health_snapshots")
        XCTAssertEqual(total, 2)
    }

    // Corrected counts: open alerts are PENDING/ACKNOWLEDGED/PROCESSING (not RESOLVED/CLOSED/IGNORED); an
    // is_blocking PROCESSING issue is blocking; schedule variance and key milestones on track are filled.
    func testCorrectedCountsAndOptionalColumns() async throws {
        try await project(5, status: "ST26")
        try await h.exec("""
            UPDATE projects SET planned_start_date = '2025-12-01', planned_end_date = '2026-01-31',
                                actual_start_date = '2025-12-01', progress_pct = 50.00 WHERE id = 5;
            INSERT INTO issues (issue_no, title, project_id, issue_type, status, is_blocking) VALUES
              ('IS-2', '停线', 5, 'DEFECT', 'PROCESSING', true),
              ('IS-3', '已解决', 5, 'BLOCKER', 'RESOLVED', false);
            INSERT INTO project_milestones (project_id, milestone_code, milestone_name, planned_date, status, is_key) VALUES
              (5, 'M1', '已完成', '2026-01-02', 'COMPLETED', true),
              (5, 'M2', '未到期', '2026-02-02', 'PENDING', true),
              (5, 'M3', '已取消', '2026-01-02', 'CANCELLED', true);
            """)
        try await alert(10, project: 5, status: "ACKNOWLEDGED")
        try await alert(11, project: 5, status: "PROCESSING")
        try await alert(12, project: 5, status: "RESOLVED")
        try await alert(13, project: 5, status: "IGNORED")
        let outcome = await h.run(job, at: "2026-01-09T02:00")
        XCTAssertSucceeded(outcome)
        let rows = try await snapshots()
        // planned % = 39 / 61 × 100 = 63.93…, minus 50.00 → 13.93.
        XCTAssertEqual(rows[5], row("H3", alerts: 2, blocking: 1, variance: "13.93", onTrack: 2))
    }

    // The next day gets its own rows.
    func testNextDayGetsNewRows() async throws {
        try await project(1)
        _ = await h.run(job, at: "2026-01-09T02:00")
        let outcome = await h.run(job, at: "2026-01-10T02:00")
        XCTAssertSucceeded(outcome)
        let rows = try await snapshots("2026-01-10")
        XCTAssertEqual(rows, [1: row("H1")])
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await seedProject1()
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T02:00", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T02:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/daily_health_snapshot/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let total = try await h.count("SELECT 1 FROM project_health_snapshots")
        XCTAssertEqual(total, 1)
    }
}
