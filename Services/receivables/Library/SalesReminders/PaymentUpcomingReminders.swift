import PMSPostgres
import PMSRuntime

/// The "payment plan upcoming" routine (services-receivables-cost.md), shared by sales_reminder_scan (its
/// payment_upcoming step) and check_payment_reminder, corrected: open plans (PENDING, INVOICED, PARTIAL) of
/// active, non-archived projects with something still to collect (COALESCE(actual_amount, 0) < planned_amount)
/// and D ≤ planned_date ≤ D+7; ONE pass, priority HIGH when days_left ≤ 3, else NORMAL; the unpaid amount is in
/// the content and in `extra_data.unpaid_amount`.
/// Recipient: the contract owner, else (missing or inactive) the project PM; with `includeFinanceRoles` (the
/// scan, DECISIONS "plus the finance roles for payment steps") also every active holder of an active finance
/// role. A plan with nobody is counted `unrouted`. Key `PAYMENT_PLAN_UPCOMING|payment_plan|<plan_id>|<user_id>|<D>`
/// (DATA-MODEL §4.3), the same in both jobs: together they write at most one row per plan, user and day.
public struct PaymentUpcomingReminders: SalesReminderStep {
    public let name = "payment_upcoming"
    /// true in sales_reminder_scan, false in check_payment_reminder (its section: a single recipient).
    public var includeFinanceRoles: Bool
    /// DATA-MODEL §4.4 default finance role codes.
    public var financeRoleCodes: [String]

    public init(includeFinanceRoles: Bool = true, financeRoleCodes: [String] = ["FIN", "CFO", "FI", "FINANCE"]) {
        self.includeFinanceRoles = includeFinanceRoles
        self.financeRoleCodes = financeRoleCodes
    }

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        let roles = PostgresTextArray(includeFinanceRoles ? financeRoleCodes : [])
        return try await remind(itemsSQL: Self.itemsSQL, parameters: [context.today.description, roles],
                                item: "payment plan reminder", in: context)
    }

    /// $1 business day D, $2 finance role codes (text[], empty: none). The window is a range of
    /// idx_project_payment_plans_open_date. Amounts stay numeric; `::text` of numeric(14,2) is the raw decimal.
    static let itemsSQL = """
        WITH items AS (
            SELECT pp.id, pp.project_id, pp.payment_name, pp.payment_type, pp.planned_amount,
                   pp.planned_amount - coalesce(pp.actual_amount, 0) AS unpaid,
                   (pp.planned_date - $1::date) AS days_left, to_char(pp.planned_date, 'YYYY-MM-DD') AS planned_text,
                   -- the contract owner, else the PM; an inactive user falls through to the next
                   coalesce(uo.id, up.id) AS first_choice
              FROM project_payment_plans pp
              JOIN projects p ON p.id = pp.project_id AND p.is_active AND NOT p.is_archived
              LEFT JOIN contracts c ON c.id = pp.contract_id
              LEFT JOIN users uo ON uo.id = c.owner_id AND uo.is_active
              LEFT JOIN users up ON up.id = p.pm_id AND up.is_active
             WHERE pp.status IN ('PENDING', 'INVOICED', 'PARTIAL')
               AND pp.planned_date BETWEEN $1::date AND $1::date + 7
               AND coalesce(pp.actual_amount, 0) < pp.planned_amount
        ), finance AS MATERIALIZED (
            SELECT DISTINCT ur.user_id
              FROM user_roles ur
              JOIN roles ro ON ro.id = ur.role_id AND ro.is_active AND ro.role_code = ANY($2::text[])
              JOIN users u ON u.id = ur.user_id AND u.is_active
        ), recipients AS (
            -- each user once per plan, with the first reason (1 owner-or-PM, 3 finance role)
            SELECT DISTINCT ON (x.item_id, x.user_id) x.item_id, x.user_id, x.rank
              FROM (SELECT i.id AS item_id, i.first_choice AS user_id, 1 AS rank FROM items i
                     WHERE i.first_choice IS NOT NULL
                    UNION ALL
                    SELECT i.id, f.user_id, 3 FROM items i CROSS JOIN finance f) x
             ORDER BY x.item_id, x.user_id, x.rank
        ), routed AS (
            SELECT i.*, r.user_id, r.rank FROM items i LEFT JOIN recipients r ON r.item_id = i.id
        )
        SELECT r.id, r.user_id, 'PAYMENT_PLAN_UPCOMING', 'payment_plan', r.id,
               '收款计划即将到期：' || r.payment_name,
               '收款计划 ' || r.payment_name || '（金额：' || r.planned_amount::text || '，未收：' || r.unpaid::text
                   || '）将在 ' || r.planned_text || ' 到期，请及时跟进。',
               '/projects/' || r.project_id || '/payment-plans',
               CASE WHEN r.days_left <= 3 THEN 'HIGH' ELSE 'NORMAL' END,
               jsonb_build_object('payment_name', r.payment_name, 'payment_type', r.payment_type,
                   'planned_amount', r.planned_amount, 'unpaid_amount', r.unpaid,
                   'planned_date', r.planned_text, 'days_left', r.days_left),
               'PAYMENT_PLAN_UPCOMING|payment_plan|' || r.id || '|' || r.user_id || '|' || to_char($1::date, 'YYYY-MM-DD'),
               row_number() OVER (ORDER BY r.id, r.rank, r.user_id)
          FROM routed r
        """
}
