import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 设备保养提醒, daily 08:30. Notification-only (no alert): reminds about active, non-DISABLED equipment
/// whose `next_maintenance_date` is 7, 3, 1 or 0 days away, and every day while it is overdue (URGENT).
/// Recipients: the workshop manager (if active) plus the active holders of role PMC; when both are empty,
/// the active superusers. One `notifications` row per equipment, recipient, maintenance date and bucket
/// (`dedupe_key`, DATA-MODEL §4.3), published on `<prefix>/inbox/<user_id>` by the NotificationWriter in the
/// run's transaction, so a re-run or a later run of the same bucket writes nothing.
public struct CheckEquipmentMaintenanceReminder: Job {
    public let id = "check_equipment_maintenance_reminder"
    public var roleCodes = ["PMC"]

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let db = context.connection
        try await db.executeScript(Self.createTables)
        try await db.execute(Self.fillScope, [context.today.description])
        try await db.execute(Self.fillRecipients, [roleCodes])
        guard let stats = try await db.query(Self.stats).first else {
            throw JobFailure("equipment reminder statistics returned no row")
        }
        let outcome = try await NotificationWriter().apply(candidatesSQL: Self.candidates, in: context)
        return RunResult(
            checked: try stats.decode(Int.self, "checked"), created: outcome.created,
            notified: outcome.notified, skipped: outcome.duplicates,
            unrouted: try stats.decode(Int.self, "unrouted"),
            details: [
                "due": .number(Double(try stats.decode(Int.self, "due"))),
                "reminder_count": .number(Double(outcome.created)),
                "published": .number(Double(outcome.created)),
            ])
    }

    /// `maintenance_scope`: the original's window widened to overdue equipment (all checked); `bucket` is NULL
    /// on days that remind nobody. `maintenance_recipients`: who hears about each due equipment.
    static let createTables = """
        DROP TABLE IF EXISTS pg_temp.maintenance_scope;
        CREATE TEMP TABLE maintenance_scope (
            id bigint PRIMARY KEY, equipment_code text, equipment_name text, workshop_id bigint,
            last_maintenance_date date, next_maintenance_date date, days integer, bucket text
        ) ON COMMIT DROP;
        DROP TABLE IF EXISTS pg_temp.maintenance_recipients;
        CREATE TEMP TABLE maintenance_recipients (
            equipment_id bigint, user_id bigint, PRIMARY KEY (equipment_id, user_id)
        ) ON COMMIT DROP
        """

    /// $1 business day D. Uses idx_equipment_next_maintenance.
    static let fillScope = """
        INSERT INTO maintenance_scope
        SELECT e.id, e.equipment_code, e.equipment_name, e.workshop_id, e.last_maintenance_date,
               e.next_maintenance_date, e.next_maintenance_date - $1::date,
               CASE WHEN e.next_maintenance_date < $1::date THEN 'OVERDUE-' || to_char($1::date, 'YYYY-MM-DD')
                    WHEN e.next_maintenance_date - $1::date IN (7, 3, 1, 0)
                    THEN (e.next_maintenance_date - $1::date)::text END
          FROM equipment e
         WHERE e.is_active AND e.status <> 'DISABLED' AND e.next_maintenance_date <= $1::date + 7
        """

    /// $1 role codes. The workshop manager and the role holders; superusers only where both are empty.
    static let fillRecipients = """
        WITH holders AS (
            SELECT DISTINCT ur.user_id
              FROM user_roles ur
              JOIN roles ro ON ro.id = ur.role_id AND ro.is_active
              JOIN users u ON u.id = ur.user_id AND u.is_active
             WHERE ro.role_code = ANY($1::text[])
        ), primary_recipients AS (
            SELECT s.id AS equipment_id, u.id AS user_id
              FROM maintenance_scope s
              JOIN workshop ws ON ws.id = s.workshop_id
              JOIN users u ON u.id = ws.manager_id AND u.is_active
             WHERE s.bucket IS NOT NULL
            UNION
            SELECT s.id, h.user_id FROM maintenance_scope s CROSS JOIN holders h WHERE s.bucket IS NOT NULL
        )
        INSERT INTO maintenance_recipients
        SELECT equipment_id, user_id FROM primary_recipients
        UNION
        SELECT s.id, u.id
          FROM maintenance_scope s JOIN users u ON u.is_active AND u.is_superuser
         WHERE s.bucket IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM primary_recipients p WHERE p.equipment_id = s.id)
        """

    static let stats = """
        SELECT count(*)::int AS checked,
               count(*) FILTER (WHERE s.bucket IS NOT NULL)::int AS due,
               count(*) FILTER (WHERE s.bucket IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM maintenance_recipients r WHERE r.equipment_id = s.id))::int AS unrouted
          FROM maintenance_scope s
        """

    /// NotificationWriter columns; rows in equipment, then user order.
    static let candidates = """
        SELECT r.user_id, 'EQUIPMENT_MAINTENANCE_REMINDER', 'equipment', s.id,
               '设备保养提醒：' || s.equipment_name,
               CASE WHEN s.days < 0
                    THEN '设备 ' || s.equipment_code || '（' || s.equipment_name || '）保养已逾期 ' || abs(s.days)
                         || ' 天，保养日期：' || to_char(s.next_maintenance_date, 'YYYY-MM-DD') || '，请尽快安排。'
                    WHEN s.days = 0
                    THEN '设备 ' || s.equipment_code || '（' || s.equipment_name || '）今天需要进行保养，保养日期：'
                         || to_char(s.next_maintenance_date, 'YYYY-MM-DD') || '，请提前安排。'
                    ELSE '设备 ' || s.equipment_code || '（' || s.equipment_name || '）将在 ' || s.days
                         || ' 天后进行保养，保养日期：' || to_char(s.next_maintenance_date, 'YYYY-MM-DD')
                         || '，请提前安排。' END,
               '/production/equipment/' || s.id,
               CASE WHEN s.days <= 1 THEN 'URGENT' WHEN s.days <= 3 THEN 'HIGH' ELSE 'NORMAL' END,
               jsonb_build_object('equipment_code', s.equipment_code, 'equipment_name', s.equipment_name,
                   'next_maintenance_date', to_char(s.next_maintenance_date, 'YYYY-MM-DD'),
                   'days_until_maintenance', s.days,
                   'last_maintenance_date', to_char(s.last_maintenance_date, 'YYYY-MM-DD')),
               'EQUIPMENT_MAINTENANCE_REMINDER|equipment|' || s.id || '|' || r.user_id || '|'
                   || to_char(s.next_maintenance_date, 'YYYY-MM-DD') || '|' || s.bucket,
               row_number() OVER (ORDER BY s.id, r.user_id)
          FROM maintenance_recipients r JOIN maintenance_scope s ON s.id = r.equipment_id
        """
}
