import Foundation
import PMSCatalog

/// The next slot of every job, advanced as time passes: which slots fall due by a given moment.
/// Pure (time is an input), so the loop around it stays trivial and the plan is testable.
public struct CronPlan: Sendable {
    public struct Slot: Sendable, Equatable {
        public let job: JobDefinition
        public let scheduledFor: Date
        public let following: Date?
    }

    private let schedules: [(job: JobDefinition, schedule: CronExpression)]
    private var next: [String: Date]
    public let timeZone: TimeZone

    /// Slots strictly after `start` are planned.
    public init(jobs: [JobDefinition], after start: Date, timeZone: TimeZone) {
        self.schedules = jobs.map { ($0, $0.schedule) }
        self.timeZone = timeZone
        self.next = Dictionary(uniqueKeysWithValues: schedules.compactMap { entry in
            entry.schedule.nextFireDate(after: start, in: timeZone).map { (entry.job.id, $0) }
        })
    }

    /// The earliest planned slot of any job.
    public var nextSlot: Date? { next.values.min() }

    /// Every slot at or before `now`, in time order (one per job and slot), and plans the next ones.
    public mutating func takeDue(at now: Date) -> [Slot] {
        var due: [Slot] = []
        for (job, schedule) in schedules {
            while let slot = next[job.id], slot <= now {
                let following = schedule.nextFireDate(after: slot, in: timeZone)
                due.append(Slot(job: job, scheduledFor: slot, following: following))
                next[job.id] = following
            }
        }
        return due.sorted { ($0.scheduledFor, $0.job.id) < ($1.scheduledFor, $1.job.id) }
    }
}
