import Foundation
import PMSBus
import PMSCatalog

/// What a job's schedule owes at a moment: the slots since the last one ticked, coalesced into the
/// latest. Pure (time is an input).
public enum SlotPlanner {
    public enum Decision: Sendable, Equatable {
        case nothingDue
        /// Tick the latest due slot; `coalesced` earlier due slots are folded into it.
        case fire(slot: Date, trigger: RunTrigger, coalesced: Int)
        /// The latest due slot was missed beyond the catch-up grace: record it as missed.
        case missed(slot: Date, coalesced: Int)
    }

    /// - Parameters:
    ///   - last: the slot last ticked (persisted), or nil when the job never ran: then only slots after
    ///     `since` count, so a first start does not replay history.
    ///   - since: when this replica became the one that fires; later slots are on time (`cron`), earlier
    ///     ones were missed while no scheduler ran (`catchup` within `grace`, else `missed`).
    public static func decide(schedule: CronExpression, last: Date?, since: Date, now: Date, grace: Double,
                              timeZone: TimeZone) -> Decision {
        let from = last ?? since
        var due: [Date] = []
        var cursor = from
        // Bounded: a job far behind (e.g. a year of hourly slots) is coalesced anyway.
        while due.count < 100_000, let slot = schedule.nextFireDate(after: cursor, in: timeZone), slot <= now {
            due.append(slot)
            cursor = slot
        }
        guard let latest = due.last else { return .nothingDue }
        if latest > since { return .fire(slot: latest, trigger: .cron, coalesced: due.count - 1) }
        if now.timeIntervalSince(latest) <= grace { return .fire(slot: latest, trigger: .catchup, coalesced: due.count - 1) }
        return .missed(slot: latest, coalesced: due.count - 1)
    }
}
