import Foundation
import MetricsService
import PMSBus
import XCTest

/// platform.md §2.2: linear interpolation between closest ranks, k = (n − 1) × p.
final class JobStatisticsTests: XCTestCase {
    func testPercentilesOfOneToTenAreTheHandComputedValues() {
        let stats = JobStatistics(samples: (1...10).map(Double.init).shuffled())
        // p50: k = 9 × 0.50 = 4.5  → x[4] + 0.5 × (x[5] − x[4]) = 5 + 0.5 = 5.5
        // p95: k = 9 × 0.95 = 8.55 → x[8] + 0.55 × (x[9] − x[8]) = 9 + 0.55 = 9.55
        // p99: k = 9 × 0.99 = 8.91 → 9 + 0.91 = 9.91
        XCTAssertEqual(stats.p50, 5.5)
        XCTAssertEqual(stats.p95, 9.55)
        XCTAssertEqual(stats.p99, 9.91)
        XCTAssertEqual(stats.mean, 5.5)
        XCTAssertEqual(stats.min, 1)
        XCTAssertEqual(stats.max, 10)
        XCTAssertEqual(stats.count, 10)
    }

    func testUnevenGapsInterpolateBetweenTheTwoNeighbours() {
        // n = 5: p95 → k = 4 × 0.95 = 3.8 → 40 + 0.8 × (1000 − 40) = 808; p50 → k = 2 → 30 exactly.
        let stats = JobStatistics(samples: [10, 20, 30, 40, 1000])
        XCTAssertEqual(stats.p50, 30)
        XCTAssertEqual(try XCTUnwrap(stats.p95), 808, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(stats.p99), 40 + 0.96 * 960, accuracy: 1e-9)
    }

    func testTheLastSampleIsTheEndAndOneSampleIsEveryPercentile() {
        XCTAssertEqual(JobStatistics.percentile([1, 2, 3], percent: 100), 3)
        XCTAssertEqual(JobStatistics.percentile([1, 2, 3], percent: 0), 1)
        let one = JobStatistics(samples: [42])
        XCTAssertEqual([one.p50, one.p95, one.p99, one.min, one.max, one.mean], Array(repeating: 42, count: 6))
    }

    func testNoSamplesGiveNilsAndACountOfZero() {
        let none = JobStatistics(samples: [])
        XCTAssertEqual(none.count, 0)
        XCTAssertNil(none.p50); XCTAssertNil(none.p95); XCTAssertNil(none.p99)
        XCTAssertNil(none.mean); XCTAssertNil(none.min); XCTAssertNil(none.max)
    }

    func testOnlyTheLastThousandFinishedRunsAreKept() {
        var record = JobRecord(jobID: "daily_kit_check")
        let start = Date(timeIntervalSince1970: 1_767_913_200)
        for i in 1...1005 {
            record.record(FinishedRun(runID: UUID(), outcome: .succeeded, trigger: .cron,
                                      at: start.addingTimeInterval(Double(i)), durationMS: Double(i)))
        }
        let stats = record.statistics
        XCTAssertEqual(stats.count, 1000)
        XCTAssertEqual(stats.min, 6)
        XCTAssertEqual(stats.max, 1005)
        // 6…1005: k = 999 × 0.5 = 499.5 → 505 + 0.5 = 505.5
        XCTAssertEqual(stats.p50, 505.5)
        // The counters are all-time.
        XCTAssertEqual(record.successCount, 1005)
        XCTAssertEqual(record.timedRuns, 1005)
        XCTAssertEqual(record.averageDurationMS, 503)
    }

    func testSkippedRunsTakeAPlaceInTheWindowButAreNoSample() {
        var record = JobRecord(jobID: "daily_kit_check")
        let at = Date(timeIntervalSince1970: 1_767_913_200)
        record.record(FinishedRun(runID: UUID(), outcome: .succeeded, trigger: .cron, at: at, durationMS: 100))
        record.record(FinishedRun(runID: UUID(), outcome: .skipped, trigger: .cron, at: at + 60, durationMS: nil, error: "missed"))
        record.record(FinishedRun(runID: UUID(), outcome: .failed, trigger: .retry, at: at + 120, durationMS: 300))
        XCTAssertEqual(record.window.count, 3)
        XCTAssertEqual(record.window.samples, [100, 300])
        XCTAssertEqual(record.lastRun?.outcome, .failed)
        XCTAssertEqual(record.skippedCount, 1)
        XCTAssertEqual(record.triggers, [.cron: 2, .retry: 1])
    }
}
