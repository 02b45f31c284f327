import Foundation
import MetricsService
import PMSBus
import XCTest

final class MetricsStoreTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_767_913_200)

    func event(_ id: UUID = UUID(), job: String = "daily_kit_check", at seconds: Double, ms: Double? = 100,
               trigger: RunTrigger = .cron, error: String? = nil) -> RunEvent {
        RunEvent(runID: id, jobID: job, domain: .shortage, instance: "i", trigger: trigger, at: t0 + seconds,
                 durationMS: ms, error: error)
    }

    func loadedStore() -> MetricsStore {
        let store = MetricsStore()
        store.load([:])
        return store
    }

    func testConsecutiveFailuresCountUpAndASuccessResetsThem() {
        let store = loadedStore()
        store.record(event(at: 0), kind: .succeeded)
        for i in 1...3 { store.record(event(at: Double(i) * 60, error: "boom"), kind: .failed) }
        XCTAssertEqual(store.record(for: "daily_kit_check")?.consecutiveFailures, 3)
        // A skipped slot neither counts nor resets.
        store.record(event(at: 300, ms: nil, error: "overlap"), kind: .skipped)
        XCTAssertEqual(store.record(for: "daily_kit_check")?.consecutiveFailures, 3)
        store.record(event(at: 360), kind: .succeeded)
        XCTAssertEqual(store.record(for: "daily_kit_check")?.consecutiveFailures, 0)
        store.record(event(at: 420), kind: .failed)
        let record = store.record(for: "daily_kit_check")
        XCTAssertEqual(record?.consecutiveFailures, 1)
        XCTAssertEqual(record?.lastSuccessAt, t0 + 360)
        XCTAssertEqual(record?.successCount, 2)
        XCTAssertEqual(record?.failureCount, 4)
    }

    func testALateSuccessOlderThanTheFailuresAfterItDoesNotResetThem() {
        let store = loadedStore()
        store.record(event(at: 120), kind: .failed)  // heard first, happened after the success below
        store.record(event(at: 60), kind: .succeeded)
        XCTAssertEqual(store.record(for: "daily_kit_check")?.consecutiveFailures, 1)
        // And a failure older than the last success does not count.
        store.record(event(at: 30), kind: .failed)
        XCTAssertEqual(store.record(for: "daily_kit_check")?.consecutiveFailures, 1)
        XCTAssertEqual(store.record(for: "daily_kit_check")?.lastRun?.at, t0 + 120)
    }

    func testARedeliveredRunIsCountedOnce() {
        let store = loadedStore()
        let id = UUID()
        XCTAssertEqual(store.record(event(id, at: 0), kind: .succeeded), .counted)
        XCTAssertEqual(store.record(event(id, at: 0), kind: .succeeded), .duplicate)
        XCTAssertNil(store.record(event(at: 0), kind: .started))
        XCTAssertEqual(store.record(for: "daily_kit_check")?.successCount, 1)
    }

    func testLiveRunsWaitForTheRebuildAndThoseItHoldsAreNotCountedTwice() {
        let store = MetricsStore()
        let loadedID = UUID(), liveID = UUID()
        XCTAssertEqual(store.record(event(loadedID, at: 0, ms: 200), kind: .succeeded), .pending)
        XCTAssertEqual(store.record(event(liveID, at: 60, ms: 400), kind: .failed), .pending)
        XCTAssertNil(store.record(for: "daily_kit_check"))

        // The rebuild found the first run already in job_runs, plus an older one.
        var rebuilt = JobRecord(jobID: "daily_kit_check")
        rebuilt.record(FinishedRun(runID: UUID(), outcome: .succeeded, trigger: .cron, at: t0 - 3600, durationMS: 100))
        rebuilt.record(FinishedRun(runID: loadedID, outcome: .succeeded, trigger: .cron, at: t0, durationMS: 200))
        let applied = store.load(["daily_kit_check": rebuilt])
        XCTAssertEqual(applied.counted, 1)
        XCTAssertEqual(applied.duplicates, 1)
        let record = store.record(for: "daily_kit_check")
        XCTAssertEqual(record?.successCount, 2)
        XCTAssertEqual(record?.failureCount, 1)
        XCTAssertEqual(record?.window.samples, [100, 200, 400])
        XCTAssertEqual(record?.consecutiveFailures, 1)
        XCTAssertTrue(store.isLoaded)
    }

    func testTheHistogramCountsCumulativelyPerBound() {
        var record = JobRecord(jobID: "daily_kit_check")
        for ms in [50.0, 50.01, 900, 1000, 2_000_000] {
            record.record(FinishedRun(runID: UUID(), outcome: .succeeded, trigger: .cron, at: t0, durationMS: ms))
        }
        let byBound = Dictionary(uniqueKeysWithValues: zip(JobRecord.durationBuckets, record.bucketCounts))
        XCTAssertEqual(byBound[0.05], 1)  // le is inclusive: 50 ms ≤ 0.05 s
        XCTAssertEqual(byBound[0.1], 2)
        XCTAssertEqual(byBound[1], 4)
        XCTAssertEqual(byBound[1800], 4)
        XCTAssertEqual(record.timedRuns, 5)
    }
}
