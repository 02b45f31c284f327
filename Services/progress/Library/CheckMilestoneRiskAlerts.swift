import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 里程碑风险预警, daily 08:10. Raises MILESTONE_RISK for every open milestone (neither COMPLETED nor
/// CANCELLED) of an active, non-archived project not closed (ST30) or cancelled (ST99), due within D … D+7,
/// whose non-cancelled tasks are less than 80 % DONE: CRITICAL when at most 3 days are left, else WARNING.
/// Episode = planned date. An open alert is refreshed (content, trigger_value) and raised to CRITICAL in
/// place; it resolves once the rate reaches 80 %, the milestone completes or leaves the window.
/// Recipients: milestone owner, PM.
public struct CheckMilestoneRiskAlerts: Job {
    public let id = "check_milestone_risk_alerts"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let rule = try await AlertRule.load(code: "MILESTONE_RISK", on: context.connection)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }
        let day = context.today.description
        let checked = try await context.connection.query(Self.countScope, [day]).first?.decode(Int.self, "n") ?? 0
        let writer = AlertWriter(rule: rule, roleCodes: [], resolveText: "AUTO_RESOLVED", episodic: true)
        let outcome = try await writer.apply(candidatesSQL: Self.candidates, parameters: [day], in: context)
        return RunResult(
            checked: checked, created: outcome.created, updated: outcome.refreshed, resolved: outcome.resolved,
            notified: outcome.recipients, skipped: outcome.suppressed,
            details: ["levels_raised": .number(Double(outcome.levelRaised))])
    }

    /// In-scope milestones due in D … D+7 that have non-cancelled tasks, with their completion rate computed
    /// as the original does (done / total × 100 in double precision); $1 business day D.
    static let milestones = """
        ms AS (
            SELECT m.id, m.project_id, m.machine_id, m.milestone_code, m.milestone_name, m.owner_id, p.pm_id,
                   m.planned_date - $1::date AS days, to_char(m.planned_date, 'YYYY-MM-DD') AS planned,
                   t.done::float8 / t.total * 100 AS rate
              FROM project_milestones m
              JOIN projects p ON p.id = m.project_id
              JOIN (SELECT milestone_id, count(*) AS total, count(*) FILTER (WHERE status = 'DONE') AS done
                      FROM tasks WHERE milestone_id IS NOT NULL AND status <> 'CANCELLED'
                     GROUP BY milestone_id) t ON t.milestone_id = m.id
             WHERE m.status NOT IN ('COMPLETED','CANCELLED')
               AND p.is_active AND NOT p.is_archived AND p.status NOT IN ('ST30','ST99')
               AND m.planned_date BETWEEN $1::date AND $1::date + 7
        )
        """

    static let countScope = "WITH \(milestones) SELECT count(*)::int AS n FROM ms"

    /// AlertWriter columns. trigger_value is Python's str(float): shortest round-trip form, always with a
    /// fractional part ('40.0', '66.66666666666666'); the content shows the rate with one decimal.
    static let candidates = """
        WITH \(milestones)
        SELECT 'MILESTONE', ms.id, ms.milestone_code, ms.milestone_name, ms.project_id, ms.machine_id,
               CASE WHEN ms.days <= 3 THEN 'CRITICAL' ELSE 'WARNING' END,
               '里程碑风险：' || left(ms.milestone_name, 194),
               '里程碑 ' || ms.milestone_code || ' 将在 ' || ms.days || ' 天后到期，但关联任务完成率仅 '
                   || to_char(round(ms.rate::text::numeric, 1), 'FM9990.0') || '%',
               jsonb_build_object('planned_date', ms.planned),
               CASE WHEN ms.rate = trunc(ms.rate) THEN trunc(ms.rate)::bigint::text || '.0' ELSE ms.rate::text END,
               '80', 'MILESTONE_RISK:MILESTONE:' || ms.id || ':' || ms.planned, ms.id, true,
               jsonb_build_array(jsonb_build_object('user_id', ms.owner_id, 'reason', 'OWNER'),
                                 jsonb_build_object('user_id', ms.pm_id, 'reason', 'PM'))
          FROM ms WHERE ms.rate < 80
        """
}
