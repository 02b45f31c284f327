import PMSPostgres
import PMSRuntime

/// sales_reminder_scan, overdue payment step (services-receivables-cost.md step 6, corrected): open plans
/// (PENDING, INVOICED, PARTIAL) of active, non-archived projects, planned_date < D, unpaid =
/// planned_amount − COALESCE(actual_amount, 0) > 0 (NULL actual = 0), sent only on the DECISIONS cadence:
/// overdue_days ∈ {1, 7, 15, 30, 60}, then every 30 days (90, 120, …). Priority ≥ 60 days URGENT, ≥ 15 HIGH,
/// else NORMAL. Recipients: the contract owner AND the project PM (each when active), plus every active holder
/// of an active finance role (DECISIONS); a plan with nobody is counted `unrouted`.
/// Key `PAYMENT_OVERDUE|payment_plan|<plan_id>|<user_id>|<D>` (DATA-MODEL §4.3).
public struct PaymentOverdueReminders: SalesReminderStep {
    public let name = "payment_overdue"
    /// DATA-MODEL §4.4 default finance role codes.
    public var financeRoleCodes: [String]

    public init(financeRoleCodes: [String] = ["FIN", "CFO", "FI", "FINANCE"]) {
        self.financeRoleCodes = financeRoleCodes
    }

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        let parameters: [any PostgresBindable] = [context.today.description, PostgresTextArray(financeRoleCodes)]
        return try await remind(itemsSQL: Self.itemsSQL, parameters: parameters, item: "overdue payment reminder",
                                in: context)
    }

    /// $1 business day D, $2 finance role codes (text[]). `planned_date < D` is a range of
    /// idx_project_payment_plans_open_date; the cadence filters the scanned rows.
    static let itemsSQL = """
        WITH items AS (
            SELECT pp.id, pp.project_id, pp.payment_name, pp.payment_type, pp.planned_amount,
                   coalesce(pp.actual_amount, 0) AS actual,
                   pp.planned_amount - coalesce(pp.actual_amount, 0) AS unpaid,
                   ($1::date - pp.planned_date) AS overdue_days, to_char(pp.planned_date, 'YYYY-MM-DD') AS planned_text,
                   uo.id AS owner_id, up.id AS pm_id
              FROM project_payment_plans pp
              JOIN projects p ON p.id = pp.project_id AND p.is_active AND NOT p.is_archived
              LEFT JOIN contracts c ON c.id = pp.contract_id
              LEFT JOIN users uo ON uo.id = c.owner_id AND uo.is_active
              LEFT JOIN users up ON up.id = p.pm_id AND up.is_active
             WHERE pp.status IN ('PENDING', 'INVOICED', 'PARTIAL')
               AND pp.planned_date < $1::date
               AND coalesce(pp.actual_amount, 0) < pp.planned_amount
               AND (($1::date - pp.planned_date) IN (1, 7, 15, 30, 60)
                    OR (($1::date - pp.planned_date) > 60 AND (($1::date - pp.planned_date) - 60) % 30 = 0))
        ), finance AS MATERIALIZED (
            SELECT DISTINCT ur.user_id
              FROM user_roles ur
              JOIN roles ro ON ro.id = ur.role_id AND ro.is_active AND ro.role_code = ANY($2::text[])
              JOIN users u ON u.id = ur.user_id AND u.is_active
        ), recipients AS (
            -- owner and PM both (the active ones), then the finance roles; each user once per plan, first reason wins
            SELECT DISTINCT ON (x.item_id, x.user_id) x.item_id, x.user_id, x.rank
              FROM (SELECT i.id AS item_id, i.owner_id AS user_id, 1 AS rank FROM items i WHERE i.owner_id IS NOT NULL
                    UNION ALL
                    SELECT i.id, i.pm_id, 2 FROM items i WHERE i.pm_id IS NOT NULL
                    UNION ALL
                    SELECT i.id, f.user_id, 3 FROM items i CROSS JOIN finance f) x
             ORDER BY x.item_id, x.user_id, x.rank
        ), routed AS (
            SELECT i.*, r.user_id, r.rank FROM items i LEFT JOIN recipients r ON r.item_id = i.id
        )
        SELECT r.id, r.user_id, 'PAYMENT_OVERDUE', 'payment_plan', r.id,
               '收款已逾期：' || r.payment_name || '（' || r.overdue_days || '天）',
               '收款计划 ' || r.payment_name || ' 已逾期 ' || r.overdue_days || ' 天，未收金额：' || r.unpaid::text
                   || '，请尽快跟进。',
               '/projects/' || r.project_id || '/payment-plans',
               CASE WHEN r.overdue_days >= 60 THEN 'URGENT' WHEN r.overdue_days >= 15 THEN 'HIGH' ELSE 'NORMAL' END,
               jsonb_build_object('payment_name', r.payment_name, 'payment_type', r.payment_type,
                   'planned_amount', r.planned_amount, 'actual_amount', r.actual, 'unpaid_amount', r.unpaid,
                   'planned_date', r.planned_text, 'overdue_days', r.overdue_days),
               'PAYMENT_OVERDUE|payment_plan|' || r.id || '|' || r.user_id || '|' || to_char($1::date, 'YYYY-MM-DD'),
               row_number() OVER (ORDER BY r.id, r.rank, r.user_id)
          FROM routed r
        """
}
