import Foundation
import Logging
import PMSBus
import PMSCatalog
import PMSRuntime

/// Fires every catalog job at its cron slots in the configured zone: one tick per due slot, while this
/// replica is the leader. Slots that passed while no leader ran are not caught up here.
public struct CronLoop: Sendable {
    public let jobs: [JobDefinition]
    public let dispatcher: TickDispatcher
    public let leadership: Leadership
    public let timeZone: TimeZone
    public let logger: Logger

    public init(jobs: [JobDefinition], dispatcher: TickDispatcher, leadership: Leadership, timeZone: TimeZone, logger: Logger) {
        self.jobs = jobs; self.dispatcher = dispatcher; self.leadership = leadership; self.timeZone = timeZone; self.logger = logger
    }

    public func run() async {
        let schedules = jobs.map { ($0, $0.schedule) }
        var next: [String: Date] = [:]
        var cursor = Date()
        for (job, schedule) in schedules { next[job.id] = schedule.nextFireDate(after: cursor, in: timeZone) }
        while !Task.isCancelled {
            let earliest = next.values.min() ?? cursor.addingTimeInterval(60)
            let wait = earliest.timeIntervalSinceNow
            if wait > 0 {
                try? await Task.sleep(nanoseconds: UInt64(min(wait, 30) * 1_000_000_000))
                continue
            }
            cursor = earliest
            for (job, schedule) in schedules where next[job.id] == earliest {
                let following = schedule.nextFireDate(after: earliest, in: timeZone)
                next[job.id] = following
                guard await leadership.isLeader else { continue }
                do {
                    guard try await dispatcher.isEnabled(job.id) else {
                        logger.info("job paused; slot not ticked", metadata: ["event": "paused", "job": "\(job.id)"])
                        continue
                    }
                    try await dispatcher.dispatch(job, scheduledFor: earliest, trigger: .cron, nextFireAt: following)
                } catch {
                    logger.error("tick not queued", metadata: ["event": "dispatch_failed", "job": "\(job.id)", "error": "\(error)"])
                }
            }
        }
    }
}
