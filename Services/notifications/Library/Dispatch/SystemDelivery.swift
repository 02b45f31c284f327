import Foundation
import PMSPostgres

/// Delivers due SYSTEM rows set-based: marks them SENT and writes the in-app `notifications` rows (one per
/// user, alert and escalation step; the RAISED row of a milestone alert shares the per-day milestone key
/// with `sales_reminder_scan`), each published on `<prefix>/inbox/<user_id>` through the outbox, all in the
/// caller's transaction.
struct SystemDelivery: Sendable {
    let topicPrefix: String

    struct Counts: Sendable, Equatable {
        var sent = 0
        var inbox = 0
    }

    /// One batch of at most `limit` rows; call again while it returns `limit` sent rows.
    func deliverBatch(scope: DispatchScope, now: Date, zone: TimeZone, limit: Int,
                      on db: PostgresConnection) async throws -> Counts {
        let rows = try await db.query(Self.sql, [now, zone.identifier, scope.includesPending, scope.alertIDs, topicPrefix, limit])
        return Counts(sent: try rows.first?.decode(Int.self, "sent") ?? 0, inbox: try rows.first?.decode(Int.self, "inbox") ?? 0)
    }

    /// $1..$4 as DispatchSQL, $5 topic prefix, $6 batch size.
    static let sql = """
        WITH due AS (
            SELECT n.id FROM alert_notifications n
              \(DispatchSQL.joins)
             WHERE n.notify_channel = 'SYSTEM' AND \(DispatchSQL.due) AND \(DispatchSQL.sendable)
             ORDER BY n.id LIMIT $6
             FOR UPDATE OF n SKIP LOCKED
        ), sent AS (
            UPDATE alert_notifications n
               SET status = 'SENT', sent_at = $1, error_message = NULL, next_retry_at = NULL, updated_at = $1
              FROM due WHERE n.id = due.id
            RETURNING n.alert_id, n.notify_user_id, n.notify_title, n.notify_content, n.event, n.escalation_step
        ), inbox AS (
            INSERT INTO notifications (user_id, notification_type, source_type, source_id, title, content, link_url,
                priority, extra_data, dedupe_key, created_at)
            SELECT s.notify_user_id, 'ALERT_NOTIFICATION', 'alert', a.id, left(coalesce(s.notify_title, a.alert_title), 200),
                   coalesce(s.notify_content, a.alert_content), '/alerts/' || a.id, a.alert_level,
                   jsonb_build_object('alert_no', a.alert_no, 'alert_level', a.alert_level,
                                      'target_type', a.target_type, 'target_name', a.target_name),
                   CASE WHEN s.event = 'RAISED' AND r.rule_code IN ('MILESTONE_WARNING', 'MILESTONE_OVERDUE')
                        THEN 'MILESTONE|' || a.target_id || '|' || s.notify_user_id || '|'
                             || to_char(($1::timestamptz AT TIME ZONE $2)::date, 'YYYY-MM-DD')
                        ELSE 'ALERT_NOTIFICATION|alert|' || a.id || '|' || s.notify_user_id || '|' || s.escalation_step END,
                   $1
              FROM sent s JOIN alert_records a ON a.id = s.alert_id JOIN alert_rules r ON r.id = a.rule_id
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING *
        ), published AS (
            INSERT INTO outbox (producer, topic, payload, qos)
            SELECT 'notifications', $5 || '/inbox/' || i.user_id,
                   jsonb_build_object('notification_id', i.id, 'user_id', i.user_id,
                       'notification_type', i.notification_type, 'title', i.title, 'content', i.content,
                       'link_url', i.link_url, 'priority', i.priority, 'source_type', i.source_type,
                       'source_id', i.source_id,
                       'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), 1
              FROM inbox i ORDER BY i.id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM sent)::int AS sent, (SELECT count(*) FROM published)::int AS inbox
        """
}
