import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 问题逾期预警 (overdue-issue reminder), hourly at :00. Notification-only (no alert, DECISIONS), corrected rule:
/// OPEN or PROCESSING issues with `due_date < D` (an issue due on D is not overdue yet), of no project or of an
/// active, non-archived project. The assignee gets `问题已逾期：…`; the project's PM gets `项目问题已逾期：…` unless
/// the PM is the assignee (then only the assignee row). Recipients in the job's order assignee → PM: an inactive
/// user receives nothing and the issue falls through to the next one (the PM, who is notified anyway); users whose
/// `notification_settings` turn off system or issue notifications are skipped (a missing row allows). An issue
/// without any active recipient is counted `unrouted` and logged (nobody is a silent fallback).
/// One row per (issue, user, D) through `dedupe_key` `ISSUE_OVERDUE|ISSUE|<issue_id>|<user_id>|<D>`
/// (DATA-MODEL §4.3): the first run of a day reminds, the other 23 write nothing, and the reminder repeats daily
/// while the issue stays overdue. Each new row goes to `<prefix>/inbox/<user_id>` (NotificationWriter).
/// Result details keep the spec's keys: `overdue_count`, `notified_count` (new assignee rows only),
/// `unassigned_count` (no assignee and no PM at all).
public struct CheckOverdueIssues: Job {
    public let id = "check_overdue_issues"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let db = context.connection
        let day = context.today.description
        try await db.executeScript(Self.createOverdue)
        try await db.execute(Self.fillOverdue, [day])
        guard let stats = try await db.query(Self.stats, [day]).first else {
            throw JobFailure("overdue-issue statistics returned no row")
        }
        let outcome = try await NotificationWriter().apply(candidatesSQL: Self.candidates, parameters: [day],
                                                           in: context)
        let overdue = try stats.decode(Int.self, "overdue_count")
        return RunResult(
            checked: overdue, created: outcome.created, notified: outcome.notified, skipped: outcome.duplicates,
            unrouted: try stats.decode(Int.self, "unrouted"),
            details: [
                "overdue_count": .number(Double(overdue)),
                "notified_count": .number(Double(try stats.decode(Int.self, "notified_count"))),
                "unassigned_count": .number(Double(try stats.decode(Int.self, "unassigned_count"))),
                "opted_out": .number(Double(try stats.decode(Int.self, "opted_out"))),
            ])
    }

    /// One row per overdue issue with its resolved recipients (NULL = nobody in that slot).
    static let createOverdue = """
        DROP TABLE IF EXISTS pg_temp.overdue_issues;
        CREATE TEMP TABLE overdue_issues (
            id bigint PRIMARY KEY, issue_no text, title text, due_date date, project_name text,
            designated boolean NOT NULL,        -- an assignee or a PM is set at all
            assignee_id bigint,                 -- active assignee
            assignee_wants boolean NOT NULL,    -- … whose preferences allow issue notifications
            pm_id bigint,                       -- active PM, other than the assignee
            pm_wants boolean NOT NULL
        ) ON COMMIT DROP
        """

    /// $1 business day D (YYYY-MM-DD). The range on `due_date` and the status list use idx_issues_open_due;
    /// projects, users and notification_settings are primary / unique key look-ups.
    static let fillOverdue = """
        INSERT INTO overdue_issues (id, issue_no, title, due_date, project_name, designated, assignee_id,
                                    assignee_wants, pm_id, pm_wants)
        SELECT i.id, i.issue_no, i.title, i.due_date, p.project_name,
               i.assignee_id IS NOT NULL OR p.pm_id IS NOT NULL,
               ua.id, coalesce(sa.system_enabled AND sa.issue_notifications, true),
               up.id, coalesce(sp.system_enabled AND sp.issue_notifications, true)
          FROM issues i
          LEFT JOIN projects p ON p.id = i.project_id
          LEFT JOIN users ua ON ua.id = i.assignee_id AND ua.is_active
          LEFT JOIN notification_settings sa ON sa.user_id = ua.id
          -- the PM as the assignee gets the assignee row only (a NULL assignee counts as different)
          LEFT JOIN users up ON up.id = p.pm_id AND up.is_active AND p.pm_id IS DISTINCT FROM i.assignee_id
          LEFT JOIN notification_settings sp ON sp.user_id = up.id
         WHERE i.status IN ('OPEN', 'PROCESSING') AND i.due_date < $1::date
           AND (i.project_id IS NULL OR (p.is_active AND NOT p.is_archived))
        """

    /// $1 business day D. `notified_count` (new assignee rows) is taken before the insert: a key already present
    /// is a duplicate (unique index on `notifications.dedupe_key`).
    static let stats = """
        SELECT count(*)::int AS overdue_count,
               count(*) FILTER (WHERE NOT o.designated)::int AS unassigned_count,
               count(*) FILTER (WHERE o.assignee_id IS NULL AND o.pm_id IS NULL)::int AS unrouted,
               (count(*) FILTER (WHERE o.assignee_id IS NOT NULL AND NOT o.assignee_wants)
                + count(*) FILTER (WHERE o.pm_id IS NOT NULL AND NOT o.pm_wants))::int AS opted_out,
               count(*) FILTER (WHERE o.assignee_id IS NOT NULL AND o.assignee_wants AND NOT EXISTS (
                   SELECT 1 FROM notifications n
                    WHERE n.dedupe_key = format('ISSUE_OVERDUE|ISSUE|%s|%s|%s', o.id, o.assignee_id, $1::text))
               )::int AS notified_count
          FROM overdue_issues o
        """

    /// NotificationWriter columns; $1 business day D. Load order: by issue, the assignee row before the PM row.
    static let candidates = """
        SELECT o.assignee_id, 'ISSUE_OVERDUE', 'ISSUE', o.id,
               '问题已逾期：' || o.title,
               '问题 ' || o.issue_no || ' 已逾期，要求完成日期：' || coalesce(to_char(o.due_date, 'YYYY-MM-DD'), '未设置'),
               '/issues/' || o.id, 'HIGH', '{}'::jsonb,
               format('ISSUE_OVERDUE|ISSUE|%s|%s|%s', o.id, o.assignee_id, $1::text), o.id * 2
          FROM overdue_issues o
         WHERE o.assignee_id IS NOT NULL AND o.assignee_wants
        UNION ALL
        SELECT o.pm_id, 'ISSUE_OVERDUE', 'ISSUE', o.id,
               '项目问题已逾期：' || o.title,
               '项目 ' || o.project_name || ' 的问题 ' || o.issue_no || ' 已逾期',
               '/issues/' || o.id, 'HIGH', '{}'::jsonb,
               format('ISSUE_OVERDUE|ISSUE|%s|%s|%s', o.id, o.pm_id, $1::text), o.id * 2 + 1
          FROM overdue_issues o
         WHERE o.pm_id IS NOT NULL AND o.pm_wants
        """
}
