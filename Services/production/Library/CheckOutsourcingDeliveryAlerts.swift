import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 外协交期预警, daily 15:00. Raises OUTSOURCING_DELIVERY for every open outsourcing order (APPROVED,
/// CONFIRMED or IN_PROGRESS, not fully delivered, of an active project) whose required date is at most
/// the rule's threshold (default 3) days away: overdue → CRITICAL, 0..3 days → WARNING. An order whose
/// vendor forecast (`estimated_date`) is later than its required date is also a WARNING, however far the
/// required date is. An order without a required date is skipped. Recipients: PM, creator, role PU.
public struct CheckOutsourcingDeliveryAlerts: Job {
    public let id = "check_outsourcing_delivery_alerts"
    public var roleCodes = ["PU"]

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let rule = try await AlertRule.load(code: "OUTSOURCING_DELIVERY", on: context.connection)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }
        let day = context.today.description
        let window = rule.thresholdValue.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 3
        let parameters: [any PostgresBindable] = [day, window, String(window)]

        let checked = try await context.connection.query(Self.countScope, [day]).first?.decode(Int.self, "n") ?? 0
        // The writer refreshes content but keeps the title; rewrite it first where the level does not fall,
        // so an upgraded alert (and its escalated event) reads in the overdue form.
        let retitled = try await context.connection.query(Self.retitleOpen, parameters + [rule.id])
            .first?.decode(Int.self, "n") ?? 0
        let writer = AlertWriter(rule: rule, roleCodes: roleCodes, resolveText: "AUTO: condition cleared")
        let outcome = try await writer.apply(candidatesSQL: Self.candidates, parameters: parameters, in: context)
        return RunResult(
            checked: checked, created: outcome.created, updated: outcome.refreshed, resolved: outcome.resolved,
            notified: outcome.recipients, skipped: outcome.suppressed,
            details: [
                "levels_raised": .number(Double(outcome.levelRaised)),
                "titles_rewritten": .number(Double(retitled)),
            ])
    }

    /// Orders in scope; $1 business day D. Open statuses of the real lifecycle, active non-archived
    /// project (or none), and not fully delivered (an order without lines is not delivered).
    static let orders = """
        orders AS (
            SELECT o.id, o.order_no, o.order_title, o.project_id, o.required_date, o.estimated_date, o.created_by,
                   o.required_date - $1::date AS days
              FROM outsourcing_orders o
              LEFT JOIN projects p ON p.id = o.project_id
             WHERE o.status IN ('APPROVED','CONFIRMED','IN_PROGRESS')
               AND (o.project_id IS NULL OR (p.is_active AND NOT p.is_archived))
               AND NOT (EXISTS (SELECT 1 FROM outsourcing_order_items i WHERE i.order_id = o.id)
                        AND NOT EXISTS (SELECT 1 FROM outsourcing_order_items i
                                         WHERE i.order_id = o.id AND i.delivered_quantity < i.quantity))
        )
        """

    /// $1 business day D.
    static let countScope = "WITH \(orders) SELECT count(*)::int AS n FROM orders"

    /// Alert candidates; $1 business day D, $2 window in days, $3 threshold text.
    static let candidates = """
        WITH \(orders)
        SELECT 'OUTSOURCING_ORDER', o.id, o.order_no, coalesce(nullif(o.order_title, ''), o.order_no), o.project_id,
               NULL::bigint,
               CASE WHEN o.days < 0 THEN 'CRITICAL' ELSE 'WARNING' END,
               CASE WHEN o.days < 0 THEN '外协订单交期逾期：' || o.order_no
                    WHEN o.days <= $2::int THEN '外协订单交期临近：' || o.order_no
                    ELSE '外协订单预计延期：' || o.order_no END,
               CASE WHEN o.days < 0
                    THEN '外协订单 ' || o.order_no || ' 已逾期 ' || abs(o.days) || ' 天（要求交期：'
                         || to_char(o.required_date, 'YYYY-MM-DD') || '）'
                    WHEN o.days <= $2::int
                    THEN '外协订单 ' || o.order_no || ' 将在 ' || o.days || ' 天后到期（要求交期：'
                         || to_char(o.required_date, 'YYYY-MM-DD') || '）'
                    ELSE '外协订单 ' || o.order_no || ' 预计交期 ' || to_char(o.estimated_date, 'YYYY-MM-DD')
                         || ' 晚于要求交期（要求交期：' || to_char(o.required_date, 'YYYY-MM-DD') || '）' END,
               NULL::jsonb, o.days::text, $3::text,
               'OUTSOURCING_DELIVERY:OUTSOURCING_ORDER:' || o.id, o.id, true,
               jsonb_build_array(jsonb_build_object('user_id', pr.pm_id, 'reason', 'PM'),
                                 jsonb_build_object('user_id', o.created_by, 'reason', 'CREATOR'))
          FROM orders o
          LEFT JOIN projects pr ON pr.id = o.project_id
         WHERE o.required_date IS NOT NULL
           AND (o.days <= $2::int OR o.estimated_date > o.required_date)
        """

    /// Rewrite the title of open alerts whose candidate level is not lower than the alert's.
    /// $1..$3 as `candidates`, $4 rule id.
    static let retitleOpen = """
        WITH retitled AS (
            UPDATE alert_records a SET alert_title = c.alert_title
              FROM (\(candidates)) AS c(target_type, target_id, target_no, target_name, project_id, machine_id,
                    alert_level, alert_title, alert_content, alert_data, trigger_value, threshold_value, dedup_key,
                    load_order, may_create, recipients)
             WHERE a.rule_id = $4 AND a.status IN ('PENDING','ACKNOWLEDGED','PROCESSING')
               AND a.target_type = c.target_type AND a.target_id = c.target_id
               AND array_position(ARRAY['INFO','WARNING','CRITICAL','URGENT']::text[], c.alert_level)
                   >= array_position(ARRAY['INFO','WARNING','CRITICAL','URGENT']::text[], a.alert_level)
               AND a.alert_title IS DISTINCT FROM c.alert_title
            RETURNING 1
        )
        SELECT count(*)::int AS n FROM retitled
        """
}
