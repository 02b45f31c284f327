import Foundation
import PMSPostgres

/// Why a delivery row exists (`alert_notifications.event`).
public enum DeliveryEvent: String, Sendable {
    case raised = "RAISED", escalated = "ESCALATED"
}

/// Turns alerts into their delivery rows (`alert_notifications`, PENDING), set-based for many alerts at once.
/// Recipients: the alert's stored recipients (up to its escalation step), its project's PM, its handler, the rule's
/// `notify_users` and the users of matching `alert_subscriptions`; only active users, on the channels the
/// rule or their subscription names and their settings allow, with a target for the channel. SMS is for
/// URGENT alerts only. Quiet hours (user's, or the subscription's when only a subscription asks) and
/// silences set `next_retry_at` instead of dropping anything; URGENT alerts and escalations ignore quiet
/// hours. Writing the same rows again does nothing (`uq_alert_notifications_delivery`).
public struct AlertRouter: Sendable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    public struct Outcome: Sendable, Equatable {
        /// New delivery rows.
        public var created: Int
        /// Alerts that resolved to nobody (logged and counted; user 1 is never a silent fallback).
        public var unrouted: [Int64]
    }

    /// Routes `event` for each alert: RAISED at step 0, ESCALATED at the alert's current escalation count
    /// (alerts never escalated are skipped for ESCALATED).
    public func route(alertIDs: [Int64], event: DeliveryEvent, now: Date, on db: PostgresConnection) async throws -> Outcome {
        guard !alertIDs.isEmpty else { return Outcome(created: 0, unrouted: []) }
        let rows = try await db.query(Self.routeSQL, [alertIDs, event.rawValue, now, timeZone.identifier])
        let created = try rows.first?.decode(Int.self, "created") ?? 0
        let unrouted = (rows.first?["unrouted"] ?? "").split(separator: ",").compactMap { Int64($0) }
        return Outcome(created: created, unrouted: unrouted)
    }

    static let rank = "ARRAY['INFO','WARNING','CRITICAL','URGENT']::text[]"

    /// $1 alert ids, $2 event, $3 now, $4 zone.
    static let routeSQL = """
        WITH alert AS (
            SELECT a.id, a.alert_title, a.alert_content, a.alert_level, a.project_id, a.handler_id, a.target_type,
                   a.target_id, CASE WHEN $2 = 'RAISED' THEN 0 ELSE a.escalation_count END AS step,
                   r.rule_code, r.rule_type, r.notify_users,
                   CASE WHEN r.notify_channels IS NULL OR jsonb_array_length(r.notify_channels) = 0
                        THEN '["SYSTEM"]'::jsonb ELSE r.notify_channels END AS rule_channels,
                   array_position(\(rank), a.alert_level) AS level_rank
              FROM alert_records a JOIN alert_rules r ON r.id = a.rule_id
             WHERE a.id = ANY($1::bigint[]) AND ($2 = 'RAISED' OR a.escalation_count > 0)
        ), sources AS (
            SELECT al.id AS alert_id, ar.user_id, al.rule_channels AS channels, NULL::timestamptz AS quiet_until
              FROM alert al JOIN alert_recipients ar ON ar.alert_id = al.id AND ar.escalation_step <= al.step
            UNION ALL
            SELECT al.id, p.pm_id, al.rule_channels, NULL FROM alert al JOIN projects p ON p.id = al.project_id
             WHERE p.pm_id IS NOT NULL
            UNION ALL
            SELECT al.id, al.handler_id, al.rule_channels, NULL FROM alert al WHERE al.handler_id IS NOT NULL
            UNION ALL
            SELECT al.id, u.value::bigint, al.rule_channels, NULL
              FROM alert al, jsonb_array_elements_text(coalesce(al.notify_users, '[]'::jsonb)) u
             WHERE u.value ~ '^[0-9]{1,18}$'
            UNION ALL
            SELECT al.id, s.user_id, s.notify_channels, pms_quiet_until(s.quiet_start, s.quiet_end, $3, $4)
              FROM alert al JOIN alert_subscriptions s
                ON s.is_active
               AND (s.alert_type IS NULL OR s.alert_type = al.rule_type)
               AND (s.project_id IS NULL OR s.project_id = al.project_id)
               AND al.level_rank >= array_position(\(rank), s.min_level)
        ), wanted AS (
            -- A subscription's quiet window defers only when every source of this (user, channel) is quiet.
            SELECT so.alert_id, so.user_id, upper(ch.value) AS channel,
                   CASE WHEN bool_and(so.quiet_until IS NOT NULL) THEN min(so.quiet_until) END AS subscription_quiet_until
              FROM sources so, jsonb_array_elements_text(so.channels) ch
             GROUP BY 1, 2, 3
        ), deliverable AS (
            SELECT w.alert_id, w.user_id, w.channel, al.step, al.alert_title, al.alert_content,
                   CASE w.channel WHEN 'SYSTEM' THEN u.id::text
                                  WHEN 'EMAIL' THEN nullif(u.email, '')
                                  WHEN 'WECHAT' THEN coalesce(nullif(u.username, ''), nullif(u.phone, ''))
                                  WHEN 'DINGTALK' THEN coalesce(nullif(u.phone, ''), nullif(u.username, ''))
                                  WHEN 'SMS' THEN nullif(u.phone, '') END AS target,
                   CASE WHEN al.alert_level <> 'URGENT' AND $2 = 'RAISED'
                        THEN greatest(pms_quiet_until(ns.quiet_hours_start, ns.quiet_hours_end, $3, $4),
                                      w.subscription_quiet_until) END AS quiet_until,
                   sil.ends_at AS silenced_until
              FROM wanted w
              JOIN alert al ON al.id = w.alert_id
              JOIN users u ON u.id = w.user_id AND u.is_active
              LEFT JOIN notification_settings ns ON ns.user_id = u.id
              LEFT JOIN LATERAL (
                  SELECT max(s.ends_at) AS ends_at FROM alert_silences s
                   WHERE s.starts_at <= $3 AND s.ends_at > $3
                     AND (s.rule_code IS NULL OR s.rule_code = al.rule_code)
                     AND (s.target_type IS NULL OR (s.target_type = al.target_type AND s.target_id = al.target_id))
              ) sil ON true
             WHERE coalesce(ns.alert_notifications, true)
               AND CASE w.channel WHEN 'SYSTEM' THEN coalesce(ns.system_enabled, true)
                                  WHEN 'EMAIL' THEN coalesce(ns.email_enabled, true)
                                  WHEN 'WECHAT' THEN coalesce(ns.wechat_enabled, true)
                                  WHEN 'DINGTALK' THEN coalesce(ns.dingtalk_enabled, true)
                                  WHEN 'SMS' THEN coalesce(ns.sms_enabled, true) AND al.alert_level = 'URGENT'
                                  ELSE false END
        ), inserted AS (
            INSERT INTO alert_notifications (alert_id, notify_channel, notify_target, notify_user_id, notify_title,
                notify_content, event, escalation_step, status, next_retry_at, error_message, created_at, updated_at)
            SELECT DISTINCT ON (d.alert_id, d.channel, d.target)
                   d.alert_id, d.channel, d.target, d.user_id, left(d.alert_title, 200), d.alert_content, $2, d.step,
                   'PENDING', greatest(d.quiet_until, d.silenced_until),
                   CASE WHEN d.silenced_until IS NOT NULL AND d.silenced_until >= coalesce(d.quiet_until, d.silenced_until)
                        THEN 'Silenced until ' || to_char(d.silenced_until AT TIME ZONE $4, 'YYYY-MM-DD HH24:MI')
                        WHEN d.quiet_until IS NOT NULL THEN 'Delayed due to quiet hours' END,
                   $3, $3
              FROM deliverable d
             WHERE d.target IS NOT NULL
             ORDER BY d.alert_id, d.channel, d.target, d.user_id
            ON CONFLICT (alert_id, notify_channel, notify_target, event, escalation_step) DO NOTHING
            RETURNING alert_id
        )
        SELECT (SELECT count(*) FROM inserted)::int AS created,
               (SELECT string_agg(al.id::text, ',' ORDER BY al.id) FROM alert al
                 WHERE NOT EXISTS (SELECT 1 FROM deliverable d WHERE d.alert_id = al.id AND d.target IS NOT NULL)) AS unrouted
        """
}
