import Foundation
import PMSBus
import PMSRuntime
import PMSTestSupport
import ProgressService
import XCTest

/// services-progress.md, calculate_progress_summary: every acceptance scenario with the corrected expectations
/// (the original computed an integer and never wrote), plus re-run, redelivered tick and the archived scope.
final class CalculateProgressSummaryTests: XCTestCase {
    var h: JobHarness!
    let job = CalculateProgressSummary()

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .progress)
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, progress_pct, is_active, is_archived, updated_at) VALUES
              (1, 'P-1', '项目一', 0.00, true, false, '2026-01-01T00:00:00Z'),
              (2, 'P-2', '项目二', 0.00, true, false, '2026-01-01T00:00:00Z'),
              (3, 'P-3', '项目三', 12.50, true, false, '2026-01-01T00:00:00Z'),
              (4, 'P-4', '项目四', 7.00, false, false, '2026-01-01T00:00:00Z');
            """)
    }

    override func tearDown() async throws { await h.close() }

    func progress(_ project: Int) async throws -> String? {
        try await h.rows("SELECT progress_pct::text AS v FROM projects WHERE id = $1", [project]).first?["v"]
    }

    func updatedAt(_ project: Int) async throws -> String? {
        try await h.rows("SELECT updated_at::text AS v FROM projects WHERE id = $1", [project]).first?["v"]
    }

    /// Scenario 1's tasks; `weightB` lets scenario 2 store NULL.
    func seedProject1(weightB: String = "1.00") async throws {
        try await h.exec("""
            INSERT INTO tasks (project_id, task_name, status, progress_percent, weight) VALUES
              (1, 'A', 'IN_PROGRESS', 100, 2.00),
              (1, 'B', 'TODO', 50, \(weightB)),
              (1, 'C', 'CANCELLED', 0, 5.00);
            """)
    }

    // Scenario 1: weighted, 2 decimals, CANCELLED excluded → 83.33 (the original computes 83 and writes nothing).
    func testScenario1WeightedMeanWithTwoDecimals() async throws {
        try await seedProject1()
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let value = try await progress(1)
        XCTAssertEqual(value, "83.33")
        let result = try await h.lastResult(job.id)
        XCTAssertEqual(result?.updated, 1)
    }

    // Scenario 2: a NULL weight counts as 1.00 and the run succeeds (the original raised TypeError).
    func testScenario2NullWeightCountsAsOne() async throws {
        try await seedProject1(weightB: "NULL")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let value = try await progress(1)
        XCTAssertEqual(value, "83.33")
    }

    // Scenario 3: a DONE task counts as 100 % whatever its stored progress.
    func testScenario3DoneCountsAsHundred() async throws {
        try await h.exec("INSERT INTO tasks (project_id, task_name, status, progress_percent, weight) VALUES (2, 'D', 'DONE', 80, 1.00);")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let value = try await progress(2)
        XCTAssertEqual(value, "100.00")
    }

    // Scenario 4: only CANCELLED tasks → unchanged; an inactive project is not touched.
    func testScenario4OnlyCancelledAndInactiveAreLeftAlone() async throws {
        try await h.exec("""
            INSERT INTO tasks (project_id, task_name, status, progress_percent, weight) VALUES
              (3, 'X', 'CANCELLED', 90, 1.00),
              (4, 'Y', 'DONE', 100, 1.00);
            """)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let p3 = try await progress(3)
        let p4 = try await progress(4)
        XCTAssertEqual(p3, "12.50")
        XCTAssertEqual(p4, "7.00")
        let untouched = try await h.count(
            "SELECT 1 FROM projects WHERE id IN (3, 4) AND updated_at = '2026-01-01T00:00:00Z'::timestamptz")
        XCTAssertEqual(untouched, 2)
        let result = try await h.lastResult(job.id)
        XCTAssertEqual(result?.updated, 0)
    }

    // Scenario 5: a re-run with unchanged data issues no update (updated_at stays the first run's).
    func testScenario5RerunWritesNothing() async throws {
        try await seedProject1()
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        let stamp = try await updatedAt(1)
        let second = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(second)
        let again = try await updatedAt(1)
        XCTAssertEqual(again, stamp)
        let result = try await h.lastResult(job.id)
        XCTAssertEqual(result?.updated, 0)
    }

    // Correct rule: NULL progress → 0, out-of-range progress clamped, weight ≤ 0 dropped, half-up rounding.
    func testNullProgressClampAndNonPositiveWeight() async throws {
        try await h.exec("""
            INSERT INTO tasks (project_id, task_name, status, progress_percent, weight) VALUES
              (2, 'N', 'TODO', NULL, 1.00),
              (2, 'O', 'IN_PROGRESS', 150, 1.00),
              (2, 'Z', 'IN_PROGRESS', 100, 0.00),
              (2, 'M', 'IN_PROGRESS', 100, -1.00),
              (3, 'H', 'IN_PROGRESS', 1, 1.00),
              (3, 'I', 'IN_PROGRESS', 0, 7.00);
            """)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let p2 = try await progress(2)
        XCTAssertEqual(p2, "50.00")
        // 1 / 8 = 0.125 → 0.13 (half-up).
        let p3 = try await progress(3)
        XCTAssertEqual(p3, "0.13")
    }

    // General rule: archived projects are skipped.
    func testArchivedProjectIsSkipped() async throws {
        try await h.exec("""
            UPDATE projects SET is_archived = true WHERE id = 2;
            INSERT INTO tasks (project_id, task_name, status, progress_percent, weight) VALUES (2, 'D', 'DONE', 80, 1.00);
            """)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let p2 = try await progress(2)
        XCTAssertEqual(p2, "0.00")
    }

    // A changed task is picked up by the next run.
    func testChangedProgressIsWrittenNextRun() async throws {
        try await seedProject1()
        _ = await h.run(job, at: "2026-01-09T10:00")
        try await h.exec("UPDATE tasks SET progress_percent = 80 WHERE task_name = 'B';")
        let outcome = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(outcome)
        let value = try await progress(1)
        XCTAssertEqual(value, "93.33")
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await seedProject1()
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T10:00", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T10:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/calculate_progress_summary/succeeded'")
        XCTAssertEqual(succeeded, 1)
    }
}
