import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 任务到期提醒, hourly at :00. Raises one TASK_DEADLINE_REMINDER (INFO) per task_unified and deadline value
/// when the deadline falls in (now, now + coalesce(reminder_before_hours, 24) h], for tasks not COMPLETED or
/// CANCELLED with reminder_enabled, of no project or an active, non-archived one. Episode = the deadline in
/// UTC (DATA-MODEL §4.2). An open reminder whose episode is no longer a candidate (deadline moved or passed,
/// task finished, reminders off) becomes EXPIRED, never RESOLVED, so escalation leaves it alone.
/// Recipient: the assignee.
public struct CheckTaskDeadlineReminder: Job {
    public let id = "check_task_deadline_reminder"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let db = context.connection
        let rule = try await AlertRule.load(code: "TASK_DEADLINE_REMINDER", on: db)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }
        let zone = context.timeZone.identifier
        let checked = try await db.query(Self.countScope, [context.now]).first?.decode(Int.self, "n") ?? 0
        // Before the writer: it would otherwise refresh the old episode's open alert with the new deadline.
        let expired = try await db.query(Self.expireStale, [context.now, zone, rule.id]).first?.decode(Int.self, "n") ?? 0
        let writer = AlertWriter(rule: rule, roleCodes: [], resolveText: "AUTO_RESOLVED", episodic: true)
        let outcome = try await writer.apply(candidatesSQL: Self.candidates, parameters: [context.now, zone], in: context)
        return RunResult(
            checked: checked, created: outcome.created, updated: outcome.refreshed,
            resolved: expired + outcome.resolved, notified: outcome.recipients, skipped: outcome.suppressed,
            unrouted: outcome.unrouted, details: ["expired": .number(Double(expired))])
    }

    /// Tasks that can be reminded at all; $1 now.
    static let scope = """
        open_tasks AS (
            SELECT t.*, floor(extract(epoch FROM t.deadline - $1::timestamptz) / 3600)::int AS hours_left,
                   coalesce(t.reminder_before_hours, 24) AS window_hours,
                   to_char(t.deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS episode
              FROM task_unified t
              LEFT JOIN projects p ON p.id = t.project_id
             WHERE t.status NOT IN ('COMPLETED','CANCELLED') AND t.reminder_enabled AND t.deadline IS NOT NULL
               AND (t.project_id IS NULL OR (p.is_active AND NOT p.is_archived))
        )
        """

    static let countScope = "WITH \(scope) SELECT count(*)::int AS n FROM open_tasks"

    /// Tasks whose deadline is inside their window now, with their alert columns; $1 now, $2 time zone.
    static let due = """
        due AS (
            SELECT t.id, t.task_code, t.title, t.project_id, t.assignee_id, t.hours_left, t.window_hours,
                   to_char(t.deadline AT TIME ZONE $2::text, 'YYYY-MM-DD HH24:MI:SS') AS local_deadline,
                   t.episode, 'TASK_DEADLINE_REMINDER:TASK_UNIFIED:' || t.id || ':' || t.episode AS dedup_key
              FROM open_tasks t
             WHERE t.deadline > $1::timestamptz
               AND t.deadline <= $1::timestamptz + make_interval(hours => t.window_hours)
        )
        """

    /// Alert candidates in task id order (load order); $1 now, $2 time zone.
    static let candidates = """
        WITH \(scope), \(due)
        SELECT 'TASK_UNIFIED', d.id, d.task_code, d.title, d.project_id, NULL::bigint, 'INFO',
               '任务即将到期：' || d.title,
               '任务 ' || d.task_code || ' 将在 ' || d.hours_left || ' 小时后到期（截止时间：' || d.local_deadline || '）',
               jsonb_build_object('deadline', d.episode), d.hours_left::text, d.window_hours::text,
               d.dedup_key, d.id, true,
               jsonb_build_array(jsonb_build_object('user_id', d.assignee_id, 'reason', 'ASSIGNEE'))
          FROM due d
        """

    /// Open reminders of an episode that is no longer due become EXPIRED; an IGNORED one is marked cleared
    /// so it does not suppress the next episode. $1 now, $2 time zone, $3 rule.
    static let expireStale = """
        WITH \(scope), \(due), expired AS (
            UPDATE alert_records a
               SET status = 'EXPIRED', handle_end_at = $1::timestamptz, handle_result = 'AUTO_EXPIRED',
                   condition_cleared_at = $1::timestamptz, updated_at = $1::timestamptz
             WHERE a.rule_id = $3 AND a.status IN ('PENDING','ACKNOWLEDGED','PROCESSING')
               AND NOT EXISTS (SELECT 1 FROM due d WHERE d.dedup_key = a.dedup_key)
            RETURNING 1
        ), cleared AS (
            UPDATE alert_records a SET condition_cleared_at = $1::timestamptz, updated_at = $1::timestamptz
             WHERE a.rule_id = $3 AND a.status = 'IGNORED' AND a.condition_cleared_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM due d WHERE d.dedup_key = a.dedup_key)
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM expired)::int AS n, (SELECT count(*) FROM cleared)::int AS c
        """
}
