import Foundation
import PMSPostgres

/// Per-hour and per-day SMS limits, counted from the SENT rows in the database so that every replica and
/// every run shares them (the original counted in memory per call, which never limited anything).
public struct SMSLimits: Sendable, Equatable {
    public var perHour: Int
    public var perDay: Int

    public init(perHour: Int = 20, perDay: Int = 100) { self.perHour = perHour; self.perDay = perDay }

    /// nil when one more SMS may go now; otherwise when it may, and why not now. Call inside the sending
    /// transaction: the advisory lock serialises SMS senders until it commits.
    func blockedUntil(now: Date, on db: PostgresConnection) async throws -> (until: Date, reason: String)? {
        try await db.query("SELECT pg_advisory_xact_lock(hashtext('pms-notifications:sms-limits'))")
        let row = try await db.query(
            """
            SELECT count(*) FILTER (WHERE sent_at > $1::timestamptz - interval '1 hour')::int AS last_hour,
                   count(*)::int AS last_day,
                   min(sent_at) FILTER (WHERE sent_at > $1::timestamptz - interval '1 hour') + interval '1 hour' AS hour_frees,
                   min(sent_at) + interval '1 day' AS day_frees
              FROM alert_notifications
             WHERE notify_channel = 'SMS' AND status = 'SENT' AND sent_at > $1::timestamptz - interval '1 day'
               AND sent_at <= $1
            """, [now]).first
        guard let row else { return nil }
        if try row.decode(Int.self, "last_day") >= perDay, let frees = try row.decode(Date?.self, "day_frees") {
            return (frees, "SMS daily limit (\(perDay)) reached")
        }
        if try row.decode(Int.self, "last_hour") >= perHour, let frees = try row.decode(Date?.self, "hour_frees") {
            return (frees, "SMS hourly limit (\(perHour)) reached")
        }
        return nil
    }
}
