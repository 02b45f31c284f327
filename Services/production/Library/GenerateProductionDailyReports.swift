import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 生产日报自动生成, daily 05:00. Upserts one `production_daily_report` row per scope (plant-wide `全厂`,
/// `workshop_id` NULL, plus every active workshop) for T = D − 1 and, because reports are entered late, also
/// regenerates T − 1 and T − 2. An explicit `report_date` param reports that one day only (backfill).
/// Corrected rules: CANCELLED orders excluded, plan pro-rated over the order's calendar-day window, REJECTED
/// reports excluded, produced per report (completed, else qualified + defect), attendance counts
/// `is_active AND status <> 'RESIGNED'`, rates capped at 99999.99 (numeric(7,2)), day boundaries in the
/// configured zone. "efficiency" is the hours ratio actual / plan, "overtime" the hours over plan.
/// Writes no alerts and no notifications.
public struct GenerateProductionDailyReports: Job {
    public let id = "generate_production_daily_reports"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let target = context.today.adding(days: -1)
        var days = [target, target.adding(days: -1), target.adding(days: -2)]
        if case .string(let text)? = context.tick.params?["report_date"] {
            guard let given = CivilDate(text) else { throw JobFailure("invalid report_date: \(text)") }
            days = [given]
        }
        var created = 0
        var updated = 0
        var generated = 0
        for day in days {
            let start = AsOf.localTime(day, hour: 0, minute: 0, second: 0, in: context.timeZone)
            let end = AsOf.localTime(day.adding(days: 1), hour: 0, minute: 0, second: 0, in: context.timeZone)
            let rows = try await context.connection.query(Self.upsert, [day.description, start, end, context.now])
            for row in rows {
                let inserted = try row.decode(Bool.self, "inserted")
                if inserted { created += 1 } else { updated += 1 }
            }
            if day == days[0] { generated = rows.count }
        }
        return RunResult(
            checked: created + updated, created: created, updated: updated,
            details: [
                "date": .string(days[0].description),
                "generated": .number(Double(generated)),
                "dates": .array(days.map { .string($0.description) }),
            ])
    }

    /// $1 report day, $2 start of the day, $3 start of the next day (both in the configured zone), $4 run's now.
    /// Each source is aggregated once with GROUPING SETS ((workshop_id), ()): the grand total (key −1) is the
    /// plant-wide scope, so rows without a workshop count plant-wide only.
    static let upsert = """
        WITH scopes AS (
            SELECT NULL::bigint AS workshop_id, '全厂'::text AS label, -1::bigint AS k
            UNION ALL
            SELECT id, workshop_name, id FROM workshop WHERE is_active
        ), plan AS (
            SELECT CASE WHEN grouping(workshop_id) = 1 THEN -1 ELSE workshop_id END AS k,
                   sum(plan_qty / (plan_end_date - plan_start_date + 1)) AS plan_qty,
                   sum(coalesce(standard_hours, 0) / (plan_end_date - plan_start_date + 1)) AS plan_hours
              FROM work_order
             WHERE status <> 'CANCELLED' AND plan_start_date <= $1::date AND plan_end_date >= $1::date
             GROUP BY GROUPING SETS ((workshop_id), ())
        ), reports AS (
            SELECT CASE WHEN grouping(wo.workshop_id) = 1 THEN -1 ELSE wo.workshop_id END AS k,
                   sum(coalesce(nullif(r.completed_qty, 0), coalesce(r.qualified_qty, 0) + coalesce(r.defect_qty, 0)))
                       AS produced,
                   sum(coalesce(r.qualified_qty, 0)) AS qualified,
                   sum(coalesce(r.work_hours, 0)) AS actual_hours,
                   count(DISTINCT r.worker_id) AS actual_attend
              FROM work_report r JOIN work_order wo ON wo.id = r.work_order_id
             WHERE r.status <> 'REJECTED' AND r.report_time >= $2 AND r.report_time < $3
             GROUP BY GROUPING SETS ((wo.workshop_id), ())
        ), workers AS (
            SELECT CASE WHEN grouping(workshop_id) = 1 THEN -1 ELSE workshop_id END AS k,
                   count(*) FILTER (WHERE is_active AND status <> 'RESIGNED') AS should_attend,
                   count(*) FILTER (WHERE status = 'LEAVE') AS leave_count
              FROM worker
             GROUP BY GROUPING SETS ((workshop_id), ())
        ), exceptions AS (
            SELECT CASE WHEN grouping(workshop_id) = 1 THEN -1 ELSE workshop_id END AS k,
                   count(*) FILTER (WHERE report_time >= $2 AND report_time < $3) AS new_count,
                   count(*) FILTER (WHERE resolved_at >= $2 AND resolved_at < $3) AS resolved_count
              FROM production_exception
             WHERE (report_time >= $2 AND report_time < $3) OR (resolved_at >= $2 AND resolved_at < $3)
             GROUP BY GROUPING SETS ((workshop_id), ())
        ), figures AS (
            SELECT s.workshop_id, s.label,
                   coalesce(p.plan_qty, 0) AS plan_qty, coalesce(p.plan_hours, 0) AS plan_hours,
                   coalesce(r.produced, 0) AS produced, coalesce(r.qualified, 0) AS qualified,
                   coalesce(r.actual_hours, 0) AS actual_hours, coalesce(r.actual_attend, 0)::int AS actual_attend,
                   coalesce(w.should_attend, 0)::int AS should_attend, coalesce(w.leave_count, 0)::int AS leave_count,
                   coalesce(e.new_count, 0)::int AS new_count, coalesce(e.resolved_count, 0)::int AS resolved_count
              FROM scopes s
              LEFT JOIN plan p ON p.k = s.k
              LEFT JOIN reports r ON r.k = s.k
              LEFT JOIN workers w ON w.k = s.k
              LEFT JOIN exceptions e ON e.k = s.k
        ), derived AS (
            SELECT f.*,
                   CASE WHEN f.plan_qty = 0 THEN 0
                        ELSE round(least(f.produced / f.plan_qty * 100, 99999.99), 2) END AS completion_rate,
                   CASE WHEN f.plan_hours = 0 THEN 0
                        ELSE round(least(f.actual_hours / f.plan_hours * 100, 99999.99), 2) END AS efficiency,
                   round(greatest(f.actual_hours - f.plan_hours, 0), 2) AS overtime_hours,
                   CASE WHEN f.produced = 0 THEN 0
                        ELSE round(least(f.qualified / f.produced * 100, 99999.99), 2) END AS pass_rate
              FROM figures f
        )
        INSERT INTO production_daily_report AS d (report_date, workshop_id, plan_qty, completed_qty, completion_rate,
            plan_hours, actual_hours, overtime_hours, efficiency, should_attend, actual_attend, leave_count,
            total_qty, qualified_qty, pass_rate, new_exception_count, resolved_exception_count, summary,
            created_at, updated_at)
        SELECT $1::date, x.workshop_id, round(x.plan_qty)::int, floor(x.produced)::int, x.completion_rate,
               round(x.plan_hours, 2), round(x.actual_hours, 2), x.overtime_hours, x.efficiency,
               x.should_attend, x.actual_attend, x.leave_count,
               floor(x.produced)::int, floor(x.qualified)::int, x.pass_rate, x.new_count, x.resolved_count,
               x.label || ' ' || to_char($1::date, 'MM-DD') || ' 计划 ' || round(x.plan_qty)::int || ' 件，完成 '
                   || floor(x.produced)::int || ' 件（' || round(x.completion_rate::numeric, 1) || '%），实工 '
                   || round(x.actual_hours::numeric, 1) || ' 小时，效率 ' || round(x.efficiency::numeric, 1)
                   || '%，异常 ' || x.new_count || ' 起。',
               $4, $4
          FROM derived x
        ON CONFLICT (report_date, workshop_id) DO UPDATE SET
            plan_qty = EXCLUDED.plan_qty, completed_qty = EXCLUDED.completed_qty,
            completion_rate = EXCLUDED.completion_rate, plan_hours = EXCLUDED.plan_hours,
            actual_hours = EXCLUDED.actual_hours, overtime_hours = EXCLUDED.overtime_hours,
            efficiency = EXCLUDED.efficiency, should_attend = EXCLUDED.should_attend,
            actual_attend = EXCLUDED.actual_attend, leave_count = EXCLUDED.leave_count,
            total_qty = EXCLUDED.total_qty, qualified_qty = EXCLUDED.qualified_qty, pass_rate = EXCLUDED.pass_rate,
            new_exception_count = EXCLUDED.new_exception_count,
            resolved_exception_count = EXCLUDED.resolved_exception_count, summary = EXCLUDED.summary,
            updated_at = EXCLUDED.updated_at
        RETURNING (d.xmax = 0) AS inserted
        """
}
