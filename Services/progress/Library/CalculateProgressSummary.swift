import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 进度汇总计算, hourly at :00. Rolls the WBS `tasks` of every active, non-archived project up into
/// `projects.progress_pct` (the progress domain is its only writer): weighted mean of the task progress, CANCELLED
/// tasks out, NULL weight → 1.00, weight ≤ 0 dropped, NULL progress → 0, clamped to 0–100, DONE counts as 100,
/// rounded half-up to 2 decimals. A project without remaining tasks keeps its value. Written only on change, so a
/// re-run with unchanged data issues no update. One grouped statement (no query per project).
public struct CalculateProgressSummary: Job {
    public let id = "calculate_progress_summary"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        guard let row = try await context.connection.query(Self.rollUp, [context.now]).first else {
            throw JobFailure("progress roll-up returned no row")
        }
        let checked = try row.decode(Int.self, "checked")
        let computed = try row.decode(Int.self, "computed")
        let updated = try row.decode(Int.self, "updated")
        return RunResult(checked: checked, updated: updated, skipped: checked - computed)
    }

    /// $1 run's now. Archived projects are skipped (general rule; the spec allows it). `round` on numeric rounds
    /// half away from zero, which is half-up for these non-negative values.
    static let rollUp = """
        WITH scope AS (
            SELECT id FROM projects WHERE is_active AND NOT is_archived
        ), weighted AS (
            SELECT t.project_id, coalesce(t.weight, 1.00) AS w,
                   CASE WHEN t.status = 'DONE' THEN 100
                        ELSE least(greatest(coalesce(t.progress_percent, 0), 0), 100) END AS p
              FROM tasks t JOIN scope s ON s.id = t.project_id
             WHERE t.status IS DISTINCT FROM 'CANCELLED'
        ), rollup AS (
            SELECT project_id, round(sum(p * w) / sum(w), 2) AS pct
              FROM weighted WHERE w > 0
             GROUP BY project_id
        ), changed AS (
            UPDATE projects p SET progress_pct = r.pct, updated_at = $1
              FROM rollup r
             WHERE p.id = r.project_id AND p.progress_pct IS DISTINCT FROM r.pct
            RETURNING p.id
        )
        SELECT (SELECT count(*) FROM scope)::int AS checked,
               (SELECT count(*) FROM rollup)::int AS computed,
               (SELECT count(*) FROM changed)::int AS updated
        """
}
