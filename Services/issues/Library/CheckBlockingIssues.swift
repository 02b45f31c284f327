import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 阻塞问题预警, hourly at :05. Raises BLOCKING_ISSUE (prefix AL) for every issue with `is_blocking` and status
/// OPEN or PROCESSING, with or without a project (corrected: the original skipped project-less issues), except
/// issues of inactive or archived projects (DECISIONS "Inactive or archived").
/// - Level by severity, one policy with the issues API: CRITICAL → URGENT, MAJOR → CRITICAL, else WARNING;
///   raised in place when the severity worsens, never lowered (shared `AlertWriter`).
/// - One open alert per issue (ACKNOWLEDGED / PROCESSING count as open: no re-alert after acknowledgement);
///   numbers from `alert_no_counters`, so several new issues in one run never collide.
/// - Auto-resolve: an open alert whose issue is no longer blocking or no longer OPEN/PROCESSING (or is gone)
///   becomes RESOLVED with `问题 <issue_no> 已解决，自动关闭预警`; one whose project became inactive or archived
///   with `AUTO: condition cleared`.
/// - Recipient: the project's PM (DATA-MODEL §4.4); no active PM → counted `unrouted`, never user 1.
/// - Health is not touched (DECISIONS, DATA-MODEL §9.2): the next calculate_project_health reflects the issue.
/// - The rule is seeded (no get-or-create, DATA-MODEL §3.1); missing → failed run, disabled → "rule disabled".
public struct CheckBlockingIssues: Job {
    public let id = "check_blocking_issues"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let db = context.connection
        let rule = try await AlertRule.load(code: "BLOCKING_ISSUE", on: db)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }
        let threshold = rule.thresholdValue ?? "1"

        // The open alerts before this pass: those the writer resolves get the issue's own resolve text.
        try await db.executeScript(Self.createOpenBefore)
        _ = try await db.execute(Self.captureOpenBefore, [rule.id])

        let writer = AlertWriter(rule: rule, roleCodes: [], resolveText: "AUTO: condition cleared")
        let outcome = try await writer.apply(candidatesSQL: Self.candidates, parameters: [threshold], in: context)

        guard let row = try await db.query(Self.finish).first else {
            throw JobFailure("blocking-issue summary returned no row")
        }
        return RunResult(
            checked: outcome.candidates, created: outcome.created, updated: outcome.refreshed,
            resolved: outcome.resolved, notified: outcome.recipients, skipped: outcome.suppressed,
            unrouted: outcome.unrouted,
            details: [
                "blocking_count": .number(Double(outcome.candidates)),
                "alerts_created": .number(Double(outcome.created)),
                "alerts_resolved": .number(Double(outcome.resolved)),
                "affected_projects": .number(Double(try row.decode(Int.self, "affected_projects"))),
                "levels_raised": .number(Double(outcome.levelRaised)),
            ])
    }

    /// Blocking, open issues in scope (partial index `idx_issues_blocking`).
    static let scope = """
        blocking AS (
            SELECT i.id, i.issue_no, i.title, i.project_id, i.machine_id, i.severity, i.priority,
                   i.impact_scope, i.impact_level, p.pm_id
              FROM issues i
              LEFT JOIN projects p ON p.id = i.project_id
             WHERE i.is_blocking AND i.status IN ('OPEN','PROCESSING')
               AND (i.project_id IS NULL OR (p.is_active AND NOT p.is_archived))
        )
        """

    /// Alert candidates in issue id order (load order); $1 threshold text of the rule.
    static let candidates = """
        WITH \(scope)
        SELECT 'ISSUE', b.id, b.issue_no, b.title, b.project_id, b.machine_id,
               CASE b.severity WHEN 'CRITICAL' THEN 'URGENT' WHEN 'MAJOR' THEN 'CRITICAL' ELSE 'WARNING' END,
               '阻塞问题：' || b.title,
               '问题 ' || b.issue_no || ' 标记为阻塞问题，可能影响项目进度',
               jsonb_build_object('issue_no', b.issue_no, 'severity', b.severity, 'priority', b.priority,
                                  'impact_scope', b.impact_scope, 'impact_level', b.impact_level),
               '1', $1::text,
               'BLOCKING_ISSUE:ISSUE:' || b.id, b.id, true,
               jsonb_build_array(jsonb_build_object('user_id', b.pm_id, 'reason', 'PM'))
          FROM blocking b
        """

    static let createOpenBefore = """
        DROP TABLE IF EXISTS pg_temp.blocking_open_before;
        CREATE TEMP TABLE blocking_open_before (id bigint PRIMARY KEY) ON COMMIT DROP;
        """

    /// $1 rule id (partial index `uq_alert_records_open`).
    static let captureOpenBefore = """
        INSERT INTO blocking_open_before (id)
        SELECT a.id FROM alert_records a
         WHERE a.rule_id = $1 AND a.status IN ('PENDING','ACKNOWLEDGED','PROCESSING')
        """

    /// After the writer: the issue's resolve text on alerts it resolved because the issue itself no longer
    /// qualifies (an inactive or archived project keeps `AUTO: condition cleared`), then the run's counts.
    static let finish = """
        WITH resolved AS (
            SELECT a.id, a.project_id, a.target_id, a.target_no
              FROM blocking_open_before o JOIN alert_records a ON a.id = o.id
             WHERE a.status = 'RESOLVED'
        ), relabeled AS (
            UPDATE alert_records a
               SET handle_result = '问题 ' || coalesce(i.issue_no, r.target_no, r.target_id::text) || ' 已解决，自动关闭预警'
              FROM resolved r
              LEFT JOIN issues i ON i.id = r.target_id
             WHERE a.id = r.id
               AND NOT coalesce(i.is_blocking AND i.status IN ('OPEN','PROCESSING'), false)
            RETURNING a.id
        ), \(scope)
        SELECT (SELECT count(DISTINCT x.project_id)
                  FROM (SELECT project_id FROM blocking UNION ALL SELECT project_id FROM resolved) x)::int
                   AS affected_projects,
               (SELECT count(*) FROM relabeled)::int AS relabeled
        """
}
