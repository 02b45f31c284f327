import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 成本超支预警, daily 10:00. Raises COST_OVERRUN (prefix CO) for every active, non-archived project whose
/// overrun ratio (actual − budget) / budget × 100 is above 5 %: WARNING, above 20 % CRITICAL. Corrected:
/// budget = total_amount of the latest APPROVED, active project_budgets row (approved_at DESC, id DESC), else
/// projects.budget_amount; a budget that is NULL or ≤ 0 means "no budget" and the project is skipped (counted,
/// DECISIONS "Budgets"). Actual = SUM(project_costs.amount) exactly (numeric throughout, one grouped query);
/// projects.actual_cost is only compared, and drift above 0.01 is logged. trigger_value = the ratio with 2
/// decimals, threshold_value = the threshold of the level reached ('5' or '20'). The open alert is refreshed and
/// upgraded in place; it resolves 'auto-closed: within budget' once the ratio is ≤ 5 or the budget is gone, and
/// `AUTO: condition cleared` when its project became inactive or archived (DECISIONS general rule).
/// Recipients: PM, roles FIN, CFO, FI, FINANCE (active users only; none at all = unrouted).
public struct CheckCostOverrunAlerts: Job {
    public let id = "check_cost_overrun_alerts"
    public var roleCodes = ["FIN", "CFO", "FI", "FINANCE"]

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let db = context.connection
        let rule = try await AlertRule.load(code: "COST_OVERRUN", on: db)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }

        try await db.executeScript(Self.buildScope)
        guard let scope = try await db.query(Self.scopeCounts).first else {
            throw JobFailure("cost overrun scope statement returned no row")
        }
        let checked = try scope.decode(Int.self, "checked")
        let noBudget = try scope.decode(Int.self, "no_budget")
        let drift = try scope.decode(Int.self, "drift")
        if drift > 0 {
            // The denormalised projects.actual_cost is not trusted; the ledger sum wins (spec gap "precedence").
            context.logger.warning("projects.actual_cost differs from SUM(project_costs.amount) by more than 0.01",
                                   metadata: ["event": "actual_cost_drift", "count": "\(drift)"])
        }

        let left = try await db.query(Self.resolveInactiveProjects, [rule.id, context.now])
            .first?.decode(Int.self, "n") ?? 0
        let writer = AlertWriter(rule: rule, roleCodes: roleCodes, resolveText: "auto-closed: within budget")
        let outcome = try await writer.apply(candidatesSQL: Self.candidates, in: context)
        return RunResult(
            checked: checked, created: outcome.created, updated: outcome.refreshed,
            resolved: outcome.resolved + left, notified: outcome.recipients,
            skipped: noBudget + outcome.suppressed, unrouted: outcome.unrouted,
            details: [
                "overrun_count": .number(Double(outcome.candidates)),
                "no_budget": .number(Double(noBudget)),
                "actual_cost_drift": .number(Double(drift)),
                "levels_raised": .number(Double(outcome.levelRaised)),
                "resolved_inactive_project": .number(Double(left)),
            ])
    }

    /// Active, non-archived projects with their budget and ledger total, computed once per run (one grouped
    /// SUM over project_costs; the latest approved budget through idx_project_budgets_approved). No parameters.
    static let buildScope = """
        DROP TABLE IF EXISTS pg_temp.cost_overrun_scope;
        CREATE TEMP TABLE cost_overrun_scope ON COMMIT DROP AS
        SELECT p.id, p.project_code, p.project_name, p.pm_id, p.actual_cost,
               coalesce(b.total_amount, p.budget_amount) AS budget,
               coalesce(c.actual, 0) AS actual
          FROM projects p
          LEFT JOIN LATERAL (
              SELECT pb.total_amount FROM project_budgets pb
               WHERE pb.project_id = p.id AND pb.status = 'APPROVED' AND pb.is_active
               ORDER BY pb.approved_at DESC, pb.id DESC LIMIT 1
          ) b ON true
          LEFT JOIN (SELECT pc.project_id, sum(pc.amount) AS actual FROM project_costs pc GROUP BY pc.project_id) c
                 ON c.project_id = p.id
         WHERE p.is_active AND NOT p.is_archived;
        """

    /// Counts over the scope: projects checked, without a budget, with a drifting actual_cost. No parameters.
    static let scopeCounts = """
        SELECT count(*)::int AS checked,
               count(*) FILTER (WHERE budget IS NULL OR budget <= 0)::int AS no_budget,
               count(*) FILTER (WHERE abs(coalesce(actual_cost, 0) - actual) > 0.01)::int AS drift
          FROM cost_overrun_scope
        """

    /// Alert candidates in project id order (load order). The ratio stays numeric; × 100 before the division
    /// keeps it exact for cent amounts. No parameters.
    static let candidates = """
        WITH r AS (
            SELECT s.*, (s.actual - s.budget) * 100 / s.budget AS ratio
              FROM cost_overrun_scope s
             WHERE s.budget > 0
        )
        SELECT 'PROJECT', r.id, r.project_code, r.project_name, r.id, NULL::bigint,
               CASE WHEN r.ratio > 20 THEN 'CRITICAL' ELSE 'WARNING' END,
               '项目成本超支：' || r.project_name,
               '项目 ' || r.project_code || ' 成本超支 ' || round(r.ratio, 2)::text || '%（预算：'
                   || to_char(r.budget, 'FM999,999,999,999,990.00') || '，实际：'
                   || to_char(r.actual, 'FM999,999,999,999,990.00') || '）',
               NULL::jsonb, round(r.ratio, 2)::text, CASE WHEN r.ratio > 20 THEN '20' ELSE '5' END,
               'COST_OVERRUN:PROJECT:' || r.id, r.id, true,
               jsonb_build_array(jsonb_build_object('user_id', r.pm_id, 'reason', 'PM'))
          FROM r
         WHERE r.ratio > 5
        """

    /// DECISIONS "Inactive or archived" (general rule): open alerts of projects that became inactive or archived
    /// resolve with the general text; the writer then no longer sees them. $1 rule id, $2 run's now.
    static let resolveInactiveProjects = """
        WITH gone AS (
            UPDATE alert_records a
               SET status = 'RESOLVED', handle_end_at = $2, handle_result = 'AUTO: condition cleared',
                   condition_cleared_at = $2, updated_at = $2
              FROM projects p
             WHERE a.rule_id = $1 AND a.status IN ('PENDING','ACKNOWLEDGED','PROCESSING')
               AND a.target_type = 'PROJECT' AND p.id = a.target_id
               AND NOT (p.is_active AND NOT p.is_archived)
            RETURNING 1
        )
        SELECT count(*)::int AS n FROM gone
        """
}
