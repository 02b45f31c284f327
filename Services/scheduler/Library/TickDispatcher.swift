import Foundation
import Logging
import PMSBus
import PMSCatalog
import PMSPostgres
import PMSRuntime

/// Queues one run of a job: a `job_runs` row, the job's state, the tick and a `queued` event, all in
/// one transaction (the tick leaves through the scheduler's outbox).
public struct TickDispatcher: Sendable {
    public let pool: PostgresPool
    public let topics: Topics
    public let timeZone: TimeZone
    public let instance: String
    public let logger: Logger

    public init(pool: PostgresPool, topics: Topics, timeZone: TimeZone, instance: String, logger: Logger) {
        self.pool = pool; self.topics = topics; self.timeZone = timeZone; self.instance = instance; self.logger = logger
    }

    /// Whether the job is enabled in `scheduler_job_state` (a disabled job is not ticked).
    public func isEnabled(_ jobID: String) async throws -> Bool {
        try await pool.withConnection { connection in
            try await connection.query("SELECT is_enabled FROM scheduler_job_state WHERE job_id = $1", [jobID])
                .first?.decode(Bool.self, "is_enabled") ?? true
        }
    }

    @discardableResult
    public func dispatch(_ job: JobDefinition, scheduledFor: Date, trigger: RunTrigger, requestedBy: String? = nil,
                         params: [String: JSONValue]? = nil, nextFireAt: Date? = nil) async throws -> TickMessage {
        let tick = TickMessage(runID: UUID(), jobID: job.id, scheduledFor: scheduledFor, trigger: trigger, attempt: 1,
                               requestedBy: requestedBy, params: params)
        let paramsJSON = try params.map { String(decoding: try BusCoding.encode($0), as: UTF8.self) }
        let queued = RunEvent(runID: tick.runID, jobID: job.id, domain: job.domain, instance: instance,
                              trigger: trigger, at: Date())
        try await pool.transaction { connection in
            let now = Date()
            try await connection.execute(
                """
                INSERT INTO job_runs (run_id, job_id, domain, trigger, attempt, requested_by, params, scheduled_for,
                                      status, queued_at, created_at, updated_at)
                VALUES ($1, $2, $3, $4, 1, $5, $6::jsonb, $7, 'queued', $8, $8, $8)
                """, [tick.runID, job.id, job.domain.rawValue, trigger.rawValue, requestedBy, paramsJSON, scheduledFor, now])
            if trigger == .cron {
                try await connection.execute(
                    """
                    UPDATE scheduler_job_state
                       SET last_scheduled_for = $2, last_fired_at = $3, next_fire_at = $4, last_run_id = $5, updated_at = $3
                     WHERE job_id = $1
                    """, [job.id, scheduledFor, now, nextFireAt, tick.runID])
            }
            let outbox = Outbox(producer: "scheduler", connection: connection, timeZone: self.timeZone)
            try await outbox.enqueue(topic: self.topics.tick(domain: job.domain, jobID: job.id), message: tick)
            try await outbox.enqueue(topic: self.topics.run(jobID: job.id, event: .queued), message: queued)
        }
        logger.info("tick queued", metadata: [
            "event": "queued", "job": "\(job.id)", "run_id": "\(tick.runID.uuidString.lowercased())",
            "trigger": "\(trigger.rawValue)", "scheduled_for": "\(RFC3339.format(scheduledFor, in: timeZone))"])
        return tick
    }
}
