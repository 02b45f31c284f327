import Foundation
import PMSCatalog
import PMSPostgres

/// The operator's knobs of the scheduler, with the defaults.
public struct SchedulerPolicy: Sendable {
    /// Catch-up window for a missed slot; nil = the job's SLA seconds, at least 5 minutes.
    public var catchUpGrace: Double?
    /// A queued tick that no service started within this many seconds is re-sent once (same run id).
    public var resendAfter: Double = 30
    /// Attempts in all (the first run included) for jobs whose SLA says retry_on_failure.
    public var maxAttempts: Int = 3
    /// Delay before the first retry; each later one doubles, plus up to 20 % jitter.
    public var retryBaseDelay: Double = 60
    /// Run history (job_runs, executed_runs) older than this is pruned.
    public var historyRetentionDays: Int = 90
    /// How often the leader looks at runs (timeouts, re-sends, retries) between cron slots.
    public var supervisionInterval: Double = 5

    public init() {}

    public func grace(for job: JobDefinition) -> Double {
        catchUpGrace ?? Double(max(job.slaSeconds, 300))
    }

    /// Delay before retrying after failed attempt `attempt` (1-based); the jitter is derived from the run
    /// id, so replicas agree and tests can bound it.
    public func retryDelay(afterAttempt attempt: Int, runID: UUID) -> Double {
        let base = retryBaseDelay * pow(2, Double(max(attempt - 1, 0)))
        let jitter = Double(abs(advisoryLockKey(runID.uuidString) % 1000)) / 1000 * 0.2
        return base * (1 + jitter)
    }
}
