import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 问题超时升级服务 (age-based issue escalation), daily 01:30. Corrected rule: an OPEN or PROCESSING issue whose
/// age `D − day(GREATEST(created_at, priority_escalated_at))` (calendar days in the configured zone) is strictly
/// above its priority's limit (LOW 14, MEDIUM or NULL 7, HIGH 3 days) rises one step on the ladder
/// LOW → MEDIUM → HIGH → URGENT; URGENT is the top and never changes. Each raise sets
/// `priority_escalated_at = updated_at = now` and writes one `STATUS_CHANGE` follow-up
/// `问题超时自动升级优先级至 <P>` by `系统` (operator_id NULL, DATA-MODEL §8.14; old = new status).
/// Issues of inactive or archived projects are skipped (general rule). No alert, no notification.
///
/// `priority_escalated_at` restarts the age, so every level gets its own full window (no nightly cascade) and a
/// re-run, a redelivered tick or an issue raised by `check_timeout_issues` at 01:00 (age 0) changes nothing. The
/// UPDATE repeats its guards on the row itself, so PostgreSQL re-checks them against a concurrent raise.
public struct CheckIssueTimeoutEscalation: Job {
    public let id = "check_issue_timeout_escalation"

    /// Age limits in days per priority (a NULL priority reads MEDIUM).
    public struct Limits: Sendable, Equatable {
        public var low: Int
        public var medium: Int
        public var high: Int

        public init(low: Int = 14, medium: Int = 7, high: Int = 3) {
            self.low = low; self.medium = medium; self.high = high
        }
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) { self.limits = limits }

    public func run(in context: JobContext) async throws -> RunResult {
        let parameters: [any PostgresBindable] = [
            context.today.description, context.timeZone.identifier, context.now,
            limits.low, limits.medium, limits.high,
        ]
        guard let row = try await context.connection.query(Self.escalate, parameters).first else {
            throw JobFailure("issue timeout escalation returned no row")
        }
        let checked = try row.decode(Int.self, "checked_count")
        let escalated = try row.decode(Int.self, "escalated_count")
        let logged = try row.decode(Int.self, "logged")
        return RunResult(
            checked: checked, created: logged, updated: escalated,
            details: ["checked_count": .number(Double(checked)), "escalated_count": .number(Double(escalated))])
    }

    /// $1 business day D (YYYY-MM-DD), $2 configured time zone, $3 run's now, $4 LOW, $5 MEDIUM, $6 HIGH limits
    /// (days). The status list repeats the predicate of the partial indexes on open issues.
    static let escalate = """
        WITH open_issues AS (
            SELECT i.id, i.priority, i.status,
                   CASE coalesce(i.priority, 'MEDIUM') WHEN 'LOW' THEN $4::int WHEN 'MEDIUM' THEN $5::int
                                                       WHEN 'HIGH' THEN $6::int END AS limit_days,
                   $1::date - (greatest(i.created_at, i.priority_escalated_at) AT TIME ZONE $2::text)::date AS age_days
              FROM issues i
              LEFT JOIN projects p ON p.id = i.project_id
             WHERE i.status IN ('OPEN', 'PROCESSING')
               AND (i.project_id IS NULL OR (p.is_active AND NOT p.is_archived))
        ), due AS (
            -- URGENT has no limit (NULL): never raised
            SELECT o.* FROM open_issues o WHERE o.age_days > o.limit_days
        ), escalated AS (
            UPDATE issues i
               SET priority = CASE coalesce(d.priority, 'MEDIUM') WHEN 'LOW' THEN 'MEDIUM' WHEN 'MEDIUM' THEN 'HIGH'
                                                                  ELSE 'URGENT' END,
                   priority_escalated_at = $3, updated_at = $3
              FROM due d
             WHERE i.id = d.id
               -- guards on the row itself: re-evaluated on the latest version if another run changed it
               AND i.priority IS NOT DISTINCT FROM d.priority AND i.status IN ('OPEN', 'PROCESSING')
               AND $1::date - (greatest(i.created_at, i.priority_escalated_at) AT TIME ZONE $2::text)::date > d.limit_days
            RETURNING i.id, i.priority, i.status
        ), logged AS (
            INSERT INTO issue_follow_up_records (issue_id, follow_up_type, content, operator_id, operator_name,
                                                 old_status, new_status, created_at)
            SELECT e.id, 'STATUS_CHANGE', '问题超时自动升级优先级至 ' || e.priority, NULL, '系统', e.status, e.status, $3
              FROM escalated e ORDER BY e.id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM open_issues)::int AS checked_count,
               (SELECT count(*) FROM escalated)::int AS escalated_count,
               (SELECT count(*) FROM logged)::int AS logged
        """
}
