import Foundation
import PMSBus
import Synchronization

/// The metrics of every job, shared between the run-event consumer and the HTTP handlers.
///
/// Starts empty and not loaded: live runs that arrive before the rebuild from `job_runs` is loaded wait
/// in a buffer, and are applied on top of it — except those the rebuild already holds (same run id),
/// so a run that finished while the history was being read is counted once.
public final class MetricsStore: Sendable {
    /// What became of one finished run handed to `record`.
    public enum Outcome: Sendable, Equatable {
        case counted
        /// Its run id is already among the job's last finished runs (redelivery, or loaded by the rebuild).
        case duplicate
        /// Held until the rebuild is loaded.
        case pending
    }

    /// At most this many live runs wait for the rebuild; beyond it the oldest are dropped (and logged by the caller).
    public static let pendingLimit = 100_000

    private struct State {
        var records: [String: JobRecord] = [:]
        var loaded = false
        var pending: [(jobID: String, run: FinishedRun)] = []
        var droppedWhilePending = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var isLoaded: Bool { state.withLock { $0.loaded } }

    /// A finished run of `jobID`.
    @discardableResult
    public func record(jobID: String, run: FinishedRun) -> Outcome {
        state.withLock { state in
            guard state.loaded else {
                if state.pending.count >= Self.pendingLimit {
                    state.pending.removeFirst()
                    state.droppedWhilePending += 1
                }
                state.pending.append((jobID, run))
                return .pending
            }
            return Self.apply(run, of: jobID, to: &state.records) ? .counted : .duplicate
        }
    }

    /// A run event from the bus; `queued` and `started` change nothing and give nil.
    @discardableResult
    public func record(_ event: RunEvent, kind: RunEventKind) -> Outcome? {
        guard kind == .succeeded || kind == .failed || kind == .skipped else { return nil }
        let run = FinishedRun(runID: event.runID, outcome: kind, trigger: event.trigger, at: event.at,
                              durationMS: event.durationMS, error: event.error)
        return record(jobID: event.jobID, run: run)
    }

    /// Installs the rebuilt records, then applies the live runs that waited for them.
    /// Returns how many waiting runs were counted, were already in the rebuild, and were dropped.
    @discardableResult
    public func load(_ records: [String: JobRecord]) -> (counted: Int, duplicates: Int, dropped: Int) {
        state.withLock { state in
            state.records = records
            var counted = 0, duplicates = 0
            for (jobID, run) in state.pending {
                if Self.apply(run, of: jobID, to: &state.records) { counted += 1 } else { duplicates += 1 }
            }
            let dropped = state.droppedWhilePending
            state.pending = []
            state.droppedWhilePending = 0
            state.loaded = true
            return (counted, duplicates, dropped)
        }
    }

    /// A copy of every job's record (cheap: the windows are shared until written).
    public func records() -> [String: JobRecord] { state.withLock { $0.records } }

    public func record(for jobID: String) -> JobRecord? { state.withLock { $0.records[jobID] } }

    private static func apply(_ run: FinishedRun, of jobID: String, to records: inout [String: JobRecord]) -> Bool {
        records[jobID, default: JobRecord(jobID: jobID)].record(run)
    }
}
