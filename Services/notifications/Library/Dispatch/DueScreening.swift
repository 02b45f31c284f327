import Foundation
import PMSPostgres

/// Settles the due rows that must not be sent now, before any send: closed alert → ABANDONED
/// `Alert closed`; missing or inactive user → ABANDONED `Alert or user not found`; silenced → deferred to
/// the silence's end; quiet hours → deferred to the window's end (status kept, no attempt counted).
/// Legacy QUEUED rows older than 15 minutes become PENDING first.
struct DueScreening: Sendable {
    struct Counts: Sendable, Equatable {
        var abandoned = 0
        var deferred = 0
    }

    func run(scope: DispatchScope, now: Date, zone: TimeZone, on db: PostgresConnection) async throws -> Counts {
        try await db.execute(
            """
            UPDATE alert_notifications SET status = 'PENDING', updated_at = $1
             WHERE status = 'QUEUED' AND updated_at <= $1::timestamptz - interval '15 minutes'
            """, [now])
        let rows = try await db.query(Self.sql, [now, zone.identifier, scope.includesPending, scope.alertIDs])
        var counts = Counts()
        for row in rows {
            let n = try row.decode(Int.self, "n")
            switch row["verdict"] {
            case "closed", "gone": counts.abandoned += n
            default: counts.deferred += n
            }
        }
        return counts
    }

    static let sql = """
        WITH verdict AS (
            SELECT n.id,
                   CASE WHEN a.status IN \(DispatchSQL.closedStatuses) THEN 'closed'
                        WHEN u.id IS NULL OR NOT u.is_active THEN 'gone'
                        WHEN \(DispatchSQL.silencedUntil) IS NOT NULL THEN 'silenced'
                        WHEN \(DispatchSQL.quietUntil) IS NOT NULL THEN 'quiet' END AS verdict,
                   \(DispatchSQL.silencedUntil) AS silenced_until,
                   \(DispatchSQL.quietUntil) AS quiet_until
              FROM alert_notifications n
              \(DispatchSQL.joins)
             WHERE \(DispatchSQL.due)
             FOR UPDATE OF n SKIP LOCKED
        ), settled AS (
            UPDATE alert_notifications n
               SET status = CASE WHEN v.verdict IN ('closed', 'gone') THEN 'ABANDONED' ELSE n.status END,
                   error_message = CASE v.verdict WHEN 'closed' THEN 'Alert closed'
                                                  WHEN 'gone' THEN 'Alert or user not found'
                                                  WHEN 'silenced' THEN 'Silenced until '
                                                       || to_char(v.silenced_until AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI')
                                                  ELSE 'Delayed due to quiet hours' END,
                   next_retry_at = CASE WHEN v.verdict IN ('closed', 'gone') THEN NULL
                                        ELSE greatest(v.silenced_until, v.quiet_until) END,
                   updated_at = $1
              FROM verdict v
             WHERE n.id = v.id AND v.verdict IS NOT NULL
            RETURNING v.verdict
        )
        SELECT verdict, count(*)::int AS n FROM settled GROUP BY verdict
        """
}
