import Foundation
import Logging
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSRuntime

/// Turns alert events into in-app notifications: one `alert_notifications` SYSTEM row and one
/// `notifications` row per recipient, each published on `pms/v1/inbox/<user_id>` through the outbox.
/// Recipients: the alert's stored recipients, its handler and the rule's `notify_users`; only active
/// users whose settings allow in-app alert notifications. The same event twice writes nothing new.
public struct AlertEventConsumer: MessageConsumer {
    public let runtime: ServiceRuntime

    public init(runtime: ServiceRuntime) { self.runtime = runtime }

    public var subscriptions: [String] {
        ["$share/notifications/" + runtime.configuration.topics.allAlerts]
    }

    public func accepts(_ topic: ParsedTopic) -> Bool {
        if case .alert = topic { return true }
        return false
    }

    public func handle(_ message: MQTTMessage, topic: ParsedTopic) async {
        let alert: AlertMessage
        do {
            alert = try BusCoding.decode(AlertMessage.self, from: message.payload)
        } catch {
            await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: "malformed alert event: \(error)")
            return
        }
        var logger = runtime.logger
        logger[metadataKey: "alert_no"] = .string(alert.alertNo)
        do {
            let outcome = try await runtime.pool.transaction { connection in
                try await self.deliver(alert, on: connection)
            }
            switch outcome {
            case .unknownAlert:
                await runtime.errors.reject(topic: message.topic, payload: message.payload,
                                            reason: "alert \(alert.alertID) does not exist")
            case .levelRaisedByJob:
                logger.info("level raised by its job; recipients were notified when it was raised",
                            metadata: ["event": "level_raised", "level": "\(alert.level.rawValue)"])
            case .delivered(let recipients, let written):
                if recipients == 0 {
                    logger.warning("alert has no recipient", metadata: ["event": "unrouted"])
                } else {
                    logger.info("alert delivered in-app", metadata: [
                        "event": "delivered", "recipients": "\(recipients)", "new_notifications": "\(written)"])
                }
            }
        } catch {
            logger.error("alert delivery failed", metadata: ["event": "delivery_failed", "error": "\(error)"])
        }
    }

    enum Outcome: Sendable { case unknownAlert, levelRaisedByJob, delivered(recipients: Int, written: Int) }

    func deliver(_ alert: AlertMessage, on connection: PostgresConnection) async throws -> Outcome {
        let rows = try await connection.query("SELECT escalation_count FROM alert_records WHERE id = $1", [alert.alertID])
        guard let step = try rows.first?.decode(Int.self, "escalation_count") else { return .unknownAlert }
        if alert.event == .escalated && step == 0 { return .levelRaisedByJob }
        let event = alert.event == .raised ? "RAISED" : "ESCALATED"
        let deliveryStep = alert.event == .raised ? 0 : step
        let result = try await connection.query(
            Self.deliverSQL, [alert.alertID, event, deliveryStep, Date(), runtime.configuration.topics.prefix])
        let recipients = try result.first?.decode(Int.self, "recipients") ?? 0
        let written = try result.first?.decode(Int.self, "written") ?? 0
        return .delivered(recipients: recipients, written: written)
    }

    /// $1 alert id, $2 event (RAISED/ESCALATED), $3 escalation step, $4 now, $5 topic prefix.
    static let deliverSQL = """
        WITH alert AS (
            SELECT a.*, r.notify_users FROM alert_records a JOIN alert_rules r ON r.id = a.rule_id WHERE a.id = $1
        ), candidates AS (
            SELECT ar.user_id FROM alert_recipients ar, alert a WHERE ar.alert_id = a.id AND ar.escalation_step <= $3
            UNION SELECT handler_id FROM alert WHERE handler_id IS NOT NULL
            UNION SELECT (u.value)::bigint FROM alert a, jsonb_array_elements_text(coalesce(a.notify_users, '[]'::jsonb)) u
        ), recipients AS (
            SELECT u.id FROM candidates c JOIN users u ON u.id = c.user_id AND u.is_active
              LEFT JOIN notification_settings ns ON ns.user_id = u.id
             WHERE coalesce(ns.system_enabled, true) AND coalesce(ns.alert_notifications, true)
        ), deliveries AS (
            INSERT INTO alert_notifications (alert_id, notify_channel, notify_target, notify_user_id, notify_title,
                notify_content, event, escalation_step, status, sent_at, created_at, updated_at)
            SELECT a.id, 'SYSTEM', r.id::text, r.id, a.alert_title, a.alert_content, $2, $3, 'SENT', $4, $4, $4
              FROM recipients r, alert a
            ON CONFLICT (alert_id, notify_channel, notify_target, event, escalation_step) DO NOTHING
            RETURNING notify_user_id
        ), inbox AS (
            INSERT INTO notifications (user_id, notification_type, source_type, source_id, title, content, link_url,
                priority, extra_data, dedupe_key, created_at)
            SELECT d.notify_user_id, 'ALERT_NOTIFICATION', 'alert', a.id, left(a.alert_title, 200), a.alert_content,
                   '/alerts/' || a.id, a.alert_level,
                   jsonb_build_object('alert_no', a.alert_no, 'alert_level', a.alert_level,
                                      'target_type', a.target_type, 'target_name', a.target_name),
                   'ALERT_NOTIFICATION|alert|' || a.id || '|' || d.notify_user_id || '|' || $3, $4
              FROM deliveries d, alert a
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING *
        ), published AS (
            INSERT INTO outbox (producer, topic, payload, qos)
            SELECT 'notifications', $5 || '/inbox/' || n.user_id,
                   jsonb_build_object('notification_id', n.id, 'user_id', n.user_id,
                       'notification_type', n.notification_type, 'title', n.title, 'content', n.content,
                       'link_url', n.link_url, 'priority', n.priority, 'source_type', n.source_type,
                       'source_id', n.source_id,
                       'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), 1
              FROM inbox n ORDER BY n.id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM recipients)::int AS recipients, (SELECT count(*) FROM published)::int AS written
        """
}
