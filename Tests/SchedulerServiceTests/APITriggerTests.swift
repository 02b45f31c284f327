import Foundation
import PMSBus
import PMSTestSupport
import SchedulerService
import XCTest

/// `POST /jobs/{job_id}/trigger`: a manual run through the TickDispatcher, 409 while one is queued,
/// 400 for what the MQTT trigger path would reject, 404 for an unknown job.
final class APITriggerTests: XCTestCase {
    let path = "/api/v1/scheduler/jobs/generate_shortage_alerts/trigger"

    func testTriggerQueuesAManualRunAndRefusesASecondWhileQueued() async throws {
        let api = try await APIHarness()
        let reply = try await api.post(path, body: #"{"requested_by": "alice", "params": {"as_of": "2026-01-09"}}"#)
        XCTAssertEqual(reply.status, 202, reply.text)
        XCTAssertEqual(reply.body["code"].int, 202)
        XCTAssertEqual(reply.body["message"].string, "success")
        XCTAssertEqual(reply.data.keys, ["job_id", "job_name", "run_id", "message"])
        XCTAssertEqual(reply.data["job_id"].string, "generate_shortage_alerts")
        XCTAssertEqual(reply.data["job_name"].string, "缺料预警生成")
        XCTAssertEqual(reply.data["message"].string, "任务已触发")
        let runID = try XCTUnwrap(reply.data["run_id"].string)
        XCTAssertNotNil(UUID(uuidString: runID))

        let rows = try await api.db.query("""
            SELECT run_id, job_id, trigger, status, requested_by, params::text AS params, scheduled_for = $1 AS at_now
              FROM job_runs
            """, [APIHarness.defaultNow])
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?["run_id"], runID)
        XCTAssertEqual(rows.first?["job_id"], "generate_shortage_alerts")
        XCTAssertEqual(rows.first?["trigger"], "manual")
        XCTAssertEqual(rows.first?["status"], "queued")
        XCTAssertEqual(rows.first?["requested_by"], "alice")
        XCTAssertEqual(rows.first?["params"], #"{"as_of": "2026-01-09"}"#)
        XCTAssertEqual(rows.first?["at_now"], "t")
        let outbox = try await api.db.query("SELECT topic, payload::text AS payload FROM outbox ORDER BY id")
        XCTAssertEqual(outbox.map { $0["topic"]! },
                       ["pms/v1/tick/shortage/generate_shortage_alerts", "pms/v1/run/generate_shortage_alerts/queued"])
        let tick = try BusCoding.decode(TickMessage.self, from: Array(outbox[0]["payload"]!.utf8))
        XCTAssertEqual(tick.runID.uuidString.lowercased(), runID)
        XCTAssertEqual(tick.trigger, .manual)
        XCTAssertEqual(tick.requestedBy, "alice")
        XCTAssertEqual(tick.scheduledFor, APIHarness.defaultNow)
        XCTAssertEqual(tick.params, ["as_of": .string("2026-01-09")])

        let second = try await api.post(path)
        XCTAssertEqual(second.status, 409, second.text)
        XCTAssertEqual(second.body, APIBody(.object(["detail": .string("任务 generate_shortage_alerts 正在运行")])))
        // Started counts as running too.
        try await api.db.execute("UPDATE job_runs SET status = 'started'")
        let whileStarted = try await api.post(path)
        XCTAssertEqual(whileStarted.status, 409)
        // A finished run does not block.
        try await api.db.execute("UPDATE job_runs SET status = 'succeeded'")
        let afterSuccess = try await api.post(path)
        XCTAssertEqual(afterSuccess.status, 202)
        // Nor does a run left queued for longer than the job's SLA (1200 s): it is lost, not running.
        try await api.db.execute("UPDATE job_runs SET created_at = now() - interval '21 minutes' WHERE status = 'queued'")
        let afterStaleQueue = try await api.post(path)
        XCTAssertEqual(afterStaleQueue.status, 202)
        let count = try await api.db.query("SELECT count(*)::int AS n FROM job_runs WHERE trigger = 'manual'")
        XCTAssertEqual(count.first?["n"], "3")
        try await api.stop()
    }

    func testAnEmptyBodyTakesTheRequesterFromTheHeaderOrApi() async throws {
        let api = try await APIHarness()
        let byHeader = try await api.post("/api/v1/scheduler/jobs/check_overdue_issues/trigger",
                                          headers: ["X-Requested-By": "ops-carol"])
        XCTAssertEqual(byHeader.status, 202, byHeader.text)
        let anonymous = try await api.post("/api/v1/scheduler/jobs/daily_kit_check/trigger", body: "  \n")
        XCTAssertEqual(anonymous.status, 202, anonymous.text)
        let rows = try await api.db.query("SELECT job_id, requested_by, params FROM job_runs ORDER BY id")
        XCTAssertEqual(rows.map { "\($0["job_id"]!) \($0["requested_by"]!) \($0["params"] ?? "NULL")" },
                       ["check_overdue_issues ops-carol NULL", "daily_kit_check api NULL"])
        try await api.stop()
    }

    func testBadInputIsAnsweredAndQueuesNothing() async throws {
        let api = try await APIHarness()
        let unknown = try await api.post("/api/v1/scheduler/jobs/no_such_job/trigger")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.body, APIBody(.object(["detail": .string("任务 no_such_job 不存在")])))

        let notJSON = try await api.post(path, body: "{not json")
        XCTAssertEqual(notJSON.status, 400)
        XCTAssertTrue(notJSON.body["detail"].string?.hasPrefix("malformed trigger: not valid JSON") ?? false, notJSON.text)

        let badType = try await api.post(path, body: #"{"requested_by": 7}"#)
        XCTAssertEqual(badType.status, 400)
        XCTAssertEqual(badType.body["detail"].string, "malformed trigger: field 'requested_by': expected a string")

        let badAsOf = try await api.post(path, body: #"{"params": {"as_of": "2026-13-45"}}"#)
        XCTAssertEqual(badAsOf.status, 400)
        XCTAssertEqual(badAsOf.body["detail"].string,
                       "malformed trigger: field 'params.as_of': expected YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or an RFC 3339 time, got '2026-13-45'")

        let numericAsOf = try await api.post(path, body: #"{"params": {"as_of": 20260109}}"#)
        XCTAssertEqual(numericAsOf.status, 400)
        XCTAssertEqual(numericAsOf.body["detail"].string, "malformed trigger: field 'params.as_of': expected a string")

        let runs = try await api.db.query("SELECT count(*)::int AS n FROM job_runs")
        XCTAssertEqual(runs.first?["n"], "0")
        let outbox = try await api.db.query("SELECT count(*)::int AS n FROM outbox")
        XCTAssertEqual(outbox.first?["n"], "0")
        try await api.stop()
    }

    func testAnAsOfWithOffsetOrLocalTimeIsAccepted() async throws {
        let api = try await APIHarness()
        let local = try await api.post(path, body: #"{"params": {"as_of": "2026-01-09T07:00"}}"#)
        XCTAssertEqual(local.status, 202, local.text)
        let offset = try await api.post("/api/v1/scheduler/jobs/daily_kit_check/trigger",
                                        body: #"{"params": {"as_of": "2026-01-09T07:00:00+08:00"}}"#)
        XCTAssertEqual(offset.status, 202, offset.text)
        try await api.stop()
    }
}
