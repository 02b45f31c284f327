import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// check_alert_escalation (预警升级服务), the ladder of DECISIONS "Escalation": an open alert nobody responded to
/// within its level's limit (INFO 24 h, WARNING 8 h, CRITICAL 4 h, URGENT 1 h, counted from its last step or
/// its trigger) moves one level up; once URGENT, one limit later it goes to the PM's department manager, one
/// more limit later to every holder of role GM (straight to GM when there is no manager). An ACKNOWLEDGED
/// alert climbs on the resolution limit (twice the response limit) counted from its acknowledgement. Each
/// step: `[已升级] ` title, an 【自动升级】 paragraph, an `escalated` event, ESCALATED delivery rows for every
/// recipient up to that step (quiet hours ignored), the in-app ones delivered in this run's transaction and
/// the others sent after commit by the live pipeline.
public struct CheckAlertEscalationJob: Job {
    public let id = "check_alert_escalation"
    public let router: AlertRouter

    public init(router: AlertRouter) { self.router = router }

    public func run(in context: JobContext) async throws -> RunResult {
        let db = context.connection
        let open = try await db.query(
            "SELECT count(*)::int AS n FROM alert_records WHERE status IN ('PENDING','ACKNOWLEDGED') AND escalation_stage <> 'GM'")
        let steps = try await db.query(Self.escalateSQL, [context.now, context.topics.prefix])
        let ids = try steps.map { try $0.decode(Int64.self, "id") }
        var byStage: [String: Int] = [:]
        for row in steps { byStage[row["stage"] ?? "?", default: 0] += 1 }

        let routed = try await router.route(alertIDs: ids, event: .escalated, now: context.now, on: db)
        var inApp = 0
        if !ids.isEmpty {
            let system = SystemDelivery(topicPrefix: context.topics.prefix)
            while true {
                let batch = try await system.deliverBatch(scope: .alerts(ids), now: context.now, zone: context.timeZone,
                                                          limit: 2000, on: db)
                inApp += batch.sent
                if batch.sent < 2000 { break }
            }
        }
        for alert in routed.unrouted {
            context.logger.warning("escalated alert has no recipient", metadata: ["event": "unrouted", "alert_id": "\(alert)"])
        }
        return RunResult(
            checked: try open.first?.decode(Int.self, "n") ?? 0, updated: ids.count, notified: inApp,
            unrouted: routed.unrouted.count,
            details: [
                "escalated_count": .number(Double(ids.count)), "notifications_created": .number(Double(routed.created)),
                "to_level": .number(Double(byStage["LEVEL"] ?? 0)),
                "to_dept_manager": .number(Double(byStage["DEPT_MANAGER"] ?? 0)), "to_gm": .number(Double(byStage["GM"] ?? 0)),
            ])
    }

    /// $1 now, $2 topic prefix. One statement: pick, step (guarded by the old escalation_count), add the
    /// hand-over recipients, enqueue the events.
    static let escalateSQL = """
        WITH limits (level, hours, next_level) AS (
            VALUES ('INFO', 24, 'WARNING'), ('WARNING', 8, 'CRITICAL'), ('CRITICAL', 4, 'URGENT'), ('URGENT', 1, NULL)
        ), due AS (
            SELECT a.id, a.alert_level, a.escalation_count, a.escalation_stage, l.next_level,
                   mgr.id AS manager_id, coalesce(mgr.real_name, mgr.username) AS manager_name,
                   round((extract(epoch FROM $1::timestamptz - coalesce(a.triggered_at, a.created_at)) / 3600)::numeric, 1) AS age
              FROM alert_records a
              JOIN limits l ON l.level = a.alert_level
              LEFT JOIN projects p ON p.id = a.project_id
              LEFT JOIN users pm ON pm.id = p.pm_id
              LEFT JOIN departments d ON d.id = pm.department_id
              LEFT JOIN users mgr ON mgr.id = d.manager_id AND mgr.is_active
             WHERE a.status IN ('PENDING', 'ACKNOWLEDGED') AND a.escalation_stage <> 'GM'
               AND CASE WHEN a.status = 'ACKNOWLEDGED'
                        THEN coalesce(greatest(a.acknowledged_at, a.escalated_at), a.triggered_at, a.created_at)
                             <= $1::timestamptz - make_interval(hours => 2 * l.hours)
                        ELSE coalesce(a.escalated_at, a.triggered_at, a.created_at)
                             <= $1::timestamptz - make_interval(hours => l.hours) END
             FOR UPDATE OF a
        ), plan AS (
            SELECT d.*,
                   CASE WHEN d.escalation_stage = 'LEVEL' AND d.next_level IS NOT NULL THEN 'LEVEL'
                        WHEN d.escalation_stage = 'LEVEL' AND d.manager_id IS NOT NULL THEN 'DEPT_MANAGER'
                        ELSE 'GM' END AS new_stage,
                   coalesce(CASE WHEN d.escalation_stage = 'LEVEL' THEN d.next_level END, d.alert_level) AS new_level
              FROM due d
        ), stepped AS (
            UPDATE alert_records a
               SET alert_level = p.new_level, escalation_stage = p.new_stage, escalation_count = a.escalation_count + 1,
                   is_escalated = true, escalated_at = $1,
                   escalated_to = CASE WHEN p.new_stage = 'DEPT_MANAGER' THEN p.manager_id ELSE a.escalated_to END,
                   alert_title = CASE WHEN a.alert_title LIKE '[已升级] %' THEN a.alert_title
                                      ELSE left('[已升级] ' || a.alert_title, 200) END,
                   alert_content = a.alert_content || E'\\n\\n【自动升级】\\n预警已超时 ' || p.age::text || ' 小时未处理，'
                       || CASE p.new_stage WHEN 'LEVEL' THEN '级别从 ' || p.alert_level || ' 自动提升至 ' || p.new_level
                                           WHEN 'DEPT_MANAGER' THEN '已升级至部门经理 ' || p.manager_name
                                           ELSE '已升级至总经理（GM）' END,
                   updated_at = $1
              FROM plan p
             WHERE a.id = p.id AND a.escalation_count = p.escalation_count
            RETURNING a.*, p.new_stage, p.manager_id
        ), handover AS (
            INSERT INTO alert_recipients (alert_id, user_id, reason, role_code, escalation_step, created_at)
            SELECT s.id, s.manager_id, 'ESCALATION', NULL, s.escalation_count, $1 FROM stepped s
             WHERE s.new_stage = 'DEPT_MANAGER'
            UNION ALL
            SELECT s.id, u.id, 'ESCALATION', 'GM', s.escalation_count, $1
              FROM stepped s
              JOIN roles ro ON ro.role_code = 'GM' AND ro.is_active
              JOIN user_roles ur ON ur.role_id = ro.id
              JOIN users u ON u.id = ur.user_id AND u.is_active
             WHERE s.new_stage = 'GM'
            ON CONFLICT (alert_id, user_id) DO NOTHING
            RETURNING 1
        ), events AS (
            INSERT INTO outbox (producer, topic, payload, qos)
            SELECT 'notifications', $2 || '/alert/' || s.alert_level || '/' || r.domain || '/' || r.rule_code,
                   \(AlertEventSQL.payload("s", ruleCode: "r.rule_code", event: "escalated")), 1
              FROM stepped s JOIN alert_rules r ON r.id = s.rule_id
             ORDER BY s.id
            RETURNING 1
        )
        SELECT s.id, s.new_stage AS stage, (SELECT count(*) FROM handover)::int AS handed_over,
               (SELECT count(*) FROM events)::int AS events
          FROM stepped s ORDER BY s.id
        """
}
