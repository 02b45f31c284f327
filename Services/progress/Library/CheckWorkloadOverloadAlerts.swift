import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 负荷超限预警, daily 11:00. Raises WORKLOAD_OVERLOAD for every active user whose load over the window
/// [D, D+30] exceeds the rule's threshold (default 110 %): WARNING up to 150 %, CRITICAL above.
/// Capacity = 8 h × Monday–Friday days of the window. Assigned hours (corrected rule, not the original's):
/// - WBS tasks the user owns, not DONE/CANCELLED, both dates set, of an active non-archived project:
///   8 h × weekdays of the overlap with the window;
/// - PLANNED/ACTIVE allocations of an active non-archived project: planned_hours pro-rated by weekdays of
///   the overlap over weekdays of the allocation period (a period without a weekday gives nothing);
///   an allocation whose task is already counted for the same user is skipped (no double counting).
/// Recipients: the user (OWNER) and their department's manager (DEPT_MANAGER); the rule's notify_users
/// are added at dispatch. One open alert per user; it rises to CRITICAL in place and resolves when the
/// load is back under the threshold.
public struct CheckWorkloadOverloadAlerts: Job {
    public let id = "check_workload_overload_alerts"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let rule = try await AlertRule.load(code: "WORKLOAD_OVERLOAD", on: context.connection)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }
        let day = context.today.description
        let threshold = Self.threshold(rule.thresholdValue)
        let parameters: [any PostgresBindable] = [day, threshold]

        let checked = try await context.connection.query(
            "SELECT count(*)::int AS n FROM users WHERE is_active", []).first?.decode(Int.self, "n") ?? 0
        let writer = AlertWriter(rule: rule, roleCodes: [], resolveText: "AUTO: condition cleared")
        let outcome = try await writer.apply(candidatesSQL: Self.candidates, parameters: parameters, in: context)
        return RunResult(
            checked: checked, created: outcome.created, updated: outcome.refreshed, resolved: outcome.resolved,
            notified: outcome.recipients, skipped: outcome.suppressed,
            details: ["levels_raised": .number(Double(outcome.levelRaised))])
    }

    /// The configured threshold as written (texts show it), or "110" when missing or not a number.
    static func threshold(_ value: String?) -> String {
        let text = value?.trimmingCharacters(in: .whitespaces) ?? ""
        guard let number = Double(text), number.isFinite, number >= 0 else { return "110" }
        return text
    }

    /// SQL counting Monday–Friday days in [from, to] (0 when from > to).
    static func weekdays(_ from: String, _ to: String) -> String {
        "(SELECT count(*) FROM generate_series((\(from))::timestamp, (\(to))::timestamp, interval '1 day') g WHERE extract(isodow FROM g) < 6)"
    }

    /// Alert candidates; $1 business day D, $2 load threshold in % (text).
    static let candidates = """
        WITH win AS (
            SELECT $1::date AS d0, $1::date + 30 AS d1, 8 * \(weekdays("$1::date", "$1::date + 30")) AS capacity
        ), tk AS (
            SELECT t.id, t.owner_id AS user_id, greatest(t.plan_start, w.d0) AS s, least(t.plan_end, w.d1) AS e
              FROM tasks t
              JOIN projects p ON p.id = t.project_id
              CROSS JOIN win w
             WHERE t.status NOT IN ('DONE','CANCELLED') AND t.owner_id IS NOT NULL
               AND t.plan_start IS NOT NULL AND t.plan_end IS NOT NULL
               AND t.plan_start <= w.d1 AND t.plan_end >= w.d0
               AND p.is_active AND NOT p.is_archived
        ), al AS (
            SELECT a.resource_id AS user_id, a.planned_hours, a.start_date, a.end_date,
                   greatest(a.start_date, w.d0) AS s, least(a.end_date, w.d1) AS e
              FROM pmo_resource_allocation a
              JOIN projects p ON p.id = a.project_id
              CROSS JOIN win w
             WHERE a.status IN ('PLANNED','ACTIVE')
               AND a.start_date <= w.d1 AND a.end_date >= w.d0
               AND p.is_active AND NOT p.is_archived
               AND NOT EXISTS (SELECT 1 FROM tk WHERE tk.id = a.task_id AND tk.user_id = a.resource_id)
        ), hours AS (
            SELECT x.user_id, sum(x.h) AS h
              FROM (SELECT tk.user_id, (8 * \(weekdays("tk.s", "tk.e")))::numeric AS h FROM tk
                    UNION ALL
                    SELECT al.user_id, coalesce(al.planned_hours * \(weekdays("al.s", "al.e"))
                                                / nullif(\(weekdays("al.start_date", "al.end_date")), 0), 0)
                      FROM al) x
             GROUP BY x.user_id
        ), load AS (
            SELECT u.id, u.department_id, coalesce(nullif(u.real_name, ''), u.username) AS name,
                   hr.h, w.capacity, hr.h * 100 / w.capacity AS rate, w.d0, w.d1
              FROM hours hr
              JOIN users u ON u.id = hr.user_id AND u.is_active
              CROSS JOIN win w
             WHERE hr.h * 100 > $2::numeric * w.capacity
        )
        SELECT 'USER', l.id, l.id::text, l.name, NULL::bigint, NULL::bigint,
               CASE WHEN l.rate <= 150 THEN 'WARNING' ELSE 'CRITICAL' END,
               '资源负荷超限：' || l.name,
               '用户 ' || l.name || ' 未来30天负荷达到 ' || round(l.rate, 1) || '%，超过' || $2::text
                   || '%阈值（分配工时：' || round(l.h, 1) || '小时，标准工时：' || round(l.capacity::numeric, 1) || '小时）',
               jsonb_build_object('window_start', l.d0, 'window_end', l.d1, 'assigned_hours', round(l.h, 1),
                                  'capacity_hours', l.capacity, 'rate', round(l.rate, 1)),
               round(l.rate, 1)::text, $2::text,
               'WORKLOAD_OVERLOAD:USER:' || l.id, l.id, true,
               jsonb_build_array(jsonb_build_object('user_id', l.id, 'reason', 'OWNER'),
                                 jsonb_build_object('user_id', d.manager_id, 'reason', 'DEPT_MANAGER'))
          FROM load l
          LEFT JOIN departments d ON d.id = l.department_id
        """
}
