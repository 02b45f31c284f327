import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 计算响应时效指标, daily 01:00. Upserts the DAILY `alert_statistics` row of Y = D − 1 and, because
/// acknowledgements and resolutions arrive late, recomputes Y − 6 … Y in the same statement. The cohort of a
/// day is the alerts triggered in [day 00:00, next day 00:00) in the configured zone, every status and level.
/// Response = acknowledged_at − triggered_at; resolve = handle_end_at − acknowledged_at (so alerts resolved
/// without an acknowledgement count in the total only); means in hours rounded to 2 decimals, 0 when none.
public struct CalculateResponseMetricsJob: Job {
    public let id = "calculate_response_metrics"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let target = context.today.adding(days: -1)
        let rows = try await context.connection.query(
            Self.upsert, [target.description, context.timeZone.identifier, context.now])
        var created = 0
        var updated = 0
        var details: [String: JSONValue] = ["stat_date": .string(target.description)]
        var checked = 0
        for row in rows {
            if try row.decode(Bool.self, "inserted") { created += 1 } else { updated += 1 }
            guard try row.decode(String.self, "stat_date") == target.description else { continue }
            checked = try row.decode(Int.self, "total_alerts")
            details["total_alerts"] = .number(Double(checked))
            details["avg_response_time_hours"] = .number(try row.decode(Double.self, "avg_response_time"))
            details["avg_resolve_time_hours"] = .number(try row.decode(Double.self, "avg_resolve_time"))
            details["response_count"] = .number(Double(try row.decode(Int.self, "response_count")))
            details["resolve_count"] = .number(Double(try row.decode(Int.self, "resolve_count")))
        }
        return RunResult(checked: checked, created: created, updated: updated, details: details)
    }

    /// $1 Y (YYYY-MM-DD), $2 the configured zone (IANA name), $3 the run's now.
    /// Day bounds are taken in the zone by PostgreSQL, so each of the 7 days is exact even across DST.
    static let upsert = """
        WITH days AS (
            SELECT d::date AS stat_date,
                   d::date::timestamp AT TIME ZONE $2 AS starts_at,
                   (d::date + 1)::timestamp AT TIME ZONE $2 AS ends_at
              FROM generate_series($1::date - 6, $1::date, interval '1 day') AS d
        ), figures AS (
            SELECT days.stat_date,
                   count(a.id)::int AS total_alerts,
                   count(a.acknowledged_at)::int AS response_count,
                   count(*) FILTER (WHERE a.acknowledged_at IS NOT NULL AND a.handle_end_at IS NOT NULL)::int
                       AS resolve_count,
                   coalesce(round((avg(extract(epoch FROM a.acknowledged_at - a.triggered_at)) / 3600)::numeric, 2), 0)
                       AS avg_response_time,
                   coalesce(round((avg(extract(epoch FROM a.handle_end_at - a.acknowledged_at)) / 3600)::numeric, 2), 0)
                       AS avg_resolve_time,
                   count(*) FILTER (WHERE a.alert_level = 'INFO')::int AS info_alerts,
                   count(*) FILTER (WHERE a.alert_level = 'WARNING')::int AS warning_alerts,
                   count(*) FILTER (WHERE a.alert_level = 'CRITICAL')::int AS critical_alerts,
                   count(*) FILTER (WHERE a.alert_level = 'URGENT')::int AS urgent_alerts,
                   count(*) FILTER (WHERE a.status = 'PENDING')::int AS pending_alerts,
                   count(*) FILTER (WHERE a.status IN ('ACKNOWLEDGED', 'PROCESSING'))::int AS processing_alerts,
                   count(*) FILTER (WHERE a.status IN ('RESOLVED', 'CLOSED'))::int AS resolved_alerts,
                   count(*) FILTER (WHERE a.status = 'IGNORED')::int AS ignored_alerts
              FROM days
              LEFT JOIN alert_records a ON a.triggered_at >= days.starts_at AND a.triggered_at < days.ends_at
             GROUP BY days.stat_date
        ), written AS (
            INSERT INTO alert_statistics AS s (stat_date, stat_type, total_alerts, info_alerts, warning_alerts,
                critical_alerts, urgent_alerts, pending_alerts, processing_alerts, resolved_alerts, ignored_alerts,
                avg_response_time, avg_resolve_time, created_at, updated_at)
            SELECT f.stat_date, 'DAILY', f.total_alerts, f.info_alerts, f.warning_alerts, f.critical_alerts,
                   f.urgent_alerts, f.pending_alerts, f.processing_alerts, f.resolved_alerts, f.ignored_alerts,
                   f.avg_response_time, f.avg_resolve_time, $3, $3
              FROM figures f
            ON CONFLICT (stat_date, stat_type) DO UPDATE SET
                total_alerts = EXCLUDED.total_alerts, info_alerts = EXCLUDED.info_alerts,
                warning_alerts = EXCLUDED.warning_alerts, critical_alerts = EXCLUDED.critical_alerts,
                urgent_alerts = EXCLUDED.urgent_alerts, pending_alerts = EXCLUDED.pending_alerts,
                processing_alerts = EXCLUDED.processing_alerts, resolved_alerts = EXCLUDED.resolved_alerts,
                ignored_alerts = EXCLUDED.ignored_alerts, avg_response_time = EXCLUDED.avg_response_time,
                avg_resolve_time = EXCLUDED.avg_resolve_time, updated_at = EXCLUDED.updated_at
            RETURNING s.stat_date, (s.xmax = 0) AS inserted
        )
        SELECT f.stat_date::text AS stat_date, w.inserted, f.total_alerts, f.response_count, f.resolve_count,
               f.avg_response_time::float8 AS avg_response_time, f.avg_resolve_time::float8 AS avg_resolve_time
          FROM figures f JOIN written w ON w.stat_date = f.stat_date
         ORDER BY f.stat_date
        """
}
