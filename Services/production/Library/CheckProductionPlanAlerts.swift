import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 生产计划预警, daily 11:00. Raises PRODUCTION_PLAN for every PUBLISHED or EXECUTING plan (of an active,
/// non-archived project, or of none) whose progress is below the rule's threshold (default 80) and whose
/// end date is at most D+7: overdue → CRITICAL, otherwise WARNING. Progress is ⌊Σ completed_qty / Σ plan_qty
/// × 100⌋ over the plan's non-cancelled work orders; a plan without any (or with Σ plan_qty = 0) uses its
/// stored `progress`, NULL as 0. The job never writes the progress back. Recipients: PM, creator,
/// workshop manager, role PMC.
public struct CheckProductionPlanAlerts: Job {
    public let id = "check_production_plan_alerts"
    public var roleCodes = ["PMC"]

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let rule = try await AlertRule.load(code: "PRODUCTION_PLAN", on: context.connection)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }
        let day = context.today.description
        let threshold = rule.thresholdValue.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 80
        let parameters: [any PostgresBindable] = [day, threshold, String(threshold)]

        let checked = try await context.connection.query(Self.countScope, [day]).first?.decode(Int.self, "n") ?? 0
        let writer = AlertWriter(rule: rule, roleCodes: roleCodes, resolveText: "AUTO: condition cleared")
        let outcome = try await writer.apply(candidatesSQL: Self.candidates, parameters: parameters, in: context)
        return RunResult(
            checked: checked, created: outcome.created, updated: outcome.refreshed, resolved: outcome.resolved,
            notified: outcome.recipients, skipped: outcome.suppressed,
            details: ["levels_raised": .number(Double(outcome.levelRaised))])
    }

    /// Plans in scope with their effective progress; $1 business day D.
    static let plans = """
        plans AS (
            SELECT pp.id, pp.plan_no, pp.plan_name, pp.project_id, pp.workshop_id, pp.created_by, pp.plan_end_date,
                   pp.plan_end_date - $1::date AS days,
                   coalesce(floor(w.done * 100 / nullif(w.planned, 0))::int, pp.progress, 0) AS progress
              FROM production_plan pp
              LEFT JOIN projects p ON p.id = pp.project_id
              LEFT JOIN LATERAL (
                  SELECT sum(wo.completed_qty) AS done, sum(wo.plan_qty) AS planned
                    FROM work_order wo
                   WHERE wo.production_plan_id = pp.id AND wo.status <> 'CANCELLED'
              ) w ON true
             WHERE pp.status IN ('PUBLISHED','EXECUTING')
               AND (pp.project_id IS NULL OR (p.is_active AND NOT p.is_archived))
        )
        """

    /// $1 business day D.
    static let countScope = "WITH \(plans) SELECT count(*)::int AS n FROM plans"

    /// Alert candidates; $1 business day D, $2 progress threshold, $3 threshold text.
    static let candidates = """
        WITH \(plans)
        SELECT 'PRODUCTION_PLAN', pl.id, pl.plan_no, pl.plan_name, pl.project_id, NULL::bigint,
               CASE WHEN pl.days < 0 THEN 'CRITICAL' ELSE 'WARNING' END,
               '生产计划进度滞后：' || pl.plan_name,
               CASE WHEN pl.days < 0
                    THEN '生产计划 ' || pl.plan_no || ' 进度仅 ' || pl.progress || '%，已逾期 ' || abs(pl.days) || ' 天'
                    ELSE '生产计划 ' || pl.plan_no || ' 进度仅 ' || pl.progress || '%，距离计划结束日期还有 '
                         || pl.days || ' 天' END,
               NULL::jsonb, pl.progress::text, $3::text,
               'PRODUCTION_PLAN:PRODUCTION_PLAN:' || pl.id, pl.id, true,
               jsonb_build_array(jsonb_build_object('user_id', pr.pm_id, 'reason', 'PM'),
                                 jsonb_build_object('user_id', pl.created_by, 'reason', 'CREATOR'),
                                 jsonb_build_object('user_id', ws.manager_id, 'reason', 'WORKSHOP_MANAGER'))
          FROM plans pl
          LEFT JOIN projects pr ON pr.id = pl.project_id
          LEFT JOIN workshop ws ON ws.id = pl.workshop_id
         WHERE pl.progress < $2::int
           AND pl.days <= 7
        """
}
