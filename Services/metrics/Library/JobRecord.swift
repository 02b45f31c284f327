import Foundation
import PMSBus

/// Everything pms-metrics knows about one job: all-time counters (rebuilt from `job_runs` at start, then
/// counted live), the duration histogram, the window of the last 1,000 finished runs (durations for the
/// statistics and the sparkline), the last run, the last success and the current failure streak.
public struct JobRecord: Sendable {
    /// Upper bounds (seconds) of the `scheduler_job_duration_seconds` histogram buckets; `+Inf` is implied.
    public static let durationBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800]

    public let jobID: String
    /// Finished runs by outcome: succeeded, failed, skipped (all history).
    public internal(set) var outcomes: [RunEventKind: Int] = [:]
    /// Finished runs by trigger: cron, manual, catchup, retry (all history).
    public internal(set) var triggers: [RunTrigger: Int] = [:]
    /// Succeeded and failed runs with a duration (all history): the histogram's `_count`.
    public internal(set) var timedRuns = 0
    /// Sum of their durations in milliseconds: the histogram's `_sum` (in seconds there).
    public internal(set) var durationSumMS = 0.0
    /// Cumulative counts per `durationBuckets` bound (runs with duration ≤ bound).
    public internal(set) var bucketCounts: [Int] = Array(repeating: 0, count: JobRecord.durationBuckets.count)
    public internal(set) var window = RunWindow()
    /// The latest finished run, whatever its outcome.
    public internal(set) var lastRun: FinishedRun?
    /// The latest succeeded or failed run (the original's `last_status`, `last_duration_ms`, `last_timestamp`).
    public internal(set) var lastCompleted: FinishedRun?
    public internal(set) var lastSuccessAt: Date?
    /// Failed runs since the last success (skipped runs neither count nor reset).
    public internal(set) var consecutiveFailures = 0

    public init(jobID: String) { self.jobID = jobID }

    public var successCount: Int { outcomes[.succeeded, default: 0] }
    public var failureCount: Int { outcomes[.failed, default: 0] }
    public var skippedCount: Int { outcomes[.skipped, default: 0] }
    public var finishedRuns: Int { outcomes.values.reduce(0, +) }

    /// Statistics over the durations of the window (the last 1,000 finished runs).
    public var statistics: JobStatistics { JobStatistics(samples: window.samples) }

    /// All-time mean duration of succeeded and failed runs, nil before the first one.
    public var averageDurationMS: Double? { timedRuns == 0 ? nil : durationSumMS / Double(timedRuns) }

    /// A live run: counted and remembered. Returns false (and changes nothing) for a run already known.
    @discardableResult
    public mutating func record(_ run: FinishedRun) -> Bool {
        guard !window.contains(run.runID) else { return false }
        remember(run)
        count(run)
        return true
    }

    /// Adds `run` to the counters, the histogram, the last success and the failure streak.
    mutating func count(_ run: FinishedRun) {
        outcomes[run.outcome, default: 0] += 1
        triggers[run.trigger, default: 0] += 1
        if run.isSample, let ms = run.durationMS {
            timedRuns += 1
            durationSumMS += ms
            for (index, bound) in Self.durationBuckets.enumerated() where Self.fits(ms, bound) { bucketCounts[index] += 1 }
        }
        switch run.outcome {
        case .succeeded:
            if lastSuccessAt.map({ run.at >= $0 }) ?? true {
                lastSuccessAt = run.at
                // Failures that happened after this success but were heard of before it still count.
                consecutiveFailures = window.runs.filter { $0.outcome == .failed && $0.at > run.at }.count
            }
        case .failed:
            if lastSuccessAt.map({ run.at > $0 }) ?? true { consecutiveFailures += 1 }
        default:
            break
        }
    }

    /// Adds `run` to the window and to the last-run fields (not to any counter).
    mutating func remember(_ run: FinishedRun) {
        window.append(run)
        if lastRun.map({ run.at >= $0.at }) ?? true { lastRun = run }
        if run.outcome == .succeeded || run.outcome == .failed, lastCompleted.map({ run.at >= $0.at }) ?? true {
            lastCompleted = run
        }
    }

    /// Whether `ms` falls in the bucket `le = bound` seconds; the same comparison as the rebuild's SQL.
    static func fits(_ ms: Double, _ bound: Double) -> Bool { ms <= bound * 1000 }
}
