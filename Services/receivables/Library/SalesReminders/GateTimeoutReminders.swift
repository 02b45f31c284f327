import PMSPostgres
import PMSRuntime

/// Step 7 of sales_reminder_scan, gate_timeout (corrected): a stage gate left pending for T days
/// (`timeoutDays`, SALES_GATE_TIMEOUT_DAYS, default 3) reminds its owner, HIGH, once per owner and day:
/// - G1: leads in QUALIFYING whose `updated_at` ≤ (D − T) 00:00 in the configured zone;
/// - G2–G4: opportunities with gate_status PENDING, stage not WON/LOST, `updated_at` ≤ (D − T) 00:00. The gate
///   type is not stored, so title and content use the generic label '阶段门' (the original crashed here).
/// days_pending = D − the zone's calendar day of `updated_at`. The owner is the only recipient: a missing or
/// inactive owner leaves the item unrouted (counted and logged). Keys `GATE_TIMEOUT|lead|…` and
/// `GATE_TIMEOUT|opportunity|…` (DATA-MODEL §4.3).
public struct GateTimeoutReminders: SalesReminderStep {
    public let name = "gate_timeout"
    /// SALES_GATE_TIMEOUT_DAYS.
    public var timeoutDays = 3

    public init() {}

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        let parameters: [any PostgresBindable] = [context.today.description, context.timeZone.identifier, timeoutDays]
        return try await remind(itemsSQL: Self.itemsSQL, parameters: parameters, item: "gate timeout", in: context)
    }

    /// $1 business day D, $2 zone, $3 T (days). `cutoff` = (D − T) 00:00 in the zone, a constant, so the
    /// lead scan uses `idx_leads_qualifying (updated_at)`. A NULL stage is open (not WON/LOST).
    static let itemsSQL = """
        WITH cutoff AS (
            SELECT (($1::date - $3::int)::timestamp AT TIME ZONE $2::text) AS at
        ), items AS (
            SELECT 1 AS kind, 'lead'::text AS source_type, l.id AS source_id, l.owner_id,
                   '阶段门超时提醒：G1（线索转商机）'::text AS title,
                   '线索 ' || l.lead_code || ' 的 G1 阶段门已提交 ' || d.days || ' 天未处理，请及时处理。' AS content,
                   '/sales/leads/' || l.id AS link_url,
                   jsonb_build_object('gate_type', 'G1', 'lead_code', l.lead_code, 'days_pending', d.days) AS extra_data
              FROM leads l
              CROSS JOIN LATERAL (SELECT $1::date - (l.updated_at AT TIME ZONE $2::text)::date AS days) d
             WHERE l.status = 'QUALIFYING' AND l.updated_at <= (SELECT at FROM cutoff)
            UNION ALL
            SELECT 2, 'opportunity', o.id, o.owner_id,
                   '阶段门超时提醒：阶段门',
                   '商机 ' || o.opp_code || ' 的 阶段门 已提交 ' || d.days || ' 天未处理，请及时处理。',
                   '/sales/opportunities/' || o.id,
                   jsonb_build_object('opp_code', o.opp_code, 'opp_name', o.opp_name, 'stage', o.stage,
                                      'days_pending', d.days)
              FROM opportunities o
              CROSS JOIN LATERAL (SELECT $1::date - (o.updated_at AT TIME ZONE $2::text)::date AS days) d
             WHERE o.gate_status = 'PENDING' AND (o.stage IS NULL OR o.stage NOT IN ('WON', 'LOST'))
               AND o.updated_at <= (SELECT at FROM cutoff)
        )
        -- leads first, then opportunities, each by id
        SELECT i.source_id, u.id, 'GATE_TIMEOUT', i.source_type, i.source_id, i.title, i.content, i.link_url, 'HIGH',
               i.extra_data,
               'GATE_TIMEOUT|' || i.source_type || '|' || i.source_id || '|' || u.id || '|' || to_char($1::date, 'YYYY-MM-DD'),
               row_number() OVER (ORDER BY i.kind, i.source_id)
          FROM items i LEFT JOIN users u ON u.id = i.owner_id AND u.is_active
        """
}
