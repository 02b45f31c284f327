import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 问题超时升级 (inactive-issue priority escalation), daily 01:00. Corrected rule: an OPEN or PROCESSING issue
/// whose last activity `ref = GREATEST(created_at, last_follow_up_at, latest follow-up row, priority_escalated_at)`
/// lies more than 7 days before now is timed out. A timed-out LOW / MEDIUM / HIGH issue rises one step
/// (→ MEDIUM / HIGH / URGENT) with `priority_escalated_at = updated_at = now` and gets one `STATUS_CHANGE`
/// follow-up `问题超时自动升级优先级至 <P>` by `系统` (operator_id NULL, DATA-MODEL §8.14); URGENT or NULL
/// priority is only counted. `last_follow_up_at` / `follow_up_count` keep showing human activity. Issues of
/// inactive or archived projects are skipped (general rule). No alert, no notification.
///
/// One step per 7 days of continued inactivity: `priority_escalated_at` is part of `ref`, so a re-run, a
/// redelivered tick or any run within 7 days finds nothing. The same column is the hand-off with
/// `check_issue_timeout_escalation` (01:30), whose age counts from `GREATEST(created_at, priority_escalated_at)`:
/// an issue raised here is age 0 there, and an issue raised there is active (ref = its raise) here, so one
/// night never raises an issue twice. The UPDATE repeats the guards on the row itself, so PostgreSQL re-checks
/// them against a concurrent raise by the other job and skips the row instead of stacking a second step.
public struct CheckTimeoutIssues: Job {
    public let id = "check_timeout_issues"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        guard let row = try await context.connection.query(
            Self.escalate, [context.now, context.timeZone.identifier]).first
        else { throw JobFailure("timeout-issue escalation returned no row") }
        let timedOut = try row.decode(Int.self, "timeout_count")
        let upgraded = try row.decode(Int.self, "upgraded_count")
        let logged = try row.decode(Int.self, "logged")
        return RunResult(
            checked: timedOut, created: logged, updated: upgraded, skipped: timedOut - upgraded,
            details: ["timeout_count": .number(Double(timedOut)), "upgraded_count": .number(Double(upgraded))])
    }

    /// $1 run's now, $2 configured time zone. "NOW − 7 days" is taken on the zone's wall clock; the activity
    /// test is split so that each part is index-friendly: the issue's own columns, then NOT EXISTS over
    /// `idx_issue_follow_up_records_issue (issue_id, created_at DESC)` (GREATEST(…) < t ⇔ every part < t).
    static let escalate = """
        WITH params AS (
            SELECT (($1::timestamptz AT TIME ZONE $2) - interval '7 days') AT TIME ZONE $2 AS threshold
        ), timed_out AS (
            SELECT i.id, i.priority
              FROM issues i
              CROSS JOIN params x
              LEFT JOIN projects p ON p.id = i.project_id
             WHERE i.status IN ('OPEN', 'PROCESSING')
               AND (i.project_id IS NULL OR (p.is_active AND NOT p.is_archived))
               AND greatest(i.created_at, i.last_follow_up_at, i.priority_escalated_at) < x.threshold
               AND NOT EXISTS (SELECT 1 FROM issue_follow_up_records f
                                WHERE f.issue_id = i.id AND f.created_at >= x.threshold)
        ), raised AS (
            UPDATE issues i
               SET priority = CASE i.priority WHEN 'LOW' THEN 'MEDIUM' WHEN 'MEDIUM' THEN 'HIGH' ELSE 'URGENT' END,
                   priority_escalated_at = $1, updated_at = $1
              FROM timed_out t, params x
             WHERE i.id = t.id AND t.priority IN ('LOW', 'MEDIUM', 'HIGH')
               -- guards on the row itself: re-evaluated on the latest version if another run changed it
               AND i.priority = t.priority AND i.status IN ('OPEN', 'PROCESSING')
               AND greatest(i.created_at, i.last_follow_up_at, i.priority_escalated_at) < x.threshold
            RETURNING i.id, i.priority, i.status
        ), logged AS (
            INSERT INTO issue_follow_up_records (issue_id, follow_up_type, content, operator_id, operator_name,
                                                 old_status, new_status, created_at)
            SELECT r.id, 'STATUS_CHANGE', '问题超时自动升级优先级至 ' || r.priority, NULL, '系统', r.status, r.status, $1
              FROM raised r ORDER BY r.id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM timed_out)::int AS timeout_count,
               (SELECT count(*) FROM raised)::int AS upgraded_count,
               (SELECT count(*) FROM logged)::int AS logged
        """
}
