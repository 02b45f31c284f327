import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// ECN 超时检查 (the seed's `run_ecn_scheduler`), daily 09:00. Notification-only (no alert), corrected:
/// - evaluations (PENDING or ASSIGNED) of EVALUATING ECNs older than the 3-day SLA; overdue days = age − 3 (min 1);
/// - the lowest PENDING approval level of ECNs in EVALUATED / PENDING_APPROVAL / IN_APPROVAL, due before now;
/// - tasks (PENDING, IN_PROGRESS) of APPROVED / EXECUTING ECNs with planned_end before D.
/// CANCELLED (and every other out-of-phase) ECN is out of scope, as are ECNs of inactive or archived projects.
/// Recipient: the item's person (evaluator / approver / assignee), else the applicant, else the project PM,
/// active users only. One `notifications` row per (item, user, D) through `dedupe_key` (DATA-MODEL §4.3),
/// published on `<prefix>/inbox/<user_id>` (NotificationWriter); `ecn_approvals.is_overdue` is recomputed
/// both ways. One transaction.
public struct CheckEcnOverdue: Job {
    public let id = "check_ecn_overdue"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let db = context.connection
        let flagged = try await db.query(Self.recomputeOverdueSQL, [context.now]).first
        try await db.executeScript(Self.createItems)
        try await db.execute(Self.fillItems, [context.today.description, context.now])
        guard let stats = try await db.query(Self.stats).first else {
            throw JobFailure("ECN overdue statistics returned no row")
        }
        let outcome = try await NotificationWriter().apply(candidatesSQL: Self.candidates,
                                                           parameters: [context.today.description], in: context)
        return RunResult(
            checked: try stats.decode(Int.self, "checked"), created: outcome.created,
            updated: try flagged?.decode(Int.self, "updated") ?? 0,
            notified: outcome.notified, skipped: outcome.duplicates,
            unrouted: try stats.decode(Int.self, "unrouted"),
            details: [
                "evaluations": .number(Double(try stats.decode(Int.self, "evaluations"))),
                "approvals": .number(Double(try stats.decode(Int.self, "approvals"))),
                "tasks": .number(Double(try stats.decode(Int.self, "tasks"))),
                "published": .number(Double(outcome.created)),
            ])
    }

    /// $1 run's now. `is_overdue = (due_date < now)` for PENDING approvals, both directions; CANCELLED ECNs
    /// are out of scope and left alone.
    static let recomputeOverdueSQL = """
        WITH changed AS (
            UPDATE ecn_approvals a
               SET is_overdue = coalesce(a.due_date < $1, false), updated_at = $1
              FROM ecn e
             WHERE e.id = a.ecn_id AND e.status <> 'CANCELLED' AND a.status = 'PENDING'
               AND a.is_overdue IS DISTINCT FROM coalesce(a.due_date < $1, false)
            RETURNING 1
        )
        SELECT count(*)::int AS updated FROM changed
        """

    /// One row per overdue item with its recipient (NULL = nobody active).
    static let createItems = """
        DROP TABLE IF EXISTS pg_temp.ecn_overdue_items;
        CREATE TEMP TABLE ecn_overdue_items (
            item_type text, item_id bigint, ecn_id bigint, ecn_no text, overdue_days integer,
            message_head text, alert_type text, user_id bigint
        ) ON COMMIT DROP
        """

    /// $1 business day D, $2 run's now.
    static let fillItems = """
        INSERT INTO ecn_overdue_items
        WITH scope AS (
            SELECT e.id, e.ecn_no, e.status, e.applicant_id, p.pm_id
              FROM ecn e
              LEFT JOIN projects p ON p.id = e.project_id
             WHERE e.project_id IS NULL OR (p.is_active AND NOT p.is_archived)
        ), evaluations AS (
            SELECT 'EVALUATION'::text AS item_type, v.id AS item_id, s.id AS ecn_id, s.ecn_no,
                   v.evaluator_id AS person_id, s.applicant_id, s.pm_id,
                   -- the 3-day SLA is not part of the overdue time: age 4 d 1 h reads 1 day
                   greatest(1, floor(extract(epoch FROM ($2 - v.created_at)) / 86400)::int - 3) AS overdue_days,
                   'ECN ' || s.ecn_no || ' 的' || coalesce(v.eval_dept, '') || '评估已超时' AS message_head,
                   'EVALUATION_OVERDUE' AS alert_type
              FROM ecn_evaluations v JOIN scope s ON s.id = v.ecn_id
             WHERE s.status = 'EVALUATING' AND v.status IN ('PENDING', 'ASSIGNED')
               AND v.created_at < $2 - interval '3 days'
        ), approvals AS (
            SELECT 'APPROVAL'::text, a.id, s.id, s.ecn_no, a.approver_id, s.applicant_id, s.pm_id,
                   greatest(1, floor(extract(epoch FROM ($2 - a.due_date)) / 86400)::int),
                   'ECN ' || s.ecn_no || ' 的第' || a.approval_level || '级审批（' || coalesce(a.approval_role, '')
                       || '）已超时',
                   'APPROVAL_OVERDUE'
              FROM ecn_approvals a JOIN scope s ON s.id = a.ecn_id
             WHERE s.status IN ('EVALUATED', 'PENDING_APPROVAL', 'IN_APPROVAL') AND a.status = 'PENDING'
               AND a.due_date < $2
               -- later levels wait for their turn
               AND a.approval_level = (SELECT min(x.approval_level) FROM ecn_approvals x
                                        WHERE x.ecn_id = a.ecn_id AND x.status = 'PENDING')
        ), tasks AS (
            SELECT 'TASK'::text, t.id, s.id, s.ecn_no, t.assignee_id, s.applicant_id, s.pm_id,
                   ($1::date - t.planned_end),
                   'ECN ' || s.ecn_no || ' 的任务「' || t.task_name || '」已超时',
                   'TASK_OVERDUE'
              FROM ecn_tasks t JOIN scope s ON s.id = t.ecn_id
             WHERE s.status IN ('APPROVED', 'EXECUTING') AND t.status IN ('PENDING', 'IN_PROGRESS')
               AND t.planned_end < $1::date
        ), items AS (
            SELECT * FROM evaluations UNION ALL SELECT * FROM approvals UNION ALL SELECT * FROM tasks
        )
        -- the item's person, else the applicant, else the PM; inactive users fall through to the next
        SELECT i.item_type, i.item_id, i.ecn_id, i.ecn_no, i.overdue_days, i.message_head, i.alert_type, r.user_id
          FROM items i
          LEFT JOIN LATERAL (
              SELECT u.id AS user_id
                FROM (VALUES (1, i.person_id), (2, i.applicant_id), (3, i.pm_id)) c(rank, user_id)
                JOIN users u ON u.id = c.user_id AND u.is_active
               ORDER BY c.rank LIMIT 1) r ON true
        """

    static let stats = """
        SELECT count(*)::int AS checked,
               count(*) FILTER (WHERE item_type = 'EVALUATION')::int AS evaluations,
               count(*) FILTER (WHERE item_type = 'APPROVAL')::int AS approvals,
               count(*) FILTER (WHERE item_type = 'TASK')::int AS tasks,
               count(*) FILTER (WHERE user_id IS NULL)::int AS unrouted
          FROM ecn_overdue_items
        """

    /// NotificationWriter columns; $1 business day D. One row per (item, user, D).
    static let candidates = """
        SELECT r.user_id, 'ECN_OVERDUE_ALERT', 'ECN', r.ecn_id, 'ECN超时提醒：' || r.ecn_no,
               r.message_head || r.overdue_days || '天', '/ecns?ecnId=' || r.ecn_id,
               CASE WHEN r.overdue_days > 7 THEN 'URGENT' ELSE 'HIGH' END,
               jsonb_build_object('alert_type', r.alert_type, 'overdue_days', r.overdue_days, 'ecn_no', r.ecn_no,
                   'item_type', r.item_type, 'item_id', r.item_id),
               'ECN_OVERDUE_ALERT|' || r.item_type || '|' || r.item_id || '|' || r.user_id || '|'
                   || to_char($1::date, 'YYYY-MM-DD'),
               row_number() OVER (ORDER BY r.ecn_id, r.item_type, r.item_id)
          FROM ecn_overdue_items r
         WHERE r.user_id IS NOT NULL
        """
}
