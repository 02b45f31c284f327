import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 任务延期预警, hourly at :00. Raises TASK_DELAY for every WBS task that is not DONE or CANCELLED, of an
/// active, non-archived project that is not closed (ST30/ST99), whose plan_end is before D. Level by days
/// overdue (DECISIONS "Alert levels", not the original's inverted mapping): 1–2 WARNING, 3–6 CRITICAL,
/// ≥ 7 URGENT; an open alert is upgraded in place as the delay grows. Episode = plan_end (DATA-MODEL §4.2).
/// Recipients: task owner, then PM.
public struct CheckTaskDelayAlerts: Job {
    public let id = "check_task_delay_alerts"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let rule = try await AlertRule.load(code: "TASK_DELAY", on: context.connection)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }
        let day = context.today.description
        let checked = try await context.connection.query(Self.countScope, [day]).first?.decode(Int.self, "n") ?? 0
        let writer = AlertWriter(rule: rule, roleCodes: [], resolveText: "AUTO_RESOLVED", episodic: true)
        let outcome = try await writer.apply(candidatesSQL: Self.candidates, parameters: [day], in: context)
        return RunResult(
            checked: checked, created: outcome.created, updated: outcome.refreshed, resolved: outcome.resolved,
            notified: outcome.recipients, skipped: outcome.suppressed, unrouted: outcome.unrouted,
            details: ["levels_raised": .number(Double(outcome.levelRaised))])
    }

    /// Open tasks of in-scope projects; $1 business day D.
    static let scope = """
        open_tasks AS (
            SELECT t.id, t.task_name, t.project_id, t.owner_id, t.plan_end, p.pm_id,
                   $1::date - t.plan_end AS days
              FROM tasks t
              JOIN projects p ON p.id = t.project_id
             WHERE t.status NOT IN ('DONE','CANCELLED')
               AND p.is_active AND NOT p.is_archived AND p.status NOT IN ('ST30','ST99')
        )
        """

    static let countScope = "WITH \(scope) SELECT count(*)::int AS n FROM open_tasks"

    /// Alert candidates in task id order (load order); $1 business day D.
    static let candidates = """
        WITH \(scope)
        SELECT 'TASK', t.id, left(t.task_name, 100), t.task_name, t.project_id, NULL::bigint,
               CASE WHEN t.days >= 7 THEN 'URGENT' WHEN t.days >= 3 THEN 'CRITICAL' ELSE 'WARNING' END,
               '任务延期：' || t.task_name,
               '任务 ' || t.task_name || ' 已延期 ' || t.days || ' 天（计划完成日期：'
                   || to_char(t.plan_end, 'YYYY-MM-DD') || '）',
               jsonb_build_object('plan_end', to_char(t.plan_end, 'YYYY-MM-DD')),
               t.days::text, '0',
               'TASK_DELAY:TASK:' || t.id || ':' || to_char(t.plan_end, 'YYYY-MM-DD'), t.id, true,
               jsonb_build_array(jsonb_build_object('user_id', t.owner_id, 'reason', 'OWNER'),
                                 jsonb_build_object('user_id', t.pm_id, 'reason', 'PM'))
          FROM open_tasks t
         WHERE t.plan_end < $1::date
        """
}
