import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 缺料日报自动生成, daily 05:15. Upserts the `mat_shortage_daily_report` row of T = D − 1 (or the
/// `report_date` param, for backfill), every metric as of the end of T in the configured zone. Alerts are
/// the `alert_records` of rule MATERIAL_SHORTAGE (gap 1); levels count the alerts open at the end of T by
/// their current level; kit figures use the latest check per work order on T (gap 4); stoppages stay on
/// `mat_shortage_alert`. Writes no alerts.
public struct GenerateShortageDailyReport: Job {
    public let id = "generate_shortage_daily_report"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        var day = context.today.adding(days: -1)
        if case .string(let text)? = context.tick.params?["report_date"] {
            guard let given = CivilDate(text) else { throw JobFailure("invalid report_date: \(text)") }
            day = given
        }
        let start = AsOf.localTime(day, hour: 0, minute: 0, second: 0, in: context.timeZone)
        let end = AsOf.localTime(day.adding(days: 1), hour: 0, minute: 0, second: 0, in: context.timeZone)
        let row = try await context.connection.query(Self.upsert, [day.description, start, end, context.now]).first
        let inserted = try row?.decode(Bool.self, "inserted") ?? false
        let newAlerts = try row?.decode(Int.self, "new_alerts") ?? 0
        let newReports = try row?.decode(Int.self, "new_reports") ?? 0
        return RunResult(
            checked: 1, created: inserted ? 1 : 0, updated: inserted ? 0 : 1,
            details: [
                "date": .string(day.description),
                "new_alerts": .number(Double(newAlerts)),
                "new_reports": .number(Double(newReports)),
            ])
    }

    /// $1 report day T, $2 start of T, $3 start of T+1 (both in the configured zone), $4 run's now.
    static let upsert = """
        WITH alerts AS (
            SELECT a.*, coalesce(a.triggered_at, a.created_at) AS raised_at
              FROM alert_records a JOIN alert_rules r ON r.id = a.rule_id
             WHERE r.rule_code = 'MATERIAL_SHORTAGE'
        ), pending AS (
            SELECT a.* FROM alerts a
             WHERE a.raised_at < $3
               AND (a.status IN ('PENDING','ACKNOWLEDGED','PROCESSING') OR a.handle_end_at >= $3)
        ), alert_metrics AS (
            SELECT (SELECT count(*) FROM alerts WHERE raised_at >= $2 AND raised_at < $3)::int AS new_alerts,
                   (SELECT count(*) FROM alerts WHERE status IN ('RESOLVED','CLOSED')
                       AND handle_end_at >= $2 AND handle_end_at < $3)::int AS resolved_alerts,
                   (SELECT count(*) FROM pending)::int AS pending_alerts,
                   (SELECT count(*) FROM pending p JOIN material_shortages ms
                       ON p.target_type = 'MATERIAL_SHORTAGE' AND ms.id = p.target_id
                     WHERE ms.required_date < $1::date + 1)::int AS overdue_alerts,
                   (SELECT count(*) FROM pending WHERE alert_level = 'INFO')::int AS level1_count,
                   (SELECT count(*) FROM pending WHERE alert_level = 'WARNING')::int AS level2_count,
                   (SELECT count(*) FROM pending WHERE alert_level = 'URGENT')::int AS level3_count,
                   (SELECT count(*) FROM pending WHERE alert_level = 'CRITICAL')::int AS level4_count,
                   (SELECT avg(extract(epoch FROM acknowledged_at - raised_at) / 60) FROM alerts
                     WHERE raised_at >= $2 AND raised_at < $3 AND acknowledged_at IS NOT NULL) AS response_mean,
                   (SELECT round(avg(extract(epoch FROM handle_end_at - raised_at) / 3600), 2) FROM alerts
                     WHERE status IN ('RESOLVED','CLOSED') AND handle_end_at >= $2 AND handle_end_at < $3)
                       AS avg_resolve_hours
        ), report_metrics AS (
            SELECT count(*) FILTER (WHERE report_time >= $2 AND report_time < $3)::int AS new_reports,
                   count(*) FILTER (WHERE resolved_at >= $2 AND resolved_at < $3)::int AS resolved_reports
              FROM shortage_reports
             WHERE (report_time >= $2 AND report_time < $3) OR (resolved_at >= $2 AND resolved_at < $3)
        ), latest_checks AS (
            SELECT DISTINCT ON (coalesce(k.work_order_id, -k.id)) k.kit_status, k.kit_rate
              FROM mat_kit_check k
             WHERE k.check_time >= $2 AND k.check_time < $3
             ORDER BY coalesce(k.work_order_id, -k.id), k.check_time DESC, k.id DESC
        ), kit_metrics AS (
            SELECT count(*)::int AS total_work_orders,
                   count(*) FILTER (WHERE lower(kit_status) = 'complete')::int AS kit_complete_count,
                   coalesce(round(avg(coalesce(kit_rate, 0)), 2), 0) AS kit_rate
              FROM latest_checks
        ), arrival_metrics AS (
            SELECT count(*) FILTER (WHERE expected_date = $1::date)::int AS expected_arrivals,
                   count(*) FILTER (WHERE actual_date = $1::date)::int AS actual_arrivals,
                   count(*) FILTER (WHERE actual_date = $1::date AND is_delayed)::int AS delayed_arrivals
              FROM material_arrivals
             WHERE expected_date = $1::date OR actual_date = $1::date
        ), stoppage_metrics AS (
            SELECT count(*)::int AS stoppage_count,
                   round(coalesce(sum(coalesce(estimated_delay_days, 0)), 0) * 24.0, 2) AS stoppage_hours
              FROM mat_shortage_alert
             WHERE created_at >= $2 AND created_at < $3 AND impact_type = 'stop'
        )
        INSERT INTO mat_shortage_daily_report AS d (report_date, new_alerts, resolved_alerts, pending_alerts,
            overdue_alerts, level1_count, level2_count, level3_count, level4_count, new_reports, resolved_reports,
            total_work_orders, kit_complete_count, kit_rate, expected_arrivals, actual_arrivals, delayed_arrivals,
            on_time_rate, avg_response_minutes, avg_resolve_hours, stoppage_count, stoppage_hours,
            created_at, updated_at)
        SELECT $1::date, am.new_alerts, am.resolved_alerts, am.pending_alerts, am.overdue_alerts,
               am.level1_count, am.level2_count, am.level3_count, am.level4_count,
               rm.new_reports, rm.resolved_reports, km.total_work_orders, km.kit_complete_count, km.kit_rate,
               ar.expected_arrivals, ar.actual_arrivals, ar.delayed_arrivals,
               CASE WHEN ar.actual_arrivals = 0 THEN 0
                    ELSE round((ar.actual_arrivals - ar.delayed_arrivals) * 100.0 / ar.actual_arrivals, 2) END,
               -- Python round(): half to even.
               CASE WHEN am.response_mean IS NULL THEN 0
                    WHEN am.response_mean - floor(am.response_mean) = 0.5
                        THEN (floor(am.response_mean) + mod(floor(am.response_mean), 2))::int
                    ELSE round(am.response_mean)::int END,
               coalesce(am.avg_resolve_hours, 0), sm.stoppage_count, sm.stoppage_hours, $4, $4
          FROM alert_metrics am, report_metrics rm, kit_metrics km, arrival_metrics ar, stoppage_metrics sm
        ON CONFLICT (report_date) DO UPDATE SET
            new_alerts = EXCLUDED.new_alerts, resolved_alerts = EXCLUDED.resolved_alerts,
            pending_alerts = EXCLUDED.pending_alerts, overdue_alerts = EXCLUDED.overdue_alerts,
            level1_count = EXCLUDED.level1_count, level2_count = EXCLUDED.level2_count,
            level3_count = EXCLUDED.level3_count, level4_count = EXCLUDED.level4_count,
            new_reports = EXCLUDED.new_reports, resolved_reports = EXCLUDED.resolved_reports,
            total_work_orders = EXCLUDED.total_work_orders, kit_complete_count = EXCLUDED.kit_complete_count,
            kit_rate = EXCLUDED.kit_rate, expected_arrivals = EXCLUDED.expected_arrivals,
            actual_arrivals = EXCLUDED.actual_arrivals, delayed_arrivals = EXCLUDED.delayed_arrivals,
            on_time_rate = EXCLUDED.on_time_rate, avg_response_minutes = EXCLUDED.avg_response_minutes,
            avg_resolve_hours = EXCLUDED.avg_resolve_hours, stoppage_count = EXCLUDED.stoppage_count,
            stoppage_hours = EXCLUDED.stoppage_hours, updated_at = EXCLUDED.updated_at
        RETURNING (d.xmax = 0) AS inserted, d.new_alerts, d.new_reports
        """
}
