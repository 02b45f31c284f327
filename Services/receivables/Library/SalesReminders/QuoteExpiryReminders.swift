import PMSPostgres
import PMSRuntime

/// Step 8 of sales_reminder_scan, quote_expiring / quote_expired (corrected: `quotes.valid_until`, which the
/// original wrongly read from the quote version). Quotes in SENT or IN_REVIEW, days_left = valid_until − D:
/// - days_left < 0 → QUOTE_EXPIRED every day, HIGH;
/// - days_left in `reminderDays` (SALES_QUOTE_EXPIRE_REMINDER_DAYS, default [7, 3, 1]) → QUOTE_EXPIRING,
///   priority ≤ 1 day URGENT, ≤ 3 HIGH, else NORMAL (the spec's 1/3/7 mapping, extended to configured days).
/// Recipient: the quote owner (missing or inactive: unrouted, counted). Both counters (quote_expiring,
/// quote_expired) are logged. The spec gives titles only; the contents follow the milestone texts' style:
/// '报价 {quote_code} 将在 {valid_until} 过期，请及时处理。' / '报价 {quote_code} 已过期 {n} 天，请尽快处理。'.
public struct QuoteExpiryReminders: SalesReminderStep {
    public let name = "quote_expiry"
    /// SALES_QUOTE_EXPIRE_REMINDER_DAYS.
    public var reminderDays = [7, 3, 1]

    public init() {}

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        let days = reminderDays.filter { $0 > 0 }
        let parameters: [any PostgresBindable] = [context.today.description, days, days.max() ?? 0]
        // the log line of `remind` carries the spec's two counters, quote_expiring and quote_expired
        return try await remind(itemsSQL: Self.itemsSQL, parameters: parameters, item: "quote expiry", in: context)
    }

    /// $1 business day D, $2 reminder days (int[]), $3 the largest reminder day (bounds the index range scan of
    /// `idx_quotes_open_validity`).
    static let itemsSQL = """
        WITH items AS (
            SELECT q.id, q.quote_code, q.owner_id, q.valid_until, q.valid_until - $1::date AS days_left,
                   q.valid_until < $1::date AS expired
              FROM quotes q
             WHERE q.status IN ('SENT', 'IN_REVIEW') AND q.valid_until <= $1::date + $3::int
               AND (q.valid_until < $1::date OR q.valid_until - $1::date = ANY ($2::int[]))
        ), routed AS (
            SELECT i.*, u.id AS user_id FROM items i LEFT JOIN users u ON u.id = i.owner_id AND u.is_active
        )
        SELECT r.id, r.user_id, t.type, 'quote', r.id,
               CASE WHEN r.expired THEN '报价已过期：' || r.quote_code
                    ELSE '报价即将过期：' || r.quote_code || '（' || r.days_left || '天后）' END,
               CASE WHEN r.expired THEN '报价 ' || r.quote_code || ' 已过期 ' || (-r.days_left) || ' 天，请尽快处理。'
                    ELSE '报价 ' || r.quote_code || ' 将在 ' || to_char(r.valid_until, 'YYYY-MM-DD') || ' 过期，请及时处理。' END,
               '/sales/quotes/' || r.id,
               CASE WHEN r.expired THEN 'HIGH' WHEN r.days_left <= 1 THEN 'URGENT' WHEN r.days_left <= 3 THEN 'HIGH'
                    ELSE 'NORMAL' END,
               CASE WHEN r.expired
                    THEN jsonb_build_object('quote_code', r.quote_code, 'valid_until', to_char(r.valid_until, 'YYYY-MM-DD'),
                                            'expired_days', (-r.days_left))
                    ELSE jsonb_build_object('quote_code', r.quote_code, 'valid_until', to_char(r.valid_until, 'YYYY-MM-DD'),
                                            'days_left', r.days_left) END,
               t.type || '|quote|' || r.id || '|' || r.user_id || '|' || to_char($1::date, 'YYYY-MM-DD'),
               row_number() OVER (ORDER BY r.expired DESC, r.valid_until, r.id)
          FROM routed r
          CROSS JOIN LATERAL (SELECT CASE WHEN r.expired THEN 'QUOTE_EXPIRED' ELSE 'QUOTE_EXPIRING' END AS type) t
        """
}
