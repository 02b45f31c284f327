import Foundation
import PMSBus
import PMSCatalog
import PMSTestSupport
import SchedulerService
import XCTest

/// `GET /jobs/{job_id}/runs?limit=N`: a job's runs, newest first, in the configured zone.
final class APIRunsTests: XCTestCase {
    func testRunsAreListedNewestFirstWithTheLimit() async throws {
        let api = try await APIHarness()
        let job = JobCatalog.job(id: "generate_shortage_alerts")!
        var ticks: [TickMessage] = []
        // Queued out of slot order (the last one by hand, as of the day before): listed by slot, newest first.
        for (day, trigger) in [("2026-01-06", RunTrigger.cron), ("2026-01-08", .cron), ("2026-01-07", .manual)] {
            ticks.append(try await api.dispatcher.dispatch(job, scheduledFor: RFC3339.parse("\(day)T07:00:00+08:00")!,
                                                           trigger: trigger, requestedBy: trigger == .manual ? "ops" : nil))
        }
        try await api.dispatcher.dispatch(JobCatalog.job(id: "daily_kit_check")!, scheduledFor: APIHarness.defaultNow, trigger: .cron)
        let newest = ticks[1]
        try await api.db.execute("""
            UPDATE job_runs
               SET status = 'succeeded', instance = 'shortage-a', queued_at = $2, started_at = $3, finished_at = $4,
                   duration_ms = 1234.5, result = '{"checked": 12, "created": 3}'
             WHERE run_id = $1
            """, [newest.runID, RFC3339.parse("2026-01-08T07:00:00.250+08:00")!, RFC3339.parse("2026-01-08T07:00:01+08:00")!,
                  RFC3339.parse("2026-01-08T07:00:02.234+08:00")!])
        try await api.db.execute("UPDATE job_runs SET status = 'failed', error = 'timeout' WHERE run_id = $1", [ticks[0].runID])

        let reply = try await api.get("/api/v1/scheduler/jobs/generate_shortage_alerts/runs")
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.data.keys, ["job_id", "runs"])
        XCTAssertEqual(reply.data["job_id"].string, "generate_shortage_alerts")
        let runs = reply.data["runs"].array
        XCTAssertEqual(runs.compactMap { $0["run_id"].string },
                       [ticks[1], ticks[2], ticks[0]].map { $0.runID.uuidString.lowercased() })
        XCTAssertEqual(runs[0], APIBody(.object([
            "run_id": .string(newest.runID.uuidString.lowercased()), "trigger": .string("cron"), "attempt": .number(1),
            "status": .string("succeeded"), "scheduled_for": .string("2026-01-08T07:00:00+08:00"),
            "queued_at": .string("2026-01-08T07:00:00.250+08:00"), "started_at": .string("2026-01-08T07:00:01+08:00"),
            "finished_at": .string("2026-01-08T07:00:02.234+08:00"), "duration_ms": .number(1234.5),
            "requested_by": .null, "params": .null, "result": .object(["checked": .number(12), "created": .number(3)]),
            "error": .null, "instance": .string("shortage-a"),
        ])))
        XCTAssertEqual(runs[2]["status"].string, "failed")
        XCTAssertEqual(runs[2]["error"].string, "timeout")
        XCTAssertEqual(runs[1]["status"].string, "queued")
        XCTAssertEqual(runs[1]["trigger"].string, "manual")
        XCTAssertEqual(runs[1]["requested_by"].string, "ops")
        XCTAssertTrue(runs[1]["started_at"].isNull)

        let limited = try await api.get("/api/v1/scheduler/jobs/generate_shortage_alerts/runs?limit=2")
        XCTAssertEqual(limited.data["runs"].array.compactMap { $0["run_id"].string },
                       [ticks[1], ticks[2]].map { $0.runID.uuidString.lowercased() })
        let max = try await api.get("/api/v1/scheduler/jobs/generate_shortage_alerts/runs?limit=500")
        XCTAssertEqual(max.data["runs"].array.count, 3)
        let none = try await api.get("/api/v1/scheduler/jobs/check_overdue_issues/runs")
        XCTAssertEqual(none.data, APIBody(.object(["job_id": .string("check_overdue_issues"), "runs": .array([])])))
        try await api.stop()
    }

    func testAManualRunShowsItsRequesterAndParams() async throws {
        let api = try await APIHarness()
        let trigger = try await api.post("/api/v1/scheduler/jobs/daily_kit_check/trigger",
                                         body: #"{"requested_by": "alice", "params": {"as_of": "2026-01-09"}}"#)
        XCTAssertEqual(trigger.status, 202, trigger.text)
        let runs = try await api.get("/api/v1/scheduler/jobs/daily_kit_check/runs").data["runs"].array
        XCTAssertEqual(runs.count, 1)
        XCTAssertEqual(runs[0]["run_id"], trigger.data["run_id"])
        XCTAssertEqual(runs[0]["trigger"].string, "manual")
        XCTAssertEqual(runs[0]["requested_by"].string, "alice")
        XCTAssertEqual(runs[0]["params"], APIBody(.object(["as_of": .string("2026-01-09")])))
        XCTAssertEqual(runs[0]["scheduled_for"].string, "2026-01-09T06:00:00+08:00")
        try await api.stop()
    }

    func testABadLimitOrAnUnknownJobIsRefused() async throws {
        let api = try await APIHarness()
        for limit in ["0", "501", "-1", "abc", "2.5", ""] {
            let reply = try await api.get("/api/v1/scheduler/jobs/generate_shortage_alerts/runs?limit=\(limit)")
            XCTAssertEqual(reply.status, 400, "limit=\(limit): \(reply.text)")
            XCTAssertEqual(reply.body, APIBody(.object(["detail": .string("limit must be an integer from 1 to 500, got '\(limit)'")])))
        }
        let unknown = try await api.get("/api/v1/scheduler/jobs/no_such_job/runs")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.body, APIBody(.object(["detail": .string("任务 no_such_job 不存在")])))
        try await api.stop()
    }
}
