import Foundation
import PMSBus
import PMSTestSupport
import SchedulerService
import XCTest

/// Bearer auth of the mutating calls; pause and resume.
final class APIAuthAndStateTests: XCTestCase {
    let mutating = ["/api/v1/scheduler/jobs/daily_kit_check/trigger", "/api/v1/scheduler/jobs/daily_kit_check/pause",
                    "/api/v1/scheduler/jobs/daily_kit_check/resume"]

    func testMutatingCallsNeedTheBearerToken() async throws {
        let api = try await APIHarness()
        for path in mutating {
            for token in [nil, "wrong-token", APIHarness.token + "x", String(APIHarness.token.dropLast())] {
                let reply = try await api.post(path, token: token)
                XCTAssertEqual(reply.status, 401, "\(path) with \(token ?? "no token")")
                XCTAssertEqual(reply.body, APIBody(.object(["detail": .string("Not authenticated")])))
                XCTAssertEqual(reply.header("WWW-Authenticate"), "Bearer")
            }
            let basic = try await api.call("POST", path, headers: ["Authorization": "Basic \(APIHarness.token)"])
            XCTAssertEqual(basic.status, 401)
        }
        // Auth is checked before the job is looked up.
        let unknownUnauthenticated = try await api.post("/api/v1/scheduler/jobs/no_such_job/pause", token: nil)
        XCTAssertEqual(unknownUnauthenticated.status, 401)
        // The scheme is case-insensitive.
        let lower = try await api.call("POST", mutating[1], headers: ["Authorization": "bearer \(APIHarness.token)"])
        XCTAssertEqual(lower.status, 200, lower.text)
        // Reads are open.
        for path in ["/api/v1/scheduler/status", "/api/v1/scheduler/jobs", "/api/v1/scheduler/services/list",
                     "/api/v1/scheduler/jobs/daily_kit_check/runs"] {
            let read = try await api.get(path)
            XCTAssertEqual(read.status, 200, path)
        }
        let runs = try await api.db.query("SELECT count(*)::int AS n FROM job_runs")
        XCTAssertEqual(runs.first?["n"], "0")
        try await api.stop()
    }

    func testWithoutAConfiguredTokenMutatingCallsAreRefused() async throws {
        for configured in [nil, ""] as [String?] {
            let api = try await APIHarness(token: configured)
            for path in mutating {
                for token in [nil, APIHarness.token, ""] as [String?] {
                    let reply = try await api.post(path, token: token)
                    XCTAssertEqual(reply.status, 403, path)
                    XCTAssertEqual(reply.body, APIBody(.object(["detail": .string(
                        "mutating calls are disabled: no API token configured (--api-token / PMS_API_TOKEN)")])))
                }
            }
            let status = try await api.get("/api/v1/scheduler/status")
            XCTAssertEqual(status.status, 200)
            let state = try await api.db.query("SELECT is_enabled FROM scheduler_job_state WHERE job_id = 'daily_kit_check'")
            XCTAssertEqual(state.first?["is_enabled"], "t")
            try await api.stop()
        }
    }

    func testPauseAndResumeFlipTheJobAndShowInStatus() async throws {
        let api = try await APIHarness()
        let pause = try await api.post(mutating[1], headers: ["X-Requested-By": "ops-bob"])
        XCTAssertEqual(pause.status, 200, pause.text)
        XCTAssertEqual(pause.body, APIBody(.object([
            "code": .number(200), "message": .string("success"),
            "data": .object(["job_id": .string("daily_kit_check"), "enabled": .bool(false)]),
        ])))
        var state = try await api.db.query(
            "SELECT is_enabled, updated_by, updated_at = $1 AS at_now FROM scheduler_job_state WHERE job_id = 'daily_kit_check'",
            [APIHarness.defaultNow])
        XCTAssertEqual(state.first.map { "\($0["is_enabled"]!) \($0["updated_by"]!) \($0["at_now"]!)" }, "f ops-bob t")

        var jobs = try await api.get("/api/v1/scheduler/status").data["jobs"].array
        XCTAssertEqual(jobs.last?["id"].string, "daily_kit_check")
        XCTAssertEqual(jobs.last?["enabled"].bool, false)
        XCTAssertEqual(jobs.last?["next_run_time"].isNull, true)
        // Pausing twice is harmless.
        let again = try await api.post(mutating[1])
        XCTAssertEqual(again.data["enabled"].bool, false)

        let resume = try await api.post(mutating[2])
        XCTAssertEqual(resume.status, 200, resume.text)
        XCTAssertEqual(resume.data, APIBody(.object(["job_id": .string("daily_kit_check"), "enabled": .bool(true)])))
        state = try await api.db.query("SELECT is_enabled, updated_by FROM scheduler_job_state WHERE job_id = 'daily_kit_check'")
        XCTAssertEqual(state.first.map { "\($0["is_enabled"]!) \($0["updated_by"]!)" }, "t api")
        jobs = try await api.get("/api/v1/scheduler/status").data["jobs"].array
        let kit = jobs.first { $0["id"].string == "daily_kit_check" }
        XCTAssertEqual(kit?["enabled"].bool, true)
        XCTAssertEqual(kit?["next_run_time"].string, "2026-01-10T06:00:00+08:00")
        XCTAssertEqual(jobs.last?["id"].string, "calculate_monthly_labor_cost")

        for path in ["/api/v1/scheduler/jobs/no_such_job/pause", "/api/v1/scheduler/jobs/no_such_job/resume"] {
            let reply = try await api.post(path)
            XCTAssertEqual(reply.status, 404)
            XCTAssertEqual(reply.body, APIBody(.object(["detail": .string("任务 no_such_job 不存在")])))
        }
        try await api.stop()
    }
}
