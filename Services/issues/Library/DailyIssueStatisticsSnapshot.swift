import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 每日问题统计快照, daily 03:00. Writes the one `issue_statistics_snapshots` row of D (the run's day, or
/// `params.as_of` for a back-fill), first write wins (`ON CONFLICT (snapshot_date) DO NOTHING`): a re-run the
/// same day writes nothing and reports the stored row. Whole-table counts are taken at run time ("not
/// deleted" = status ≠ DELETED; overdue = OPEN/PROCESSING with due_date < D). The three flows cover the
/// previous whole day `[D-1 00:00, D 00:00)` in the configured zone (a 03:00 run saw 3 hours in the
/// original); `closed_today` counts distinct issues with a follow-up `new_status = 'CLOSED'` in that window
/// (DECISIONS "Issue statistics": transitions, not `updated_at`). `avg_resolve_time` is the all-time mean of
/// `resolved_at − report_date` in hours, rounded to 2 decimals in SQL; distributions are real JSON objects.
/// Writes no alert and no notification.
public struct DailyIssueStatisticsSnapshot: Job {
    public let id = "daily_issue_statistics_snapshot"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let day = context.today
        // First write wins: an existing row of D stops the run before the full-table aggregate.
        if let stored = try await context.connection.query(Self.stored, [day.description]).first {
            return try Self.result(stored, created: false)
        }
        let start = AsOf.localTime(day.adding(days: -1), hour: 0, minute: 0, second: 0, in: context.timeZone)
        let end = AsOf.localTime(day, hour: 0, minute: 0, second: 0, in: context.timeZone)
        if let inserted = try await context.connection.query(Self.insert, [day.description, start, end, context.now]).first {
            return try Self.result(inserted, created: true)
        }
        // A concurrent run of the same day committed first (ON CONFLICT DO NOTHING): report its row.
        guard let stored = try await context.connection.query(Self.stored, [day.description]).first
        else { throw JobFailure("snapshot of \(day) neither inserted nor found") }
        return try Self.result(stored, created: false)
    }

    /// The run result keys of the spec (snapshot_date and the main counts), from the stored or inserted row.
    static func result(_ row: PostgresRow, created: Bool) throws -> RunResult {
        var details: [String: JSONValue] = ["snapshot_date": .string(try row.decode(String.self, "snapshot_date"))]
        for key in resultCounts { details[key] = .number(Double(try row.decode(Int.self, key))) }
        let total = try row.decode(Int.self, "total_issues")
        return created
            ? RunResult(checked: total, created: 1, details: details)
            : RunResult(skipped: 1, note: "snapshot already exists", details: details)
    }

    static let resultCounts = [
        "total_issues", "open_issues", "processing_issues", "resolved_issues", "closed_issues", "blocking_issues",
        "overdue_issues",
    ]

    static let returning = "snapshot_date::text AS snapshot_date, " + resultCounts.joined(separator: ", ")

    /// $1 D.
    static let stored = "SELECT \(returning) FROM issue_statistics_snapshots WHERE snapshot_date = $1::date"

    /// $1 D, $2 D-1 00:00 and $3 D 00:00 (configured zone: the flow window), $4 the run's now.
    /// One pass over `issues` (whole-table counts need it); the closed flow uses idx_issue_follow_up_records_closed.
    static let insert = """
        WITH s AS (
            SELECT count(*) FILTER (WHERE status <> 'DELETED')::int AS total_issues,
                   count(*) FILTER (WHERE status = 'OPEN')::int AS open_issues,
                   count(*) FILTER (WHERE status = 'PROCESSING')::int AS processing_issues,
                   count(*) FILTER (WHERE status = 'RESOLVED')::int AS resolved_issues,
                   count(*) FILTER (WHERE status = 'CLOSED')::int AS closed_issues,
                   count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled_issues,
                   count(*) FILTER (WHERE status = 'DEFERRED')::int AS deferred_issues,
                   count(*) FILTER (WHERE status <> 'DELETED' AND severity = 'CRITICAL')::int AS critical_issues,
                   count(*) FILTER (WHERE status <> 'DELETED' AND severity = 'MAJOR')::int AS major_issues,
                   count(*) FILTER (WHERE status <> 'DELETED' AND severity = 'MINOR')::int AS minor_issues,
                   count(*) FILTER (WHERE status <> 'DELETED' AND priority = 'URGENT')::int AS urgent_issues,
                   count(*) FILTER (WHERE status <> 'DELETED' AND priority = 'HIGH')::int AS high_priority_issues,
                   count(*) FILTER (WHERE status <> 'DELETED' AND priority = 'MEDIUM')::int AS medium_priority_issues,
                   count(*) FILTER (WHERE status <> 'DELETED' AND priority = 'LOW')::int AS low_priority_issues,
                   count(*) FILTER (WHERE status <> 'DELETED' AND issue_type = 'DEFECT')::int AS defect_issues,
                   count(*) FILTER (WHERE status <> 'DELETED' AND issue_type = 'RISK')::int AS risk_issues,
                   count(*) FILTER (WHERE status <> 'DELETED' AND issue_type = 'BLOCKER')::int AS blocker_issues,
                   count(*) FILTER (WHERE is_blocking AND status IN ('OPEN','PROCESSING'))::int AS blocking_issues,
                   count(*) FILTER (WHERE status IN ('OPEN','PROCESSING') AND due_date < $1::date)::int AS overdue_issues,
                   count(*) FILTER (WHERE status <> 'DELETED' AND category = 'PROJECT')::int AS project_issues,
                   count(*) FILTER (WHERE status <> 'DELETED' AND category = 'TASK')::int AS task_issues,
                   count(*) FILTER (WHERE status <> 'DELETED' AND category = 'ACCEPTANCE')::int AS acceptance_issues,
                   -- exact mean: total seconds / (n × 3600), one rounding; 0 when nothing was resolved.
                   coalesce(round(
                       sum(extract(epoch FROM resolved_at - report_date))
                           FILTER (WHERE status IN ('RESOLVED','CLOSED') AND resolved_at IS NOT NULL AND report_date IS NOT NULL)
                       / (3600 * nullif(count(*) FILTER (WHERE status IN ('RESOLVED','CLOSED')
                                                          AND resolved_at IS NOT NULL AND report_date IS NOT NULL), 0)),
                       2), 0) AS avg_resolve_time,
                   count(*) FILTER (WHERE status <> 'DELETED' AND created_at >= $2 AND created_at < $3)::int
                       AS new_issues_today,
                   count(*) FILTER (WHERE status IN ('RESOLVED','CLOSED') AND resolved_at >= $2 AND resolved_at < $3)::int
                       AS resolved_today
              FROM issues
        ), c AS (
            SELECT count(DISTINCT issue_id)::int AS closed_today
              FROM issue_follow_up_records
             WHERE new_status = 'CLOSED' AND created_at >= $2 AND created_at < $3
        )
        INSERT INTO issue_statistics_snapshots (
            snapshot_date, total_issues, open_issues, processing_issues, resolved_issues, closed_issues,
            cancelled_issues, deferred_issues, critical_issues, major_issues, minor_issues, urgent_issues,
            high_priority_issues, medium_priority_issues, low_priority_issues, defect_issues, risk_issues,
            blocker_issues, blocking_issues, overdue_issues, project_issues, task_issues, acceptance_issues,
            avg_response_time, avg_resolve_time, avg_verify_time, status_distribution, severity_distribution,
            priority_distribution, category_distribution, project_distribution, new_issues_today, resolved_today,
            closed_today, created_at, updated_at)
        SELECT $1::date, total_issues, open_issues, processing_issues, resolved_issues, closed_issues,
               cancelled_issues, deferred_issues, critical_issues, major_issues, minor_issues, urgent_issues,
               high_priority_issues, medium_priority_issues, low_priority_issues, defect_issues, risk_issues,
               blocker_issues, blocking_issues, overdue_issues, project_issues, task_issues, acceptance_issues,
               0, avg_resolve_time, 0,
               jsonb_build_object('OPEN', open_issues, 'PROCESSING', processing_issues, 'RESOLVED', resolved_issues,
                                  'CLOSED', closed_issues, 'CANCELLED', cancelled_issues, 'DEFERRED', deferred_issues),
               jsonb_build_object('CRITICAL', critical_issues, 'MAJOR', major_issues, 'MINOR', minor_issues),
               jsonb_build_object('URGENT', urgent_issues, 'HIGH', high_priority_issues,
                                  'MEDIUM', medium_priority_issues, 'LOW', low_priority_issues),
               jsonb_build_object('PROJECT', project_issues, 'TASK', task_issues, 'ACCEPTANCE', acceptance_issues),
               NULL, new_issues_today, resolved_today, closed_today, $4, $4
          FROM s, c
        ON CONFLICT (snapshot_date) DO NOTHING
        RETURNING \(returning)
        """
}
