import PMSBus
import PMSPostgres
import PMSRuntime

/// 缺料预警生成, daily 07:00. First detects shortages itself (BOM lines of released, latest BOMs of active
/// projects, needed within 14 days, against purchase-order coverage and receipts) into
/// `material_shortages`, then raises MATERIAL_SHORTAGE alerts for the open ones:
/// overdue → URGENT, 0–3 days → CRITICAL, 4–7 → WARNING, later or no date → INFO.
public struct GenerateShortageAlerts: Job {
    public let id = "generate_shortage_alerts"
    public var roleCodes = ["PU", "PMC"]

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let rule = try await AlertRule.load(code: "MATERIAL_SHORTAGE", on: context.connection)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }
        let day = context.today.description

        let detection = try await context.connection.query(Self.detectShortages, [day, context.now]).first
        let checked = try await context.connection.query(Self.countOpen).first?.decode(Int.self, "n") ?? 0
        let writer = AlertWriter(rule: rule, roleCodes: roleCodes, resolveText: "AUTO: condition cleared")
        let outcome = try await writer.apply(candidatesSQL: Self.candidates, parameters: [day], in: context)
        return RunResult(
            checked: checked, created: outcome.created, updated: outcome.refreshed, resolved: outcome.resolved,
            notified: outcome.recipients, skipped: outcome.suppressed,
            details: [
                "shortages_opened": .number(Double(try detection?.decode(Int.self, "opened") ?? 0)),
                "shortages_updated": .number(Double(try detection?.decode(Int.self, "updated") ?? 0)),
                "shortages_covered": .number(Double(try detection?.decode(Int.self, "covered") ?? 0)),
                "levels_raised": .number(Double(outcome.levelRaised)),
            ])
    }

    /// Detection pass. $1 business day D, $2 run's now. A line is short when
    /// quantity > received + open quantity of approved/ordered/partly received PO lines covering it.
    static let detectShortages = """
        WITH lines AS (
            SELECT bh.project_id, bi.id AS bom_item_id, bi.material_id,
                   coalesce(bi.material_code, m.material_code) AS material_code,
                   coalesce(bi.material_name, m.material_name) AS material_name,
                   bi.quantity, bi.required_date,
                   bi.received_qty + coalesce(po.open_qty, 0) AS covered
              FROM bom_items bi
              JOIN bom_headers bh ON bh.id = bi.bom_id AND bh.status = 'RELEASED' AND bh.is_latest
              JOIN projects p ON p.id = bh.project_id AND p.is_active AND NOT p.is_archived
              JOIN materials m ON m.id = bi.material_id
              LEFT JOIN LATERAL (
                  SELECT sum(greatest(poi.quantity - poi.received_qty, 0)) AS open_qty
                    FROM purchase_order_items poi JOIN purchase_orders o ON o.id = poi.order_id
                   WHERE poi.bom_item_id = bi.id AND o.status IN ('APPROVED','ORDERED','PARTIAL_RECEIVED')
              ) po ON true
             WHERE bi.required_date <= $1::date + 14
        ), upserted AS (
            INSERT INTO material_shortages AS s (project_id, bom_item_id, material_id, material_code, material_name,
                required_qty, available_qty, shortage_qty, required_date, status, created_at, updated_at)
            SELECT project_id, bom_item_id, material_id, material_code, material_name, quantity, covered,
                   quantity - covered, required_date, 'OPEN', $2, $2
              FROM lines WHERE quantity - covered > 0
            ON CONFLICT (project_id, bom_item_id) WHERE status IN ('OPEN','ACKNOWLEDGED')
            DO UPDATE SET required_qty = EXCLUDED.required_qty, available_qty = EXCLUDED.available_qty,
                          shortage_qty = EXCLUDED.shortage_qty, required_date = EXCLUDED.required_date,
                          updated_at = EXCLUDED.updated_at
                    WHERE (s.required_qty, s.available_qty, s.shortage_qty, s.required_date)
                          IS DISTINCT FROM (EXCLUDED.required_qty, EXCLUDED.available_qty, EXCLUDED.shortage_qty,
                                            EXCLUDED.required_date)
            RETURNING (xmax = 0) AS inserted
        ), covered AS (
            UPDATE material_shortages s
               SET status = 'RESOLVED', resolved_at = $2, solution = 'AUTO: covered', updated_at = $2
              FROM lines l
             WHERE s.project_id = l.project_id AND s.bom_item_id = l.bom_item_id
               AND s.status IN ('OPEN','ACKNOWLEDGED') AND l.quantity - l.covered <= 0
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM upserted WHERE inserted)::int AS opened,
               (SELECT count(*) FROM upserted WHERE NOT inserted)::int AS updated,
               (SELECT count(*) FROM covered)::int AS covered
        """

    static let countOpen = """
        SELECT count(*)::int AS n FROM material_shortages s
          JOIN projects p ON p.id = s.project_id AND p.is_active AND NOT p.is_archived
         WHERE s.status = 'OPEN'
        """

    /// Alert candidates: OPEN shortages may raise alerts; ACKNOWLEDGED ones (PMC confirmed) keep theirs open.
    /// $1 business day D.
    static let candidates = """
        SELECT 'MATERIAL_SHORTAGE', s.id, s.material_code, s.material_name || ' 缺料', s.project_id, NULL::bigint,
               CASE WHEN s.required_date IS NULL THEN 'INFO'
                    WHEN s.required_date < $1::date THEN 'URGENT'
                    WHEN s.required_date - $1::date <= 3 THEN 'CRITICAL'
                    WHEN s.required_date - $1::date <= 7 THEN 'WARNING'
                    ELSE 'INFO' END,
               '物料缺料：' || s.material_name,
               '物料 ' || s.material_code || ' 缺料 ' || pms_float_text(s.shortage_qty) || '，需求日期：'
                   || coalesce(to_char(s.required_date, 'YYYY-MM-DD'), '未设置'),
               NULL::jsonb, pms_float_text(s.shortage_qty), '0',
               'MATERIAL_SHORTAGE:MATERIAL_SHORTAGE:' || s.id, s.id, s.status = 'OPEN',
               jsonb_build_array(jsonb_build_object('user_id', s.handler_id, 'reason', 'HANDLER'),
                                 jsonb_build_object('user_id', p.pm_id, 'reason', 'PM'))
          FROM material_shortages s
          JOIN projects p ON p.id = s.project_id AND p.is_active AND NOT p.is_archived
         WHERE s.status IN ('OPEN','ACKNOWLEDGED')
        """
}
