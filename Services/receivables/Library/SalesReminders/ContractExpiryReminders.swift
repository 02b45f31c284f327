import PMSPostgres
import PMSRuntime

/// Step 9 of sales_reminder_scan, contract_expiring (corrected: statuses SIGNED and ACTIVE, the new
/// `contracts.delivery_deadline`, NULL deadlines skipped). days_left = delivery_deadline − D must be one of
/// `reminderDays` (SALES_CONTRACT_EXPIRE_REMINDER_DAYS, default [30, 15, 7], positive only); priority ≤ 7 days
/// URGENT, ≤ 15 HIGH, else NORMAL (the spec's 7/15/30 mapping, extended to configured days).
/// Recipients: the contract owner and the PM of the linked project (a set: one row per person; an inactive one
/// is simply left out, the other still gets it; neither active → unrouted, counted). Contracts of an inactive
/// or archived project are skipped (DECISIONS). The spec gives the title only; the content follows the
/// milestone texts' style: '合同 {contract_code} 将在 {delivery_deadline} 到期，请及时处理。'.
/// Key `CONTRACT_EXPIRING|contract|<id>|<user_id>|<D>`.
public struct ContractExpiryReminders: SalesReminderStep {
    public let name = "contract_expiring"
    /// SALES_CONTRACT_EXPIRE_REMINDER_DAYS.
    public var reminderDays = [30, 15, 7]

    public init() {}

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        let days = reminderDays.filter { $0 > 0 }
        let parameters: [any PostgresBindable] = [context.today.description, days, days.max() ?? 0]
        return try await remind(itemsSQL: Self.itemsSQL, parameters: parameters, item: "contract expiry", in: context)
    }

    /// $1 business day D, $2 reminder days (int[]), $3 the largest reminder day (bounds the range scan of
    /// `idx_contracts_delivery_deadline`).
    static let itemsSQL = """
        WITH items AS (
            SELECT c.id, c.contract_code, c.owner_id, c.project_id, p.pm_id, c.delivery_deadline,
                   c.delivery_deadline - $1::date AS days_left
              FROM contracts c
              LEFT JOIN projects p ON p.id = c.project_id
             WHERE c.status IN ('SIGNED', 'ACTIVE')
               AND c.delivery_deadline > $1::date AND c.delivery_deadline <= $1::date + $3::int
               AND c.delivery_deadline - $1::date = ANY ($2::int[])
               AND (c.project_id IS NULL OR (p.is_active AND NOT p.is_archived))
        ), routed AS (
            -- owner first, then PM; the same person once
            SELECT i.id, min(c.rank) AS rank, u.id AS user_id
              FROM items i
              CROSS JOIN LATERAL (VALUES (1, i.owner_id), (2, i.pm_id)) c(rank, user_id)
              JOIN users u ON u.id = c.user_id AND u.is_active
             GROUP BY i.id, u.id
        )
        SELECT i.id, r.user_id, 'CONTRACT_EXPIRING', 'contract', i.id,
               '合同即将到期：' || i.contract_code || '（' || i.days_left || '天后）',
               '合同 ' || i.contract_code || ' 将在 ' || to_char(i.delivery_deadline, 'YYYY-MM-DD') || ' 到期，请及时处理。',
               '/sales/contracts/' || i.id,
               CASE WHEN i.days_left <= 7 THEN 'URGENT' WHEN i.days_left <= 15 THEN 'HIGH' ELSE 'NORMAL' END,
               jsonb_build_object('contract_code', i.contract_code, 'project_id', i.project_id,
                                  'delivery_deadline', to_char(i.delivery_deadline, 'YYYY-MM-DD'), 'days_left', i.days_left),
               'CONTRACT_EXPIRING|contract|' || i.id || '|' || r.user_id || '|' || to_char($1::date, 'YYYY-MM-DD'),
               row_number() OVER (ORDER BY i.delivery_deadline, i.id, r.rank)
          FROM items i LEFT JOIN routed r ON r.id = i.id
        """
}
