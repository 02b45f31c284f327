import Foundation
import Logging
import PMSBus
import PMSCatalog
import PMSPostgres
import PMSRuntime

/// The leader's loop: tick every due cron slot once (catching up what was missed while no scheduler
/// ran, within the grace window), honour pause and the overlap policy, and supervise runs (timeouts,
/// re-sends, retries, pruning). All state lives in PostgreSQL, so a restarted or new leader resumes.
public struct SchedulerEngine: Sendable {
    public let jobs: [JobDefinition]
    public let dispatcher: TickDispatcher
    public let supervisor: RunSupervisor
    public let leadership: Leadership
    public let policy: SchedulerPolicy
    public let clock: any SchedulerClock
    public let logger: Logger

    public init(jobs: [JobDefinition], dispatcher: TickDispatcher, supervisor: RunSupervisor, leadership: Leadership,
                policy: SchedulerPolicy, clock: any SchedulerClock, logger: Logger) {
        self.jobs = jobs; self.dispatcher = dispatcher; self.supervisor = supervisor; self.leadership = leadership
        self.policy = policy; self.clock = clock; self.logger = logger
    }

    public func run() async {
        while !Task.isCancelled {
            let now = clock.now()
            var wake = now.addingTimeInterval(policy.supervisionInterval)
            if let since = await leadership.leaderSince {
                do {
                    // Supervise first: a run that just timed out no longer blocks its next slot.
                    try await supervisor.pass(now: now)
                    if let next = try await firePass(now: now, since: since) { wake = min(wake, next) }
                } catch {
                    logger.error("scheduler pass failed; retrying", metadata: ["event": "pass_failed", "error": "\(error)"])
                }
            } else {
                // Followers watch the lock in real time, whatever the clock (a test clock may stand still).
                try? await Task.sleep(nanoseconds: 100_000_000)
                continue
            }
            await clock.sleep(until: wake)
        }
    }

    struct JobState: Sendable {
        let enabled: Bool
        let cronOverride: String?
        let lastScheduled: Date?
        let overlapQueue: Bool
    }

    /// One pass over every job; returns the earliest next slot.
    func firePass(now: Date, since: Date) async throws -> Date? {
        let (states, busy) = try await loadState()
        var earliest: Date?
        for job in jobs {
            let state = states[job.id]
            let schedule = state?.cronOverride.flatMap { try? CronExpression($0) } ?? job.schedule
            let timeZone = dispatcher.timeZone
            if let next = schedule.nextFireDate(after: now, in: timeZone) { earliest = min(earliest ?? next, next) }
            let decision = SlotPlanner.decide(schedule: schedule, last: state?.lastScheduled, since: since, now: now,
                                              grace: policy.grace(for: job), timeZone: timeZone)
            let following = schedule.nextFireDate(after: now, in: timeZone)
            do {
                switch decision {
                case .nothingDue:
                    continue
                case .missed(let slot, let coalesced):
                    logCoalesced(job, coalesced)
                    try await dispatcher.skip(job, scheduledFor: slot, reason: "missed", nextFireAt: following)
                case .fire(let slot, let trigger, let coalesced):
                    logCoalesced(job, coalesced)
                    if state?.enabled == false {
                        try await dispatcher.passOver(job, slot: slot, nextFireAt: following)
                        logger.info("job paused; slot not ticked", metadata: ["event": "paused", "job": "\(job.id)"])
                    } else if busy.contains(job.id) {
                        if state?.overlapQueue == true { continue }  // sent once the previous run ends
                        try await dispatcher.skip(job, scheduledFor: slot, reason: "overlap", nextFireAt: following)
                    } else {
                        try await dispatcher.dispatch(job, scheduledFor: slot, trigger: trigger, nextFireAt: following)
                    }
                }
            } catch is TickDispatcher.SlotTaken {
                continue  // another replica (or an earlier pass) ticked it
            }
        }
        return earliest
    }

    private func logCoalesced(_ job: JobDefinition, _ coalesced: Int) {
        guard coalesced > 0 else { return }
        logger.warning("missed slots coalesced into one", metadata: ["event": "coalesced", "job": "\(job.id)", "slots": "\(coalesced + 1)"])
    }

    private func loadState() async throws -> ([String: JobState], Set<String>) {
        try await dispatcher.pool.withConnection { connection in
            let rows = try await connection.query(
                "SELECT job_id, is_enabled, cron_override, last_scheduled_for, overlap_policy FROM scheduler_job_state")
            var states: [String: JobState] = [:]
            for row in rows {
                states[try row.decode(String.self, "job_id")] = JobState(
                    enabled: try row.decode(Bool.self, "is_enabled"), cronOverride: try row.decode(String?.self, "cron_override"),
                    lastScheduled: try row.decode(Date?.self, "last_scheduled_for"),
                    overlapQueue: try row.decode(String.self, "overlap_policy") == "queue")
            }
            let busy = Set(try await connection.query(
                "SELECT DISTINCT job_id FROM job_runs WHERE status IN ('queued','started')").map { try $0.decode(String.self, "job_id") })
            return (states, busy)
        }
    }
}
