import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 报工超时提醒, hourly at :00. Raises WORK_REPORT_TIMEOUT (WARNING) for every STARTED work order (of an
/// active, non-archived project, or of none) whose working hours since its last report — or since
/// `actual_start_time` when it has none — exceed the rule's threshold (default 24). Working hours come from
/// the shift calendar (DECISIONS "Work-report timeout"): the workshop's own active `work_shifts`, else the
/// plant-wide ones, else 08:00–20:00 Monday to Saturday, in the configured zone, minus `non_working_days`
/// (plant-wide or the order's workshop). Texts and `trigger_value` show ⌊working hours⌋. Recipients:
/// the assigned worker's user, the workshop manager, the PM. The alert resolves when the condition clears
/// (a new report, the order leaves STARTED) — also when a report newer than the alert exists although the
/// clock has already run past the threshold again (a new episode is raised on the next run).
public struct CheckWorkReportTimeout: Job {
    public let id = "check_work_report_timeout"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let rule = try await AlertRule.load(code: "WORK_REPORT_TIMEOUT", on: context.connection)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }
        // The configured threshold when it is a number, else the spec's 24; the text shows the one used.
        let configured = rule.thresholdValue?.trimmingCharacters(in: .whitespaces) ?? ""
        let threshold = Double(configured) ?? 24
        let thresholdText = Double(configured) == nil ? "24" : configured
        let parameters: [any PostgresBindable] = [context.now, context.timeZone.identifier, threshold, thresholdText, rule.id]

        let checked = try await context.connection.query(Self.countScope, [context.now])
            .first?.decode(Int.self, "n") ?? 0
        let writer = AlertWriter(rule: rule, roleCodes: [], resolveText: "AUTO: condition cleared")
        let outcome = try await writer.apply(candidatesSQL: Self.candidates, parameters: parameters, in: context)
        return RunResult(
            checked: checked, created: outcome.created, updated: outcome.refreshed, resolved: outcome.resolved,
            notified: outcome.recipients, skipped: outcome.suppressed,
            details: ["levels_raised": .number(Double(outcome.levelRaised))])
    }

    /// STARTED orders in scope with the start of their report clock; $1 now. Reports after `now` do not
    /// count, so an as-of run sees the data as it was.
    static let orders = """
        orders AS (
            SELECT wo.id, wo.work_order_no, wo.task_name, wo.project_id, wo.workshop_id, wo.assigned_to,
                   r.last_report, coalesce(r.last_report, wo.actual_start_time) AS since
              FROM work_order wo
              LEFT JOIN projects p ON p.id = wo.project_id
              LEFT JOIN LATERAL (SELECT max(wr.report_time) AS last_report FROM work_report wr
                                  WHERE wr.work_order_id = wo.id AND wr.report_time <= $1::timestamptz) r ON true
             WHERE wo.status = 'STARTED'
               AND (wo.project_id IS NULL OR (p.is_active AND NOT p.is_archived))
        )
        """

    /// $1 now.
    static let countScope = "WITH \(orders) SELECT count(*)::int AS n FROM orders"

    /// Working hours per order; $1 now, $2 zone. `calendar`: the shift rows that apply to each order (its
    /// workshop's own replace the plant-wide ones; none at all → the default). `spans`: every shift
    /// instance from the day before the clock started (night shifts cross midnight) to today, clipped to
    /// [since, now], skipping non-working days (a shift belongs to the day it starts). Overlapping shifts
    /// are merged by `range_agg` so no hour counts twice.
    static let workingHours = """
        \(orders),
        clocked AS (SELECT * FROM orders WHERE since < $1::timestamptz),
        calendar AS (
            SELECT o.id AS order_id, s.weekday, s.start_time, s.end_time
              FROM clocked o JOIN work_shifts s ON s.is_active AND s.workshop_id = o.workshop_id
            UNION ALL
            SELECT o.id, s.weekday, s.start_time, s.end_time
              FROM clocked o JOIN work_shifts s ON s.is_active AND s.workshop_id IS NULL
             WHERE NOT EXISTS (SELECT 1 FROM work_shifts w WHERE w.is_active AND w.workshop_id = o.workshop_id)
            UNION ALL
            SELECT o.id, d.weekday, time '08:00', time '20:00'
              FROM clocked o CROSS JOIN generate_series(1, 6) AS d(weekday)
             WHERE NOT EXISTS (SELECT 1 FROM work_shifts w
                                WHERE w.is_active AND (w.workshop_id IS NULL OR w.workshop_id = o.workshop_id))
        ),
        spans AS (
            SELECT o.id AS order_id,
                   greatest(((d.day + c.start_time) AT TIME ZONE $2::text), o.since) AS lo,
                   least(((d.day + c.end_time + CASE WHEN c.end_time < c.start_time THEN interval '1 day'
                                                     ELSE interval '0' END) AT TIME ZONE $2::text),
                         $1::timestamptz) AS hi
              FROM clocked o
              JOIN calendar c ON c.order_id = o.id
              CROSS JOIN LATERAL (
                  SELECT g::date AS day
                    FROM generate_series(((o.since AT TIME ZONE $2::text)::date - 1)::timestamp,
                                         ($1::timestamptz AT TIME ZONE $2::text)::date::timestamp,
                                         interval '1 day') g
              ) d
             WHERE extract(isodow FROM d.day) = c.weekday
               AND NOT EXISTS (SELECT 1 FROM non_working_days n
                                WHERE n.day = d.day AND (n.workshop_id IS NULL OR n.workshop_id = o.workshop_id))
        ),
        worked AS (
            SELECT w.order_id,
                   (SELECT coalesce(sum(extract(epoch FROM upper(r) - lower(r))), 0) FROM unnest(w.ranges) r) / 3600
                       AS hours
              FROM (SELECT order_id, range_agg(tstzrange(lo, hi)) AS ranges FROM spans WHERE lo < hi
                     GROUP BY order_id) w
        )
        """

    /// Alert candidates; $1 now, $2 zone, $3 threshold hours, $4 threshold text, $5 rule id.
    /// An order with a report newer than its open (or still-ignored) alert is left out so that alert
    /// resolves: the spec closes the episode as soon as someone reports.
    static let candidates = """
        WITH \(workingHours)
        SELECT 'WORK_ORDER', o.id, o.work_order_no, o.task_name, o.project_id, NULL::bigint, 'WARNING',
               '报工超时：' || o.task_name,
               '工单 ' || o.work_order_no || ' 已超过 ' || floor(w.hours)::bigint || ' 小时未报工',
               NULL::jsonb, floor(w.hours)::bigint::text, $4::text,
               'WORK_REPORT_TIMEOUT:WORK_ORDER:' || o.id, o.id, true,
               jsonb_build_array(jsonb_build_object('user_id', wk.user_id, 'reason', 'ASSIGNEE'),
                                 jsonb_build_object('user_id', ws.manager_id, 'reason', 'WORKSHOP_MANAGER'),
                                 jsonb_build_object('user_id', pr.pm_id, 'reason', 'PM'))
          FROM clocked o
          JOIN worked w ON w.order_id = o.id
          LEFT JOIN worker wk ON wk.id = o.assigned_to
          LEFT JOIN workshop ws ON ws.id = o.workshop_id
          LEFT JOIN projects pr ON pr.id = o.project_id
         WHERE w.hours > $3::numeric
           AND NOT EXISTS (SELECT 1 FROM alert_records a
                            WHERE a.rule_id = $5::bigint AND a.target_type = 'WORK_ORDER' AND a.target_id = o.id
                              AND (a.status IN ('PENDING','ACKNOWLEDGED','PROCESSING')
                                   OR (a.status = 'IGNORED' AND a.condition_cleared_at IS NULL))
                              AND o.last_report > coalesce(a.triggered_at, a.created_at))
        """
}
