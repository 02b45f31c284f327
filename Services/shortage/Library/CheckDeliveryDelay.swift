import PMSBus
import PMSPostgres
import PMSRuntime

/// 到货延迟检查, daily 14:00. Raises DELIVERY_DELAY for every purchase order that is APPROVED, ORDERED or
/// PARTIAL_RECEIVED, whose header `required_date` is before D and that still has a line with
/// `received_qty < quantity` (the corrected candidate set: the original's statuses never occur).
/// Delay of 7 days or more → CRITICAL, else WARNING. The alert resolves once the order is fully received,
/// leaves those statuses, its date moves to D or later, or its project becomes inactive or archived.
/// Recipients: the project's PM, the order's creator (the buyer), and role PU_MGR.
public struct CheckDeliveryDelay: Job {
    public let id = "check_delivery_delay"
    public var roleCodes = ["PU_MGR"]

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let rule = try await AlertRule.load(code: "DELIVERY_DELAY", on: context.connection)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }
        let day = context.today.description

        let writer = AlertWriter(rule: rule, roleCodes: roleCodes, resolveText: "AUTO: condition cleared")
        let outcome = try await writer.apply(candidatesSQL: Self.candidates, parameters: [day], in: context)
        return RunResult(
            checked: outcome.candidates, created: outcome.created, updated: outcome.refreshed,
            resolved: outcome.resolved, notified: outcome.recipients, skipped: outcome.suppressed,
            details: [
                "delayed_count": .number(Double(outcome.candidates)),
                "levels_raised": .number(Double(outcome.levelRaised)),
            ])
    }

    /// Late orders with an open line. The supplier's `promised_date` is added to the content when present.
    /// $1 business day D.
    static let candidates = """
        WITH late AS (
            SELECT po.id, po.order_no, coalesce(nullif(po.order_title, ''), po.order_no) AS name, po.project_id,
                   po.required_date, po.promised_date, po.created_by, ($1::date - po.required_date) AS days
              FROM purchase_orders po
              LEFT JOIN projects p ON p.id = po.project_id
             WHERE po.status IN ('APPROVED','ORDERED','PARTIAL_RECEIVED')
               AND po.required_date < $1::date
               AND EXISTS (SELECT 1 FROM purchase_order_items poi
                            WHERE poi.order_id = po.id AND poi.received_qty < poi.quantity)
               AND (po.project_id IS NULL OR (p.is_active AND NOT p.is_archived))
        )
        SELECT 'PURCHASE_ORDER', l.id, l.order_no, l.name, l.project_id, NULL::bigint,
               CASE WHEN l.days >= 7 THEN 'CRITICAL' ELSE 'WARNING' END,
               '采购订单到货延迟：' || l.order_no,
               '采购订单 ' || l.order_no || ' 已延迟 ' || l.days || ' 天（要求交期：'
                   || to_char(l.required_date, 'YYYY-MM-DD')
                   || coalesce('，承诺交期：' || to_char(l.promised_date, 'YYYY-MM-DD'), '') || '）',
               NULL::jsonb, l.days::text, '0',
               'DELIVERY_DELAY:PURCHASE_ORDER:' || l.id, l.id, true,
               jsonb_build_array(jsonb_build_object('user_id', pr.pm_id, 'reason', 'PM'),
                                 jsonb_build_object('user_id', l.created_by, 'reason', 'CREATOR'))
          FROM late l
          LEFT JOIN projects pr ON pr.id = l.project_id
        """
}
