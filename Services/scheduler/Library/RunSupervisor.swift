import Foundation
import Synchronization
import Logging
import PMSBus
import PMSCatalog
import PMSPostgres
import PMSRuntime

/// Watches queued and failed runs: a run with no outcome after its SLA is failed with `timeout`; a
/// tick nobody started is re-sent once with the same run id; a failed run of a retrying job is retried
/// with growing delays until its last attempt; old history is pruned.
public struct RunSupervisor: Sendable {
    public let dispatcher: TickDispatcher
    public let policy: SchedulerPolicy
    public let logger: Logger
    private let catalog: [String: JobDefinition]
    private let lastPrune = PruneMark()

    public init(dispatcher: TickDispatcher, policy: SchedulerPolicy, jobs: [JobDefinition] = JobCatalog.all, logger: Logger) {
        self.dispatcher = dispatcher; self.policy = policy; self.logger = logger
        self.catalog = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
    }

    public func pass(now: Date) async throws {
        try await failTimedOut(now: now)
        try await resendUnstarted(now: now)
        try await retryFailed(now: now)
        if lastPrune.due(now: now) { try await prune(now: now) }
    }

    /// Runs queued longer than their job's SLA without an outcome → failed, reason `timeout`, published.
    func failTimedOut(now: Date) async throws {
        let ids = PostgresTextArray(catalog.keys.sorted())
        let slas = "{" + catalog.keys.sorted().map { String(catalog[$0]!.slaSeconds) }.joined(separator: ",") + "}"
        try await dispatcher.pool.transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE job_runs r
                   SET status = 'failed', error = 'timeout', finished_at = $3, updated_at = $3
                  FROM unnest($1::text[], $2::int[]) AS sla(job_id, seconds)
                 WHERE sla.job_id = r.job_id AND r.status IN ('queued','started')
                   AND r.queued_at + make_interval(secs => sla.seconds) < $3
                RETURNING r.run_id, r.job_id, r.domain, r.trigger, r.instance
                """, [ids, slas, now])
            let outbox = Outbox(producer: "scheduler", connection: connection, timeZone: self.dispatcher.timeZone)
            for row in rows {
                let jobID = try row.decode(String.self, "job_id")
                let event = RunEvent(
                    runID: try row.decode(UUID.self, "run_id"), jobID: jobID,
                    domain: Domain(rawValue: try row.decode(String.self, "domain")) ?? .shortage,
                    instance: try row.decode(String?.self, "instance") ?? self.dispatcher.instance,
                    trigger: RunTrigger(rawValue: try row.decode(String.self, "trigger")) ?? .cron, at: now, error: "timeout")
                try await outbox.enqueue(topic: self.dispatcher.topics.run(jobID: jobID, event: .failed), message: event)
                try await connection.execute("UPDATE scheduler_job_state SET last_outcome = 'failed' WHERE job_id = $1", [jobID])
                self.logger.error("run timed out", metadata: ["event": "timeout", "job": "\(jobID)", "run_id": "\(event.runID)"])
            }
        }
    }

    /// A tick no service answered with `started` in time is sent again, once, with the same run id
    /// (the domain's run-id record keeps it single).
    func resendUnstarted(now: Date) async throws {
        try await dispatcher.pool.transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE job_runs SET resent_at = $1, updated_at = $1
                 WHERE status = 'queued' AND started_at IS NULL AND resent_at IS NULL
                   AND queued_at + make_interval(secs => $2) < $1
                RETURNING run_id, job_id, domain, trigger, attempt, requested_by, params::text AS params, scheduled_for
                """, [now, self.policy.resendAfter])
            let outbox = Outbox(producer: "scheduler", connection: connection, timeZone: self.dispatcher.timeZone)
            for row in rows {
                let jobID = try row.decode(String.self, "job_id")
                guard let domain = Domain(rawValue: try row.decode(String.self, "domain")) else { continue }
                let params = try row.decode(String?.self, "params").map {
                    try BusCoding.decode([String: JSONValue].self, from: Array($0.utf8))
                }
                let tick = TickMessage(
                    runID: try row.decode(UUID.self, "run_id"), jobID: jobID, scheduledFor: try row.decode(Date.self, "scheduled_for"),
                    trigger: RunTrigger(rawValue: try row.decode(String.self, "trigger")) ?? .cron,
                    attempt: try row.decode(Int.self, "attempt"), requestedBy: try row.decode(String?.self, "requested_by"),
                    params: params)
                try await outbox.enqueue(topic: self.dispatcher.topics.tick(domain: domain, jobID: jobID), message: tick)
                self.logger.warning("tick not started in time; re-sent once", metadata: ["event": "resent", "job": "\(jobID)", "run_id": "\(tick.runID)"])
            }
        }
    }

    /// Failed runs of retrying jobs, whose backoff has passed, get their next attempt (`trigger: retry`).
    func retryFailed(now: Date) async throws {
        let retrying = PostgresTextArray(catalog.values.filter(\.retryOnFailure).map(\.id).sorted())
        let rows = try await dispatcher.pool.withConnection { connection in
            try await connection.query(
                """
                SELECT r.run_id, r.job_id, r.attempt, r.scheduled_for, r.requested_by, r.params::text AS params, r.finished_at
                  FROM job_runs r
                 WHERE r.status = 'failed' AND r.job_id = ANY($1::text[]) AND r.attempt < $2
                   AND r.finished_at > $3::timestamptz - interval '1 day'
                   AND NOT EXISTS (SELECT 1 FROM job_runs x WHERE x.retry_of = r.run_id)
                """, [retrying, self.policy.maxAttempts, now])
        }
        for row in rows {
            let runID = try row.decode(UUID.self, "run_id"), attempt = try row.decode(Int.self, "attempt")
            guard let job = catalog[try row.decode(String.self, "job_id")],
                  let finished = try row.decode(Date?.self, "finished_at") else { continue }
            guard now >= finished.addingTimeInterval(policy.retryDelay(afterAttempt: attempt, runID: runID)) else { continue }
            let params = try row.decode(String?.self, "params").map { try BusCoding.decode([String: JSONValue].self, from: Array($0.utf8)) }
            do {
                try await dispatcher.dispatch(job, scheduledFor: try row.decode(Date.self, "scheduled_for"), trigger: .retry,
                                              requestedBy: try row.decode(String?.self, "requested_by"), params: params,
                                              attempt: attempt + 1, retryOf: runID)
            } catch let error as PostgresError where error.sqlState == "23505" {
                continue  // another replica retried it first
            }
        }
    }

    func prune(now: Date) async throws {
        let cutoff = now.addingTimeInterval(-Double(policy.historyRetentionDays) * 86_400)
        let weekAgo = now.addingTimeInterval(-7 * 86_400)
        try await dispatcher.pool.withConnection { connection in
            let runs = try await connection.execute("DELETE FROM job_runs WHERE created_at < $1", [cutoff])
            let executed = try await connection.execute("DELETE FROM executed_runs WHERE created_at < $1", [cutoff])
            let events = try await connection.execute("DELETE FROM outbox WHERE published_at < $1", [weekAgo])
            if runs + executed + events > 0 {
                self.logger.info("history pruned", metadata: [
                    "event": "pruned", "job_runs": "\(runs)", "executed_runs": "\(executed)", "outbox": "\(events)"])
            }
        }
    }
}

/// Pruning runs at most hourly.
final class PruneMark: Sendable {
    private let last = Mutex<Date?>(nil)
    func due(now: Date) -> Bool {
        last.withLock { last in
            if let previous = last, now.timeIntervalSince(previous) < 3600 { return false }
            last = now
            return true
        }
    }
}
