import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 每日健康度快照, daily 02:00. Inserts one `project_health_snapshots` row per active, non-archived project for D,
/// first write wins (`ON CONFLICT (project_id, snapshot_date) DO NOTHING`, so a re-run or a manual row is kept).
/// `overall_health` is computed by calculate_project_health's rule (not copied from `projects.health`);
/// `open_alerts` counts open alerts (PENDING/ACKNOWLEDGED/PROCESSING, DECISIONS "Open everywhere");
/// `blocking_issues` uses the corrected definition (BLOCKER or is_blocking, OPEN/PROCESSING);
/// `milestone_delayed` / `milestone_on_track` count key, non-cancelled milestones overdue / not overdue;
/// `schedule_variance` is the rule's variance rounded to 2 decimals, 0 when not computable. Other columns default.
public struct DailyHealthSnapshot: Job {
    public let id = "daily_health_snapshot"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let day = context.today.description
        guard let row = try await context.connection.query(Self.insert, [day]).first
        else { throw JobFailure("snapshot statement returned no row") }
        let checked = try row.decode(Int.self, "checked")
        let created = try row.decode(Int.self, "created")
        return RunResult(checked: checked, created: created, skipped: checked - created, details: ["date": .string(day)])
    }

    /// $1 D.
    static let insert = """
        WITH \(CalculateProjectHealth.healthCTEs), inserted AS (
            INSERT INTO project_health_snapshots (project_id, snapshot_date, overall_health, open_alerts,
                                                  blocking_issues, milestone_delayed, milestone_on_track,
                                                  schedule_variance)
            SELECT id, $1::date, computed, open_alerts, blocking_issues, milestone_delayed, milestone_on_track,
                   round(coalesce(variance, 0), 2)
              FROM health
            ON CONFLICT (project_id, snapshot_date) DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM scope)::int AS checked, (SELECT count(*) FROM inserted)::int AS created
        """
}
