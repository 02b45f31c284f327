import Foundation
import PMSBus

/// One finished run as the window keeps it.
public struct FinishedRun: Sendable, Equatable {
    public let runID: UUID
    public let outcome: RunEventKind
    public let trigger: RunTrigger
    public let at: Date
    /// Nil when the run reported none (e.g. a skipped slot, or a timeout failure reported by the scheduler).
    public let durationMS: Double?
    public let error: String?

    public init(runID: UUID, outcome: RunEventKind, trigger: RunTrigger, at: Date, durationMS: Double?,
                error: String? = nil) {
        self.runID = runID; self.outcome = outcome; self.trigger = trigger; self.at = at
        self.durationMS = durationMS; self.error = error
    }

    /// Whether its duration is a sample of the statistics: successes and failures, as in the original.
    public var isSample: Bool { durationMS != nil && (outcome == .succeeded || outcome == .failed) }
}

/// The last `capacity` finished runs of one job, oldest first, with their run ids for de-duplication
/// (a run seen in the rebuild and again live, or a redelivered event, is recognised by its id).
public struct RunWindow: Sendable {
    public static let defaultCapacity = 1000

    public let capacity: Int
    private var ring: [FinishedRun] = []
    /// Index of the oldest entry once the ring is full.
    private var head = 0
    private var ids: Set<UUID> = []

    public init(capacity: Int = RunWindow.defaultCapacity) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
    }

    public var count: Int { ring.count }

    public func contains(_ runID: UUID) -> Bool { ids.contains(runID) }

    /// Appends `run`, dropping the oldest when full.
    public mutating func append(_ run: FinishedRun) {
        if ring.count < capacity {
            ring.append(run)
        } else {
            ids.remove(ring[head].runID)
            ring[head] = run
            head = (head + 1) % capacity
        }
        ids.insert(run.runID)
    }

    /// The runs, oldest first.
    public var runs: [FinishedRun] { Array(ring[head...] + ring[..<head]) }

    /// The durations of the runs that are samples, oldest first.
    public var samples: [Double] { runs.compactMap { $0.isSample ? $0.durationMS : nil } }
}
