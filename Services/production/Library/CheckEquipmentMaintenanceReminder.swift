import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 设备保养提醒, daily 08:30. Notification-only (no alert): reminds about active, non-DISABLED equipment
/// whose `next_maintenance_date` is 7, 3, 1 or 0 days away, and every day while it is overdue (URGENT).
/// Recipients: the workshop manager (if active) plus the active holders of role PMC; when both are empty,
/// the active superusers. One `notifications` row per equipment, recipient, maintenance date and bucket
/// (`dedupe_key`, DATA-MODEL §4.3), each published on `<prefix>/inbox/<user_id>` through the outbox in the
/// run's transaction, so a re-run or a later run of the same bucket writes nothing.
public struct CheckEquipmentMaintenanceReminder: Job {
    public let id = "check_equipment_maintenance_reminder"
    public var roleCodes = ["PMC"]

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let parameters: [any PostgresBindable] = [
            context.today.description, context.now, roleCodes, context.topics.prefix, context.domain.rawValue,
        ]
        guard let row = try await context.connection.query(Self.sql, parameters).first else {
            throw JobFailure("equipment reminder statement returned no row")
        }
        let routed = try row.decode(Int.self, "routed")
        let created = try row.decode(Int.self, "created")
        let unrouted = try row.decode(Int.self, "unrouted")
        if unrouted > 0 {
            // DECISIONS: nobody is a silent fallback; equipment without any recipient is logged and counted.
            context.logger.warning("equipment maintenance reminder without recipient",
                                   metadata: ["event": "unrouted", "count": "\(unrouted)"])
        }
        return RunResult(
            checked: try row.decode(Int.self, "checked"), created: created,
            notified: try row.decode(Int.self, "notified"), skipped: routed - created,
            unrouted: unrouted,
            details: [
                "due": .number(Double(try row.decode(Int.self, "due"))),
                "reminder_count": .number(Double(created)),
                "published": .number(Double(try row.decode(Int.self, "published"))),
            ])
    }

    /// $1 business day D, $2 run's now, $3 role codes, $4 topic prefix, $5 producer (the domain).
    /// `scope` is the original's window widened to overdue equipment (checked); `due` keeps the reminder days.
    static let sql = """
        WITH scope AS (
            SELECT e.id, e.equipment_code, e.equipment_name, e.workshop_id, e.last_maintenance_date,
                   e.next_maintenance_date, e.next_maintenance_date - $1::date AS days
              FROM equipment e
             WHERE e.is_active AND e.status <> 'DISABLED' AND e.next_maintenance_date <= $1::date + 7
        ), due AS (
            SELECT s.*, CASE WHEN s.days < 0 THEN 'OVERDUE-' || to_char($1::date, 'YYYY-MM-DD')
                             ELSE s.days::text END AS bucket
              FROM scope s
             WHERE s.days < 0 OR s.days IN (7, 3, 1, 0)
        ), holders AS (
            SELECT DISTINCT ur.user_id
              FROM user_roles ur
              JOIN roles ro ON ro.id = ur.role_id AND ro.is_active
              JOIN users u ON u.id = ur.user_id AND u.is_active
             WHERE ro.role_code = ANY($3::text[])
        ), primary_recipients AS (
            SELECT d.id AS equipment_id, u.id AS user_id
              FROM due d
              JOIN workshop ws ON ws.id = d.workshop_id
              JOIN users u ON u.id = ws.manager_id AND u.is_active
            UNION
            SELECT d.id, h.user_id FROM due d CROSS JOIN holders h
        ), routed AS (
            SELECT equipment_id, user_id FROM primary_recipients
            UNION
            SELECT d.id, u.id
              FROM due d JOIN users u ON u.is_active AND u.is_superuser
             WHERE NOT EXISTS (SELECT 1 FROM primary_recipients p WHERE p.equipment_id = d.id)
        ), inserted AS (
            INSERT INTO notifications (user_id, notification_type, source_type, source_id, title, content, link_url,
                priority, extra_data, is_read, dedupe_key, created_at)
            SELECT r.user_id, 'EQUIPMENT_MAINTENANCE_REMINDER', 'equipment', d.id,
                   left('设备保养提醒：' || d.equipment_name, 200),
                   CASE WHEN d.days < 0
                        THEN '设备 ' || d.equipment_code || '（' || d.equipment_name || '）保养已逾期 ' || abs(d.days)
                             || ' 天，保养日期：' || to_char(d.next_maintenance_date, 'YYYY-MM-DD') || '，请尽快安排。'
                        WHEN d.days = 0
                        THEN '设备 ' || d.equipment_code || '（' || d.equipment_name || '）今天需要进行保养，保养日期：'
                             || to_char(d.next_maintenance_date, 'YYYY-MM-DD') || '，请提前安排。'
                        ELSE '设备 ' || d.equipment_code || '（' || d.equipment_name || '）将在 ' || d.days
                             || ' 天后进行保养，保养日期：' || to_char(d.next_maintenance_date, 'YYYY-MM-DD')
                             || '，请提前安排。' END,
                   '/production/equipment/' || d.id,
                   CASE WHEN d.days <= 1 THEN 'URGENT' WHEN d.days <= 3 THEN 'HIGH' ELSE 'NORMAL' END,
                   jsonb_build_object('equipment_code', d.equipment_code, 'equipment_name', d.equipment_name,
                       'next_maintenance_date', to_char(d.next_maintenance_date, 'YYYY-MM-DD'),
                       'days_until_maintenance', d.days,
                       'last_maintenance_date', to_char(d.last_maintenance_date, 'YYYY-MM-DD')),
                   false,
                   'EQUIPMENT_MAINTENANCE_REMINDER|equipment|' || d.id || '|' || r.user_id || '|'
                       || to_char(d.next_maintenance_date, 'YYYY-MM-DD') || '|' || d.bucket,
                   $2
              FROM routed r JOIN due d ON d.id = r.equipment_id
             ORDER BY d.id, r.user_id
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING *
        ), published AS (
            INSERT INTO outbox (producer, topic, payload, qos)
            SELECT $5, $4 || '/inbox/' || i.user_id,
                   jsonb_build_object('notification_id', i.id, 'user_id', i.user_id,
                       'notification_type', i.notification_type, 'title', i.title, 'content', i.content,
                       'link_url', i.link_url, 'priority', i.priority, 'source_type', i.source_type,
                       'source_id', i.source_id,
                       'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), 1
              FROM inserted i ORDER BY i.id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM scope)::int AS checked,
               (SELECT count(*) FROM due)::int AS due,
               (SELECT count(*) FROM routed)::int AS routed,
               (SELECT count(*) FROM inserted)::int AS created,
               (SELECT count(DISTINCT user_id) FROM inserted)::int AS notified,
               (SELECT count(*) FROM due d WHERE NOT EXISTS (SELECT 1 FROM routed r WHERE r.equipment_id = d.id))::int
                   AS unrouted,
               (SELECT count(*) FROM published)::int AS published
        """
}
