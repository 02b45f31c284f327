import PMSBus
import PMSPostgres
import PMSRuntime

/// 每日齐套检查, daily 06:00. Computes a fresh kit check for every PENDING/ASSIGNED work order starting
/// within D..D+7 from its BOM lines (its own `mat_work_order_bom`, else the machine's released BOM)
/// against stock plus open purchase lines, stores one `auto` row per order and day, and raises
/// KIT_RATE_LOW when the kit rate is below 80 % (CRITICAL when the order starts by D+1). An order with
/// no BOM lines falls back to its latest manual check; with neither it is skipped.
public struct DailyKitCheck: Job {
    public let id = "daily_kit_check"
    public var roleCodes = ["PMC"]

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let rule = try await AlertRule.load(code: "KIT_RATE_LOW", on: context.connection)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }
        let day = context.today.description

        let written = try await context.connection.execute(Self.writeAutoChecks, [day, context.now])
        let scope = try await context.connection.query(Self.countScope, [day]).first
        let writer = AlertWriter(rule: rule, roleCodes: roleCodes, resolveText: "AUTO: condition cleared")
        let outcome = try await writer.apply(candidatesSQL: Self.candidates, parameters: [day], in: context)
        let skipped = try scope?.decode(Int.self, "skipped") ?? 0
        if skipped > 0 {
            context.logger.info("work orders without BOM lines or kit checks skipped", metadata: ["skipped": "\(skipped)"])
        }
        return RunResult(
            checked: try scope?.decode(Int.self, "checked") ?? 0, created: outcome.created, updated: outcome.refreshed,
            resolved: outcome.resolved, notified: outcome.recipients, skipped: skipped + outcome.suppressed,
            details: [
                "kit_checks_written": .number(Double(written)),
                "levels_raised": .number(Double(outcome.levelRaised)),
            ])
    }

    /// Candidate orders; $1 business day D.
    static let orders = """
        orders AS (
            SELECT wo.id, wo.work_order_no, wo.task_name, wo.project_id, wo.machine_id, wo.workshop_id,
                   wo.plan_qty, wo.plan_start_date
              FROM work_order wo
              LEFT JOIN projects p ON p.id = wo.project_id
             WHERE wo.status IN ('PENDING','ASSIGNED')
               AND wo.plan_start_date BETWEEN $1::date AND $1::date + 7
               AND (wo.project_id IS NULL OR (p.is_active AND NOT p.is_archived))
        )
        """

    /// $1 business day D, $2 run's now.
    static let writeAutoChecks = """
        WITH \(orders), own_lines AS (
            SELECT o.id AS order_id, b.material_id, coalesce(b.required_qty, b.bom_qty * o.plan_qty, 0) AS required
              FROM orders o JOIN mat_work_order_bom b ON b.work_order_id = o.id
             WHERE b.material_id IS NOT NULL
        ), machine_bom AS (
            SELECT DISTINCT ON (bh.machine_id) bh.machine_id, bh.id
              FROM bom_headers bh
             WHERE bh.status = 'RELEASED' AND bh.is_latest AND bh.machine_id IN (SELECT machine_id FROM orders)
             ORDER BY bh.machine_id, bh.id DESC
        ), machine_lines AS (
            SELECT o.id AS order_id, bi.material_id, bi.quantity * o.plan_qty AS required
              FROM orders o
              JOIN machine_bom mb ON mb.machine_id = o.machine_id
              JOIN bom_items bi ON bi.bom_id = mb.id
             WHERE bi.material_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM own_lines ol WHERE ol.order_id = o.id)
        ), lines AS (
            SELECT * FROM own_lines UNION ALL SELECT * FROM machine_lines
        ), in_transit AS (
            SELECT poi.material_id, sum(greatest(poi.quantity - poi.received_qty, 0)) AS qty
              FROM purchase_order_items poi JOIN purchase_orders po ON po.id = poi.order_id
             WHERE poi.status <> 'RECEIVED' AND po.status IN ('APPROVED','ORDERED','PARTIAL_RECEIVED')
               AND poi.material_id IN (SELECT material_id FROM lines)
             GROUP BY poi.material_id
        ), evaluated AS (
            SELECT l.order_id, m.material_code, l.required, m.current_stock + coalesce(t.qty, 0) AS available
              FROM lines l JOIN materials m ON m.id = l.material_id
              LEFT JOIN in_transit t ON t.material_id = l.material_id
        ), per_order AS (
            SELECT order_id, count(*)::int AS total,
                   count(*) FILTER (WHERE available >= required)::int AS fulfilled,
                   count(*) FILTER (WHERE available > 0 AND available < required)::int AS in_transit,
                   count(*) FILTER (WHERE available <= 0 AND available < required)::int AS short,
                   coalesce(jsonb_agg(jsonb_build_object('material', material_code, 'required', required,
                                                         'available', available) ORDER BY material_code)
                            FILTER (WHERE available < required), '[]'::jsonb) AS summary
              FROM evaluated GROUP BY order_id
        )
        INSERT INTO mat_kit_check AS k (check_no, check_type, work_order_id, project_id, total_items, fulfilled_items,
            shortage_items, in_transit_items, kit_rate, kit_status, shortage_summary, check_time, check_date,
            check_method, checked_by, can_start, created_at)
        SELECT 'AUTO-' || to_char($1::date, 'YYYYMMDD') || '-' || o.id, 'work_order', o.id, o.project_id,
               p.total, p.fulfilled, p.short, p.in_transit, round(p.fulfilled * 100.0 / p.total, 2),
               CASE WHEN p.fulfilled = p.total THEN 'complete' WHEN p.fulfilled > 0 THEN 'partial' ELSE 'shortage' END,
               p.summary, $2, $1::date, 'auto', NULL, p.fulfilled = p.total, $2
          FROM per_order p JOIN orders o ON o.id = p.order_id
        ON CONFLICT (work_order_id, check_date) WHERE check_method = 'auto'
        DO UPDATE SET total_items = EXCLUDED.total_items, fulfilled_items = EXCLUDED.fulfilled_items,
                      shortage_items = EXCLUDED.shortage_items, in_transit_items = EXCLUDED.in_transit_items,
                      kit_rate = EXCLUDED.kit_rate, kit_status = EXCLUDED.kit_status,
                      shortage_summary = EXCLUDED.shortage_summary, can_start = EXCLUDED.can_start,
                      project_id = EXCLUDED.project_id, check_time = EXCLUDED.check_time
                WHERE (k.total_items, k.fulfilled_items, k.shortage_items, k.in_transit_items, k.kit_rate, k.shortage_summary)
                      IS DISTINCT FROM (EXCLUDED.total_items, EXCLUDED.fulfilled_items, EXCLUDED.shortage_items,
                                        EXCLUDED.in_transit_items, EXCLUDED.kit_rate, EXCLUDED.shortage_summary)
        """

    /// $1 business day D.
    static let countScope = """
        WITH \(orders)
        SELECT count(*)::int AS checked,
               count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM mat_kit_check k WHERE k.work_order_id = o.id))::int AS skipped
          FROM orders o
        """

    /// Each order's effective check: today's auto row, else its latest check of any kind. $1 business day D.
    static let candidates = """
        WITH \(orders), latest AS (
            SELECT DISTINCT ON (k.work_order_id) k.work_order_id, k.kit_rate, k.shortage_items
              FROM mat_kit_check k
             WHERE k.work_order_id IN (SELECT id FROM orders)
             ORDER BY k.work_order_id, (k.check_method = 'auto' AND k.check_date = $1::date) DESC,
                      k.check_time DESC, k.id DESC
        )
        SELECT 'WORK_ORDER', o.id, o.work_order_no, o.task_name, o.project_id, NULL::bigint,
               CASE WHEN o.plan_start_date <= $1::date + 1 THEN 'CRITICAL' ELSE 'WARNING' END,
               '工单齐套率过低：' || o.task_name,
               '工单 ' || o.work_order_no || ' 齐套率仅 ' || pms_float_text(coalesce(l.kit_rate, 0)) || '%，缺料 '
                   || coalesce(l.shortage_items, 0) || ' 项',
               NULL::jsonb, pms_float_text(coalesce(l.kit_rate, 0)), '80',
               'KIT_RATE_LOW:WORK_ORDER:' || o.id, o.id, true,
               jsonb_build_array(jsonb_build_object('user_id', pr.pm_id, 'reason', 'PM'),
                                 jsonb_build_object('user_id', ws.manager_id, 'reason', 'WORKSHOP_MANAGER'))
          FROM orders o
          JOIN latest l ON l.work_order_id = o.id
          LEFT JOIN projects pr ON pr.id = o.project_id
          LEFT JOIN workshop ws ON ws.id = o.workshop_id
         WHERE coalesce(l.kit_rate, 0) < 80
        """
}
