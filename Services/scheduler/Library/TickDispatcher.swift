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
    public let clock: any SchedulerClock

    public init(pool: PostgresPool, topics: Topics, timeZone: TimeZone, instance: String, logger: Logger,
                clock: any SchedulerClock = SystemClock()) {
        self.pool = pool; self.topics = topics; self.timeZone = timeZone; self.instance = instance; self.logger = logger
        self.clock = clock
    }

    /// A cron or catch-up slot that another replica (or an earlier pass) already took.
    public struct SlotTaken: Error, CustomStringConvertible {
        public let jobID: String
        public var description: String { "slot of \(jobID) already taken" }
    }

    /// Whether the job is enabled in `scheduler_job_state` (a disabled job is not ticked).
    public func isEnabled(_ jobID: String) async throws -> Bool {
        try await pool.withConnection { connection in
            try await connection.query("SELECT is_enabled FROM scheduler_job_state WHERE job_id = $1", [jobID])
                .first?.decode(Bool.self, "is_enabled") ?? true
        }
    }

    /// Queues a run. Cron and catch-up runs claim their slot in `scheduler_job_state` first: a slot is
    /// ticked once, whichever replica gets there, or `SlotTaken` is thrown and nothing is written.
    @discardableResult
    public func dispatch(_ job: JobDefinition, scheduledFor: Date, trigger: RunTrigger, requestedBy: String? = nil,
                         params: [String: JSONValue]? = nil, nextFireAt: Date? = nil, attempt: Int = 1,
                         retryOf: UUID? = nil) async throws -> TickMessage {
        let tick = TickMessage(runID: UUID(), jobID: job.id, scheduledFor: scheduledFor, trigger: trigger, attempt: attempt,
                               requestedBy: requestedBy, params: params)
        let paramsJSON = try params.map { String(decoding: try BusCoding.encode($0), as: UTF8.self) }
        let now = clock.now()
        let queued = RunEvent(runID: tick.runID, jobID: job.id, domain: job.domain, instance: instance, trigger: trigger, at: now)
        try await pool.transaction { connection in
            if trigger == .cron || trigger == .catchup {
                try await self.claim(job, slot: scheduledFor, next: nextFireAt, runID: tick.runID, now: now, on: connection)
            }
            try await connection.execute(
                """
                INSERT INTO job_runs (run_id, job_id, domain, trigger, attempt, retry_of, requested_by, params, scheduled_for,
                                      status, queued_at, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, 'queued', $10, $10, $10)
                """, [tick.runID, job.id, job.domain.rawValue, trigger.rawValue, attempt, retryOf, requestedBy, paramsJSON,
                      scheduledFor, now])
            let outbox = Outbox(producer: "scheduler", connection: connection, timeZone: self.timeZone)
            try await outbox.enqueue(topic: self.topics.tick(domain: job.domain, jobID: job.id), message: tick)
            try await outbox.enqueue(topic: self.topics.run(jobID: job.id, event: .queued), message: queued)
        }
        logger.info("tick queued", metadata: [
            "event": "queued", "job": "\(job.id)", "run_id": "\(tick.runID.uuidString.lowercased())",
            "trigger": "\(trigger.rawValue)", "attempt": "\(attempt)",
            "scheduled_for": "\(RFC3339.format(scheduledFor, in: timeZone))"])
        return tick
    }

    /// Records a slot that is not run (`missed`: too late to catch up; `overlap`: the previous run is
    /// still going) as a skipped run, and moves the job past it.
    public func skip(_ job: JobDefinition, scheduledFor: Date, reason: String, nextFireAt: Date?) async throws {
        let runID = UUID()
        let now = clock.now()
        let event = RunEvent(runID: runID, jobID: job.id, domain: job.domain, instance: instance, trigger: .cron, at: now,
                             error: reason)
        try await pool.transaction { connection in
            try await self.claim(job, slot: scheduledFor, next: nextFireAt, runID: runID, now: now, on: connection)
            try await connection.execute(
                """
                INSERT INTO job_runs (run_id, job_id, domain, trigger, attempt, scheduled_for, status, error, queued_at,
                                      finished_at, created_at, updated_at)
                VALUES ($1, $2, $3, 'cron', 1, $4, 'skipped', $5, $6, $6, $6, $6)
                """, [runID, job.id, job.domain.rawValue, scheduledFor, reason, now])
            try await connection.execute(
                "UPDATE scheduler_job_state SET last_outcome = 'skipped' WHERE job_id = $1", [job.id])
            try await Outbox(producer: "scheduler", connection: connection, timeZone: self.timeZone)
                .enqueue(topic: self.topics.run(jobID: job.id, event: .skipped), message: event)
        }
        logger.warning("slot skipped", metadata: [
            "event": "skipped", "job": "\(job.id)", "reason": "\(reason)",
            "scheduled_for": "\(RFC3339.format(scheduledFor, in: timeZone))"])
    }

    /// Moves a paused job past a slot without running it, so resuming does not replay the pause.
    public func passOver(_ job: JobDefinition, slot: Date, nextFireAt: Date?) async throws {
        let now = clock.now()
        try await pool.transaction { connection in
            try await self.claim(job, slot: slot, next: nextFireAt, runID: nil, now: now, fired: false, on: connection)
        }
    }

    private func claim(_ job: JobDefinition, slot: Date, next: Date?, runID: UUID?, now: Date, fired: Bool = true,
                       on connection: PostgresConnection) async throws {
        let claimed = try await connection.execute(
            """
            UPDATE scheduler_job_state
               SET last_scheduled_for = $2, last_fired_at = CASE WHEN $6 THEN $3 ELSE last_fired_at END,
                   next_fire_at = $4, last_run_id = coalesce($5, last_run_id), updated_at = $3
             WHERE job_id = $1 AND (last_scheduled_for IS NULL OR last_scheduled_for < $2)
            """, [job.id, slot, now, next, runID, fired])
        guard claimed == 1 else { throw SlotTaken(jobID: job.id) }
    }
}
