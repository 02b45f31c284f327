import Foundation
import PMSBus
import PMSCatalog
import PMSRuntime
import PMSTestSupport
import SchedulerService
import XCTest

/// The scheduler against a real broker and database, on a manual clock: no test waits for real minutes.
final class SchedulerEngineTests: XCTestCase {
    func at(_ text: String) -> Date { RFC3339.parse(text)! }

    /// Two replicas; each hourly slot is ticked exactly once, and killing the leader mid-way loses none.
    func testTwoReplicasTickEachSlotOnceAndSurviveTheLeadersDeath() async throws {
        let h = try await SchedulerHarness(start: "2026-01-09T06:30:00+08:00")
        let job = "check_task_delay_alerts"
        try await h.db.execute("UPDATE scheduler_job_state SET last_scheduled_for = $1 WHERE job_id = $2",
                               [at("2026-01-09T06:00:00+08:00"), job])
        await h.startDomain(.progress, jobs: [QuickJob(id: job)])
        await h.startScheduler("s1", jobs: [job])
        await h.startScheduler("s2", jobs: [job])
        let first = await h.waitForLeader()
        XCTAssertNotNil(first)

        var expected: [Date] = []
        for hour in 7...12 {
            if hour == 10, let leader = await h.leader() {
                await h.killScheduler(leader)  // the other replica must take over
                let value1 = await h.waitForLeader()
                XCTAssertNotNil(value1)
            }
            let slot = at(String(format: "2026-01-09T%02d:00:00+08:00", hour))
            expected.append(slot)
            h.clock.set(slot.addingTimeInterval(1))
            let seen = await h.waitForTicks(job, count: expected.count)
            XCTAssertEqual(seen.count, expected.count, "hour \(hour)")
            // The run finishes before the next slot, as a real hourly job would.
            _ = await h.waitForEvents(job, .succeeded, count: expected.count)
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        try await Task.sleep(nanoseconds: 500_000_000)  // room for a wrong duplicate to show up
        let ticks = await h.ticks(job)
        XCTAssertEqual(ticks.map(\.scheduledFor), expected, "every slot once, in order")
        XCTAssertEqual(Set(ticks.map(\.trigger)), [.cron])
        let runs = try await h.rows("SELECT count(*)::int AS n FROM job_runs WHERE job_id = $1", [job]).first?.decode(Int.self, "n")
        XCTAssertEqual(runs, 6)
        await h.stop()
    }

    /// A scheduler that was down across fire times fires one catch-up per job on start (within the grace),
    /// coalescing several missed slots, and records the ones too late as missed.
    func testRestartCatchesUpOnceAndRecordsWhatIsTooLate() async throws {
        let h = try await SchedulerHarness(start: "2026-01-09T07:02:00+08:00")
        try await h.db.execute("""
            UPDATE scheduler_job_state SET last_scheduled_for = CASE job_id
                WHEN 'generate_shortage_alerts' THEN '2026-01-08T07:00:00+08:00'::timestamptz
                WHEN 'daily_kit_check' THEN '2026-01-08T06:00:00+08:00'::timestamptz
                WHEN 'check_task_delay_alerts' THEN '2026-01-09T03:00:00+08:00'::timestamptz END
             WHERE job_id IN ('generate_shortage_alerts', 'daily_kit_check', 'check_task_delay_alerts')
            """)
        await h.startScheduler("s1", jobs: ["generate_shortage_alerts", "daily_kit_check", "check_task_delay_alerts"])
        let shortage = await h.waitForTicks("generate_shortage_alerts", count: 1)
        let hourly = await h.waitForTicks("check_task_delay_alerts", count: 1)
        let missed = await h.waitForEvents("daily_kit_check", .skipped, count: 1)
        try await Task.sleep(nanoseconds: 500_000_000)

        XCTAssertEqual(shortage.map { "\($0.trigger.rawValue) \(RFC3339.format($0.scheduledFor, in: SchedulerHarness.zone))" },
                       ["catchup 2026-01-09T07:00:00+08:00"])
        XCTAssertEqual(hourly.map { "\($0.trigger.rawValue) \(RFC3339.format($0.scheduledFor, in: SchedulerHarness.zone))" },
                       ["catchup 2026-01-09T07:00:00+08:00"], "04:00 to 07:00 coalesce into one run")
        let value2 = await h.ticks("daily_kit_check").count
        XCTAssertEqual(value2, 0, "06:00 is 62 minutes late, beyond its 20-minute grace")
        XCTAssertEqual(missed.map(\.error), ["missed"])
        let recorded = try await h.rows("SELECT status, error FROM job_runs WHERE job_id = 'daily_kit_check'")
        XCTAssertEqual(recorded.map { "\($0["status"]!) \($0["error"]!)" }, ["skipped missed"])

        // Later slots tick as usual; nothing is caught up twice.
        h.clock.set(at("2026-01-09T08:00:01+08:00"))
        let later = await h.waitForTicks("check_task_delay_alerts", count: 2)
        XCTAssertEqual(later.map(\.trigger), [.catchup, .cron])
        let value3 = await h.ticks("generate_shortage_alerts").count
        XCTAssertEqual(value3, 1)
        await h.stop()
    }

    /// Pause stops ticks (and resuming does not replay the pause); resume restarts them.
    func testPauseStopsTicksAndResumeRestartsThem() async throws {
        let h = try await SchedulerHarness(start: "2026-01-09T06:30:00+08:00")
        let job = "check_task_delay_alerts"
        await h.startScheduler("s1", jobs: [job])
        _ = await h.waitForLeader()
        try await h.db.execute("UPDATE scheduler_job_state SET is_enabled = false WHERE job_id = $1", [job])
        h.clock.set(at("2026-01-09T07:00:01+08:00"))
        try await Task.sleep(nanoseconds: 700_000_000)
        h.clock.set(at("2026-01-09T08:00:01+08:00"))
        try await Task.sleep(nanoseconds: 700_000_000)
        let value4 = await h.ticks(job).count
        XCTAssertEqual(value4, 0)
        let state = try await h.rows("SELECT last_scheduled_for = $1 AS passed FROM scheduler_job_state WHERE job_id = $2",
                                     [at("2026-01-09T08:00:00+08:00"), job]).first?["passed"]
        XCTAssertEqual(state, "t", "paused slots are passed over")

        try await h.db.execute("UPDATE scheduler_job_state SET is_enabled = true WHERE job_id = $1", [job])
        h.clock.set(at("2026-01-09T08:30:00+08:00"))
        try await Task.sleep(nanoseconds: 500_000_000)
        let value5 = await h.ticks(job).count
        XCTAssertEqual(value5, 0, "resuming does not replay the paused slots")
        h.clock.set(at("2026-01-09T09:00:01+08:00"))
        let ticks = await h.waitForTicks(job, count: 1)
        XCTAssertEqual(ticks.map(\.scheduledFor), [at("2026-01-09T09:00:00+08:00")])
        await h.stop()
    }

    /// A run with no outcome after its SLA is failed with reason `timeout`, on the bus and in the history.
    func testARunPastItsSLAIsReportedTimeout() async throws {
        let h = try await SchedulerHarness(start: "2026-01-09T10:00:00+08:00")
        await h.startShortage(jobs: [SleepyJob(id: "daily_kit_check", seconds: 3)])
        let scheduler = await h.startScheduler("s1", jobs: [])
        _ = await h.waitForLeader()
        let tick = try await scheduler.dispatcher.dispatch(JobCatalog.job(id: "daily_kit_check")!, scheduledFor: h.clock.now(), trigger: .manual)
        _ = await h.waitForEvents("daily_kit_check", .started, count: 1)
        h.clock.advance(by: 1201)  // SLA of daily_kit_check: 1200 s
        let failed = await h.waitForEvents("daily_kit_check", .failed, count: 1)
        XCTAssertEqual(failed.map(\.error), ["timeout"])
        XCTAssertEqual(failed.first?.runID, tick.runID)
        let row = try await h.rows("SELECT status, error FROM job_runs WHERE run_id = $1", [tick.runID]).first
        XCTAssertEqual(row.map { "\($0["status"]!) \($0["error"]!)" }, "failed timeout")
        // The late success does not overwrite the timeout.
        _ = await h.waitForEvents("daily_kit_check", .succeeded, count: 1, timeout: 10)
        try await Task.sleep(nanoseconds: 300_000_000)
        let after = try await h.rows("SELECT status FROM job_runs WHERE run_id = $1", [tick.runID]).first?["status"]
        XCTAssertEqual(after, "failed")
        await h.stop()
    }

    /// A failing job whose SLA says retry is retried with growing delays, and stops after its last attempt.
    func testAFailingRetryingJobIsRetriedWithGrowingDelaysThenStops() async throws {
        var policy = SchedulerPolicy()
        policy.retryBaseDelay = 60
        let h = try await SchedulerHarness(start: "2026-01-09T10:00:00+08:00", policy: policy)
        await h.startShortage(jobs: [FailingJob(id: "generate_shortage_alerts")])
        let scheduler = await h.startScheduler("s1", jobs: [])
        _ = await h.waitForLeader()
        let job = JobCatalog.job(id: "generate_shortage_alerts")!
        XCTAssertTrue(job.retryOnFailure)
        let first = try await scheduler.dispatcher.dispatch(job, scheduledFor: h.clock.now(), trigger: .manual, requestedBy: "ops")
        _ = await h.waitForEvents(job.id, .failed, count: 1)
        try await Task.sleep(nanoseconds: 300_000_000)  // the scheduler records the failure

        h.clock.advance(by: 55)
        try await Task.sleep(nanoseconds: 500_000_000)
        let value6 = await h.ticks(job.id).count
        XCTAssertEqual(value6, 1, "no retry before the first delay (60 s)")
        h.clock.advance(by: 20)  // 75 s > 60 s + 20 % jitter
        let second = await h.waitForTicks(job.id, count: 2)
        XCTAssertEqual(second.last.map { "\($0.trigger.rawValue) \($0.attempt)" }, "retry 2")
        _ = await h.waitForEvents(job.id, .failed, count: 2)
        try await Task.sleep(nanoseconds: 300_000_000)

        h.clock.advance(by: 100)
        try await Task.sleep(nanoseconds: 500_000_000)
        let value7 = await h.ticks(job.id).count
        XCTAssertEqual(value7, 2, "the second delay is longer (120 s)")
        h.clock.advance(by: 50)  // 150 s > 120 s + 20 %
        let third = await h.waitForTicks(job.id, count: 3)
        XCTAssertEqual(third.last.map { "\($0.trigger.rawValue) \($0.attempt)" }, "retry 3")
        _ = await h.waitForEvents(job.id, .failed, count: 3)
        try await Task.sleep(nanoseconds: 300_000_000)

        h.clock.advance(by: 3600)
        try await Task.sleep(nanoseconds: 700_000_000)
        let value8 = await h.ticks(job.id).count
        XCTAssertEqual(value8, 3, "three attempts in all, then it stops")
        let chain = try await h.rows("""
            SELECT attempt, trigger, status, requested_by, retry_of FROM job_runs WHERE job_id = $1 ORDER BY attempt
            """, [job.id])
        XCTAssertEqual(chain.map { "\($0["attempt"]!) \($0["trigger"]!) \($0["status"]!) \($0["requested_by"]!)" },
                       ["1 manual failed ops", "2 retry failed ops", "3 retry failed ops"])
        XCTAssertEqual(chain[1]["retry_of"], first.runID.uuidString.lowercased())
        await h.stop()
    }

    /// A tick no service starts is re-sent once, with the same run id.
    func testAnUnstartedTickIsResentOnceWithTheSameRunID() async throws {
        let h = try await SchedulerHarness(start: "2026-01-09T10:00:00+08:00")
        let scheduler = await h.startScheduler("s1", jobs: [])
        _ = await h.waitForLeader()
        // No progress service runs: nobody starts the tick.
        let tick = try await scheduler.dispatcher.dispatch(JobCatalog.job(id: "calculate_project_health")!,
                                                           scheduledFor: h.clock.now(), trigger: .manual)
        _ = await h.waitForTicks("calculate_project_health", count: 1)
        h.clock.advance(by: 31)
        let twice = await h.waitForTicks("calculate_project_health", count: 2)
        XCTAssertEqual(twice.map(\.runID), [tick.runID, tick.runID])
        h.clock.advance(by: 60)
        try await Task.sleep(nanoseconds: 700_000_000)
        let value9 = await h.ticks("calculate_project_health").count
        XCTAssertEqual(value9, 2, "re-sent once only")
        await h.stop()
    }

    /// A slot that falls due while the previous run still goes is skipped (`overlap`), or held and
    /// sent when the run ends when the job's policy is `queue`.
    func testOverlapSkipsByDefaultAndQueueWaitsForThePreviousRun() async throws {
        let h = try await SchedulerHarness(start: "2026-01-09T06:30:00+08:00")
        let skipping = "check_task_delay_alerts", queueing = "calculate_progress_summary"  // both hourly, progress
        try await h.db.execute("UPDATE scheduler_job_state SET overlap_policy = 'queue' WHERE job_id = $1", [queueing])
        await h.startScheduler("s1", jobs: [skipping, queueing])
        _ = await h.waitForLeader()
        // No progress service yet: the 07:00 runs stay queued.
        h.clock.set(at("2026-01-09T07:00:01+08:00"))
        _ = await h.waitForTicks(skipping, count: 1)
        _ = await h.waitForTicks(queueing, count: 1)
        // Keep both runs alive across 08:00 (within their SLA): they started a minute before.
        try await h.db.execute("UPDATE job_runs SET status = 'started', started_at = $1, queued_at = $1", [at("2026-01-09T07:59:00+08:00")])
        h.clock.set(at("2026-01-09T08:00:01+08:00"))
        let skipped = await h.waitForEvents(skipping, .skipped, count: 1)
        XCTAssertEqual(skipped.map(\.error), ["overlap"])
        try await Task.sleep(nanoseconds: 500_000_000)
        let value1 = await h.ticks(skipping).count
        XCTAssertEqual(value1, 1)
        let value2 = await h.ticks(queueing).count
        XCTAssertEqual(value2, 1, "held while the 07:00 run goes")

        // The held run ends: the 08:00 slot of the queueing job goes out, late but once.
        try await h.db.execute("UPDATE job_runs SET status = 'succeeded', finished_at = $1 WHERE job_id = $2",
                               [at("2026-01-09T08:00:30+08:00"), queueing])
        h.clock.set(at("2026-01-09T08:01:00+08:00"))
        let queued = await h.waitForTicks(queueing, count: 2)
        XCTAssertEqual(queued.map(\.scheduledFor), [at("2026-01-09T07:00:00+08:00"), at("2026-01-09T08:00:00+08:00")])
        await h.stop()
    }
}
