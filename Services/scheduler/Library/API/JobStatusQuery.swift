import Foundation
import PMSBus
import PMSCatalog
import PMSPostgres

/// Every catalog job joined with its `scheduler_job_state` row (one query for all jobs) and its next
/// run time computed from the effective cron (the override when set) at the API's "now".
struct JobStatusQuery: Sendable {
    struct State: Sendable {
        var enabled = true
        var cronOverride: String?
        var lastOutcome: String?
        var lastFiredAt: Date?
    }

    struct View: Sendable {
        let job: JobDefinition
        let state: State
        /// The cron text in force: `cron_override` when set, else the catalog's.
        var trigger: String { state.cronOverride ?? job.cron }
        /// nil when paused (or when the cron can never fire).
        let nextRunTime: Date?
    }

    let pool: PostgresPool
    let timeZone: TimeZone

    /// The views in catalog order.
    func views(at now: Date, jobs: [JobDefinition] = JobCatalog.all) async throws -> [View] {
        let rows = try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT job_id, is_enabled, cron_override, last_outcome, last_fired_at
                  FROM scheduler_job_state WHERE job_id = ANY($1::text[])
                """, [jobs.map(\.id)])
        }
        var states: [String: State] = [:]
        for row in rows {
            states[try row.decode(String.self, "job_id")] = State(
                enabled: try row.decode(Bool.self, "is_enabled"), cronOverride: try row.decode(String?.self, "cron_override"),
                lastOutcome: try row.decode(String?.self, "last_outcome"), lastFiredAt: try row.decode(Date?.self, "last_fired_at"))
        }
        return jobs.map { job in
            let state = states[job.id] ?? State()
            let cron = state.cronOverride ?? job.cron
            let next = state.enabled ? (try? CronExpression(cron))?.nextFireDate(after: now, in: timeZone) : nil
            return View(job: job, state: state, nextRunTime: next)
        }
    }

    /// Soonest first; jobs without a next time (impossible cron) after them; paused jobs last; catalog order on ties.
    static func byNextRun(_ views: [View]) -> [View] {
        views.enumerated().sorted { lhs, rhs in
            func key(_ entry: (offset: Int, element: View)) -> (Int, Double, Int) {
                let view = entry.element
                let rank = !view.state.enabled ? 2 : (view.nextRunTime == nil ? 1 : 0)
                return (rank, view.nextRunTime?.timeIntervalSince1970 ?? 0, entry.offset)
            }
            return key(lhs) < key(rhs)
        }.map(\.element)
    }
}
