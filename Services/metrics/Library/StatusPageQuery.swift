import Foundation
import PMSBus
import PMSPostgres

/// What the status page reads from PostgreSQL on each load, on one pooled connection: open alerts by
/// level (one grouped count) and the jobs' scheduler state (paused, cron override).
public struct StatusPageDatabase: Sendable {
    /// Open alerts (status PENDING, ACKNOWLEDGED or PROCESSING) per level; levels without any are absent.
    public var openAlerts: [AlertLevel: Int]
    /// Per job id: whether it is enabled, and its cron override.
    public var schedules: [String: JobScheduleState]

    public init(openAlerts: [AlertLevel: Int], schedules: [String: JobScheduleState]) {
        self.openAlerts = openAlerts; self.schedules = schedules
    }

    static let openAlertsSQL = """
        SELECT alert_level, count(*) AS open
          FROM alert_records
         WHERE status IN ('PENDING','ACKNOWLEDGED','PROCESSING')
         GROUP BY alert_level
        """

    static let schedulesSQL = "SELECT job_id, is_enabled, cron_override FROM scheduler_job_state"

    public static func load(from pool: PostgresPool) async throws -> StatusPageDatabase {
        try await pool.withConnection { connection in
            var alerts: [AlertLevel: Int] = [:]
            for row in try await connection.query(openAlertsSQL) {
                guard let level = AlertLevel(rawValue: try row.decode(String.self, "alert_level")) else { continue }
                alerts[level] = try row.decode(Int.self, "open")
            }
            var schedules: [String: JobScheduleState] = [:]
            for row in try await connection.query(schedulesSQL) {
                schedules[try row.decode(String.self, "job_id")] = JobScheduleState(
                    isEnabled: try row.decode(Bool.self, "is_enabled"),
                    cronOverride: try row.decode(String?.self, "cron_override"))
            }
            return StatusPageDatabase(openAlerts: alerts, schedules: schedules)
        }
    }
}

/// A job's state as pms-scheduler keeps it in `scheduler_job_state`.
public struct JobScheduleState: Sendable, Equatable {
    public var isEnabled: Bool
    public var cronOverride: String?

    public init(isEnabled: Bool, cronOverride: String? = nil) { self.isEnabled = isEnabled; self.cronOverride = cronOverride }
}
