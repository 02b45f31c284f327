import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 计算项目健康度, hourly at :00. Computes H1–H4 for every active, non-archived project with the HealthCalculator
/// rule (first match wins) and, where it differs from `projects.health`, updates the project and logs one
/// `project_status_logs` row (HEALTH_AUTO_CALCULATED, changed_by NULL). Corrected rule: blocking issue =
/// (BLOCKER or is_blocking) and OPEN/PROCESSING; an open MATERIAL_SHORTAGE alert of level CRITICAL or URGENT → H3,
/// WARNING → H2; open = PENDING/ACKNOWLEDGED/PROCESSING; CANCELLED milestones are out of scope; the schedule
/// variance needs planned start, planned end and actual start, clamps planned % to 0–100 and is decimal.
/// Writes only on change; one set-based statement.
public struct CalculateProjectHealth: Job {
    public let id = "calculate_project_health"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        guard let row = try await context.connection.query(Self.apply, [context.today.description, context.now]).first
        else { throw JobFailure("health statement returned no row") }
        let checked = try row.decode(Int.self, "checked")
        let updated = try row.decode(Int.self, "updated")
        return RunResult(checked: checked, updated: updated, details: ["date": .string(context.today.description)])
    }

    /// The health rule as CTEs ending in `health` (one row per active, non-archived project: the project columns,
    /// the facts, `variance` (NULL when not computable) and `computed`). $1 is D. Shared with daily_health_snapshot.
    static let healthCTEs = """
        scope AS (
            SELECT id, stage, status, health, planned_start_date, planned_end_date, actual_start_date, progress_pct
              FROM projects WHERE is_active AND NOT is_archived
        ), blocked_tasks AS (
            SELECT project_id, count(*) AS n FROM tasks WHERE status = 'BLOCKED' GROUP BY project_id
        ), issue_facts AS (
            SELECT project_id,
                   count(*) FILTER (WHERE issue_type = 'BLOCKER' OR is_blocking) AS blocking,
                   count(*) FILTER (WHERE priority IN ('HIGH', 'URGENT')) AS high
              FROM issues
             WHERE status IN ('OPEN', 'PROCESSING') AND project_id IS NOT NULL
             GROUP BY project_id
        ), alert_facts AS (
            SELECT a.project_id, count(*) AS open_alerts,
                   count(*) FILTER (WHERE r.rule_type = 'MATERIAL_SHORTAGE' AND a.alert_level IN ('CRITICAL', 'URGENT'))
                       AS shortage_critical,
                   count(*) FILTER (WHERE r.rule_type = 'MATERIAL_SHORTAGE' AND a.alert_level = 'WARNING')
                       AS shortage_warning
              FROM alert_records a JOIN alert_rules r ON r.id = a.rule_id
             WHERE a.status IN ('PENDING', 'ACKNOWLEDGED', 'PROCESSING') AND a.project_id IS NOT NULL
             GROUP BY a.project_id
        ), milestone_facts AS (
            SELECT project_id,
                   count(*) FILTER (WHERE planned_date < $1::date AND status <> 'COMPLETED') AS delayed,
                   count(*) FILTER (WHERE NOT (planned_date < $1::date AND status <> 'COMPLETED')) AS on_track
              FROM project_milestones
             WHERE is_key AND status <> 'CANCELLED'
             GROUP BY project_id
        ), facts AS (
            SELECT s.*,
                   coalesce(bt.n, 0)::int AS blocked_tasks,
                   coalesce(i.blocking, 0)::int AS blocking_issues,
                   coalesce(i.high, 0)::int AS high_issues,
                   coalesce(a.open_alerts, 0)::int AS open_alerts,
                   coalesce(a.shortage_critical, 0)::int AS shortage_critical,
                   coalesce(a.shortage_warning, 0)::int AS shortage_warning,
                   coalesce(m.delayed, 0)::int AS milestone_delayed,
                   coalesce(m.on_track, 0)::int AS milestone_on_track,
                   CASE WHEN s.planned_start_date IS NOT NULL AND s.planned_end_date IS NOT NULL
                             AND s.actual_start_date IS NOT NULL AND s.planned_end_date > s.planned_start_date
                        THEN least(greatest(($1::date - s.planned_start_date)::numeric * 100
                                            / (s.planned_end_date - s.planned_start_date), 0), 100)
                             - coalesce(s.progress_pct, 0)
                   END AS variance
              FROM scope s
              LEFT JOIN blocked_tasks bt ON bt.project_id = s.id
              LEFT JOIN issue_facts i ON i.project_id = s.id
              LEFT JOIN alert_facts a ON a.project_id = s.id
              LEFT JOIN milestone_facts m ON m.project_id = s.id
        ), health AS (
            SELECT f.*,
                   CASE WHEN f.status IN ('ST30', 'ST99') THEN 'H4'
                        WHEN f.status IN ('ST14', 'ST19') OR f.blocked_tasks > 0 OR f.blocking_issues > 0
                             OR f.shortage_critical > 0 THEN 'H3'
                        WHEN f.status IN ('ST22', 'ST26') OR f.planned_end_date - $1::date BETWEEN 0 AND 7
                             OR f.milestone_delayed > 0 OR f.shortage_warning > 0 OR f.high_issues > 0
                             OR f.variance > 10 THEN 'H2'
                        ELSE 'H1'
                   END AS computed
              FROM facts f
        )
        """

    /// $1 D, $2 run's now.
    static let apply = """
        WITH \(healthCTEs), changed AS (
            UPDATE projects p SET health = h.computed, updated_at = $2
              FROM health h
             WHERE p.id = h.id AND p.health <> h.computed
            RETURNING p.id, h.stage, h.status, h.health AS old_health, h.computed AS new_health
        ), logs AS (
            INSERT INTO project_status_logs (project_id, old_stage, new_stage, old_status, new_status, old_health,
                                             new_health, change_type, change_reason, changed_by, changed_at)
            SELECT id, stage, stage, status, status, old_health, new_health, 'HEALTH_AUTO_CALCULATED',
                   '系统自动计算健康度：' || old_health || ' -> ' || new_health, NULL, $2
              FROM changed
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM scope)::int AS checked, (SELECT count(*) FROM logs)::int AS updated
        """
}
