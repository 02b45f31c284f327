import Foundation
import Logging
import PMSBus
import PMSCatalog
import PMSRuntime

/// Fires every catalog job at its cron slots in the configured zone: one tick per due slot, while this
/// replica is the leader. Slots that passed while no scheduler ran are not caught up (yet).
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
        var plan = CronPlan(jobs: jobs, after: Date(), timeZone: timeZone)
        while !Task.isCancelled {
            let wait = (plan.nextSlot ?? Date().addingTimeInterval(60)).timeIntervalSinceNow
            if wait > 0 {
                // Wake at least every 30 s, so a clock jump is noticed.
                try? await Task.sleep(nanoseconds: UInt64(min(wait, 30) * 1_000_000_000))
                continue
            }
            for slot in plan.takeDue(at: Date()) {
                await fire(slot)
            }
        }
    }

    func fire(_ slot: CronPlan.Slot) async {
        guard await leadership.isLeader else { return }
        do {
            guard try await dispatcher.isEnabled(slot.job.id) else {
                logger.info("job paused; slot not ticked", metadata: ["event": "paused", "job": "\(slot.job.id)"])
                return
            }
            try await dispatcher.dispatch(slot.job, scheduledFor: slot.scheduledFor, trigger: .cron, nextFireAt: slot.following)
        } catch {
            logger.error("tick not queued", metadata: ["event": "dispatch_failed", "job": "\(slot.job.id)", "error": "\(error)"])
        }
    }
}
