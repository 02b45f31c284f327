import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 逾期应收预警, daily 10:30. Raises OVERDUE_RECEIVABLE (prefix AR) for every ISSUED invoice with
/// payment_status PENDING or PARTIAL, due before D, whose unpaid amount (gross = COALESCE(total_amount, amount, 0):
/// NULL is missing, 0 is 0; minus COALESCE(paid_amount, 0)) is above 0. Project = COALESCE(contracts.project_id,
/// invoices.project_id). Level by overdue days: ≥ 90 URGENT, ≥ 60 CRITICAL, ≥ 30 WARNING, else INFO; the open
/// alert is refreshed each run and upgraded in place (never lowered); threshold_value = the lower bound in days
/// of the level reached. An alert whose invoice no longer qualifies is resolved 'auto-closed: paid'.
/// DECISIONS general rule "Inactive or archived": invoices of an inactive or archived project are skipped and
/// their open alerts resolve (`AUTO: condition cleared`). Recipients: contract owner, PM, roles FIN, CFO, FI,
/// FINANCE (active users only; an inactive one simply falls through to the others; none at all = unrouted).
public struct CheckOverdueReceivableAlerts: Job {
    public let id = "check_overdue_receivable_alerts"
    public var roleCodes = ["FIN", "CFO", "FI", "FINANCE"]

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let db = context.connection
        let rule = try await AlertRule.load(code: "OVERDUE_RECEIVABLE", on: db)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }

        let left = try await db.query(Self.resolveInactiveProjects, [rule.id, context.now])
            .first?.decode(Int.self, "n") ?? 0
        let writer = AlertWriter(rule: rule, roleCodes: roleCodes, resolveText: "auto-closed: paid")
        let outcome = try await writer.apply(
            candidatesSQL: Self.candidates, parameters: [context.today.description], in: context)
        return RunResult(
            checked: outcome.candidates, created: outcome.created, updated: outcome.refreshed,
            resolved: outcome.resolved + left, notified: outcome.recipients, skipped: outcome.suppressed,
            unrouted: outcome.unrouted,
            details: [
                "overdue_count": .number(Double(outcome.candidates)),
                "levels_raised": .number(Double(outcome.levelRaised)),
                "resolved_inactive_project": .number(Double(left)),
            ])
    }

    /// Alert candidates in invoice id order (load order). Uses idx_invoices_overdue. $1 business day D.
    static let candidates = """
        WITH overdue AS (
            SELECT i.id, i.invoice_code, coalesce(k.project_id, i.project_id) AS project_id, k.owner_id,
                   coalesce(cu.customer_name, '未知客户') AS customer_name,
                   coalesce(i.total_amount, i.amount, 0) - coalesce(i.paid_amount, 0) AS unpaid,
                   $1::date - i.due_date AS days
              FROM invoices i
              JOIN contracts k ON k.id = i.contract_id
              LEFT JOIN customers cu ON cu.id = k.customer_id
             WHERE i.status = 'ISSUED' AND i.payment_status IN ('PENDING','PARTIAL')
               AND i.due_date < $1::date
        )
        SELECT 'INVOICE', o.id, o.invoice_code, '发票 ' || o.invoice_code, o.project_id, NULL::bigint,
               CASE WHEN o.days >= 90 THEN 'URGENT' WHEN o.days >= 60 THEN 'CRITICAL'
                    WHEN o.days >= 30 THEN 'WARNING' ELSE 'INFO' END,
               '逾期应收预警：' || o.invoice_code,
               '发票 ' || o.invoice_code || '（客户：' || o.customer_name || '）已逾期 ' || o.days
                   || ' 天，未收金额：' || to_char(o.unpaid, 'FM999,999,999,999,990.00') || ' 元，请及时跟进。',
               NULL::jsonb, o.days::text,
               CASE WHEN o.days >= 90 THEN '90' WHEN o.days >= 60 THEN '60' WHEN o.days >= 30 THEN '30' ELSE '1' END,
               'OVERDUE_RECEIVABLE:INVOICE:' || o.id, o.id, true,
               jsonb_build_array(jsonb_build_object('user_id', o.owner_id, 'reason', 'OWNER'),
                                 jsonb_build_object('user_id', p.pm_id, 'reason', 'PM'))
          FROM overdue o
          LEFT JOIN projects p ON p.id = o.project_id
         WHERE o.unpaid > 0
           AND (o.project_id IS NULL OR (p.is_active AND NOT p.is_archived))
        """

    /// DECISIONS "Inactive or archived" (general rule): open alerts of invoices whose project became inactive or
    /// archived resolve with the general text; the writer then no longer sees them. $1 rule id, $2 run's now.
    static let resolveInactiveProjects = """
        WITH gone AS (
            UPDATE alert_records a
               SET status = 'RESOLVED', handle_end_at = $2, handle_result = 'AUTO: condition cleared',
                   condition_cleared_at = $2, updated_at = $2
              FROM invoices i
              JOIN contracts k ON k.id = i.contract_id
              JOIN projects p ON p.id = coalesce(k.project_id, i.project_id)
             WHERE a.rule_id = $1 AND a.status IN ('PENDING','ACKNOWLEDGED','PROCESSING')
               AND a.target_type = 'INVOICE' AND i.id = a.target_id
               AND NOT (p.is_active AND NOT p.is_archived)
            RETURNING 1
        )
        SELECT count(*)::int AS n FROM gone
        """
}
