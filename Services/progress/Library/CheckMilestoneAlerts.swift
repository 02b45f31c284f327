import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 里程碑预警, daily 08:00. Two rules sharing the MS numbers: MILESTONE_WARNING (WARNING) for open
/// milestones due within D … D+window (window = the rule's threshold_value, default 3) and
/// MILESTONE_OVERDUE (CRITICAL) for open milestones past their date. Scope: milestones neither COMPLETED nor
/// CANCELLED of active, non-archived projects not closed (ST30) or cancelled (ST99). Dedup per rule, with the
/// planned date as episode. An OVERDUE alert replaces the milestone's open WARNING, which becomes EXPIRED.
/// Recipients: milestone owner, PM. Each rule can be disabled on its own.
public struct CheckMilestoneAlerts: Job {
    public let id = "check_milestone_alerts"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let warning = try await AlertRule.load(code: "MILESTONE_WARNING", on: context.connection)
        let overdue = try await AlertRule.load(code: "MILESTONE_OVERDUE", on: context.connection)
        guard warning.isEnabled || overdue.isEnabled else { return RunResult(note: "rule disabled") }
        let db = context.connection
        let day = context.today.description
        let window = warning.thresholdValue.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 3
        let checked = try await db.query(Self.countScope, [day, window]).first?.decode(Int.self, "n") ?? 0

        var outcomes: [AlertOutcome] = []
        var expired = 0
        // The WARNING that an OVERDUE alert replaces is expired before the WARNING writer runs, so it
        // is not resolved as "cleared"; upcoming alerts are numbered before overdue ones (spec order).
        if overdue.isEnabled {
            expired = try await db.query(Self.expireReplaced, [day, warning.id, context.now]).first?.decode(Int.self, "n") ?? 0
        }
        if warning.isEnabled {
            let writer = AlertWriter(rule: warning, roleCodes: [], resolveText: "AUTO_RESOLVED", episodic: true)
            outcomes.append(try await writer.apply(candidatesSQL: Self.upcoming, parameters: [day, window], in: context))
        }
        if overdue.isEnabled {
            let writer = AlertWriter(rule: overdue, roleCodes: [], resolveText: "AUTO_RESOLVED", episodic: true)
            outcomes.append(try await writer.apply(candidatesSQL: Self.overdue, parameters: [day], in: context))
        }
        var notes: [String] = []
        if !warning.isEnabled { notes.append("rule MILESTONE_WARNING disabled") }
        if !overdue.isEnabled { notes.append("rule MILESTONE_OVERDUE disabled") }
        return RunResult(
            checked: checked, created: outcomes.map(\.created).reduce(0, +),
            updated: outcomes.map(\.refreshed).reduce(0, +), resolved: outcomes.map(\.resolved).reduce(0, +),
            notified: outcomes.map(\.recipients).reduce(0, +), skipped: outcomes.map(\.suppressed).reduce(0, +),
            note: notes.isEmpty ? nil : notes.joined(separator: "; "),
            details: ["expired": .number(Double(expired))])
    }

    /// Open milestones of in-scope projects, with days to their date; $1 business day D.
    static let milestones = """
        ms AS (
            SELECT m.id, m.project_id, m.machine_id, m.milestone_code, m.milestone_name, m.planned_date, m.owner_id,
                   p.pm_id, m.planned_date - $1::date AS days, to_char(m.planned_date, 'YYYY-MM-DD') AS planned
              FROM project_milestones m
              JOIN projects p ON p.id = m.project_id
             WHERE m.status NOT IN ('COMPLETED','CANCELLED')
               AND p.is_active AND NOT p.is_archived AND p.status NOT IN ('ST30','ST99')
        )
        """

    /// $1 D, $2 window in days.
    static let countScope = """
        WITH \(milestones) SELECT count(*)::int AS n FROM ms WHERE ms.days < 0 OR ms.days BETWEEN 0 AND $2::int
        """

    /// The recipients in DATA-MODEL §4.4 order: milestone owner, then PM.
    static let recipients = """
        jsonb_build_array(jsonb_build_object('user_id', ms.owner_id, 'reason', 'OWNER'),
                          jsonb_build_object('user_id', ms.pm_id, 'reason', 'PM'))
        """

    /// Upcoming candidates (AlertWriter columns); $1 D, $2 window.
    static let upcoming = """
        WITH \(milestones)
        SELECT 'MILESTONE', ms.id, ms.milestone_code, ms.milestone_name, ms.project_id, ms.machine_id, 'WARNING',
               '里程碑即将到期：' || left(ms.milestone_name, 192),
               '里程碑 ' || ms.milestone_code || ' 将在 ' || ms.days || ' 天后到期（计划日期：' || ms.planned || '）',
               jsonb_build_object('planned_date', ms.planned), NULL::text, NULL::text,
               'MILESTONE_WARNING:MILESTONE:' || ms.id || ':' || ms.planned, ms.id, true, \(recipients)
          FROM ms WHERE ms.days BETWEEN 0 AND $2::int
        """

    /// Overdue candidates (AlertWriter columns); $1 D.
    static let overdue = """
        WITH \(milestones)
        SELECT 'MILESTONE', ms.id, ms.milestone_code, ms.milestone_name, ms.project_id, ms.machine_id, 'CRITICAL',
               '里程碑已逾期：' || left(ms.milestone_name, 193),
               '里程碑 ' || ms.milestone_code || ' 已逾期 ' || (-ms.days) || ' 天（计划日期：' || ms.planned || '）',
               jsonb_build_object('planned_date', ms.planned), NULL::text, NULL::text,
               'MILESTONE_OVERDUE:MILESTONE:' || ms.id || ':' || ms.planned, ms.id, true, \(recipients)
          FROM ms WHERE ms.days < 0
        """

    /// Expire the open WARNING of every overdue in-scope milestone; $1 D, $2 WARNING rule id, $3 now.
    static let expireReplaced = """
        WITH \(milestones), expired AS (
            UPDATE alert_records a SET status = 'EXPIRED', updated_at = $3
              FROM ms
             WHERE a.rule_id = $2 AND a.target_type = 'MILESTONE' AND a.target_id = ms.id AND ms.days < 0
               AND a.status IN ('PENDING','ACKNOWLEDGED','PROCESSING')
            RETURNING 1
        )
        SELECT count(*)::int AS n FROM expired
        """
}
