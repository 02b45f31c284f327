import Foundation
import PMSBus
import PMSCatalog
import PMSTestSupport
import SchedulerService
import XCTest

/// `GET /status`, `GET /jobs`, `GET /services/list`, unknown paths and methods, and a clean stop.
final class APIStatusTests: XCTestCase {
    func testStatusOrdersJobsByNextRunWithPausedLastAndShowsLiveServices() async throws {
        let started = RFC3339.parse("2026-01-09T05:30:00+08:00")!
        let directory = try await liveDirectory([
            ("shortage", "shortage-a", .online, started),
            ("progress", "progress-a", .offline, started),
        ])
        let api = try await APIHarness(directory: directory)
        try await api.db.execute(
            "UPDATE scheduler_job_state SET is_enabled = false WHERE job_id IN ('daily_kit_check', 'calculate_monthly_labor_cost')")
        try await api.db.execute("UPDATE scheduler_job_state SET cron_override = '45 6 * * *' WHERE job_id = 'check_delivery_delay'")
        try await api.db.execute(
            "UPDATE scheduler_job_state SET last_outcome = 'succeeded', last_fired_at = $1 WHERE job_id = 'generate_shortage_alerts'",
            [RFC3339.parse("2026-01-08T07:00:01+08:00")!])

        let reply = try await api.get("/api/v1/scheduler/status")
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.header("Content-Type"), "application/json; charset=utf-8")
        XCTAssertEqual(reply.body.keys, ["code", "message", "data"])
        XCTAssertEqual(reply.body["code"].int, 200)
        XCTAssertEqual(reply.body["message"].string, "success")
        let data = reply.data
        XCTAssertEqual(data.keys, ["running", "job_count", "leader", "jobs", "services", "jobs_without_live_service"])
        XCTAssertEqual(data["running"].bool, true)
        XCTAssertEqual(data["job_count"].int, 37)
        XCTAssertEqual(data["leader"].bool, true)

        let jobs = data["jobs"].array
        XCTAssertEqual(jobs.count, 37)
        XCTAssertEqual(Set(jobs.compactMap { $0["id"].string }), Set(JobCatalog.all.map(\.id)))
        // 06:05, 06:10, 06:15, 06:30, the override's 06:45, then the 07:00 slots in catalog order.
        XCTAssertEqual(jobs.prefix(7).compactMap { $0["id"].string }, [
            "check_blocking_issues", "check_alert_escalation", "send_alert_notifications", "retry_failed_notifications",
            "check_delivery_delay", "calculate_project_health", "check_overdue_issues",
        ])
        XCTAssertEqual(jobs[4]["trigger"].string, "45 6 * * *")
        XCTAssertEqual(jobs[4]["next_run_time"].string, "2026-01-09T06:45:00+08:00")
        XCTAssertEqual(jobs.first { $0["id"].string == "generate_shortage_alerts" }, APIBody(.object([
            "id": .string("generate_shortage_alerts"), "name": .string("缺料预警生成"), "domain": .string("shortage"),
            "next_run_time": .string("2026-01-09T07:00:00+08:00"), "trigger": .string("0 7 * * *"), "enabled": .bool(true),
            "last_outcome": .string("succeeded"), "last_fired_at": .string("2026-01-08T07:00:01+08:00"),
        ])))
        XCTAssertEqual(jobs.first { $0["id"].string == "calculate_project_health" }?["last_outcome"].isNull, true)
        XCTAssertEqual(jobs.first { $0["id"].string == "calculate_project_health" }?["last_fired_at"].isNull, true)
        // Paused jobs last (catalog order among them), without a next run time.
        XCTAssertEqual(jobs.suffix(2).compactMap { $0["id"].string }, ["daily_kit_check", "calculate_monthly_labor_cost"])
        for paused in jobs.suffix(2) {
            XCTAssertTrue(paused["next_run_time"].isNull, "\(paused)")
            XCTAssertEqual(paused["enabled"].bool, false)
        }
        XCTAssertEqual(jobs[35]["trigger"].string, "0 6 * * *")
        // The rest are in time order.
        let times = jobs.dropLast(2).compactMap { $0["next_run_time"].string.flatMap(RFC3339.parse) }
        XCTAssertEqual(times.count, 35)
        XCTAssertEqual(times, times.sorted())

        XCTAssertEqual(data["services"], APIBody(.array([
            .object(["service": .string("progress"), "instance": .string("progress-a"), "online": .bool(false),
                     "version": .string("1.2.3"), "started_at": .string("2026-01-09T05:30:00+08:00")]),
            .object(["service": .string("shortage"), "instance": .string("shortage-a"), "online": .bool(true),
                     "version": .string("1.2.3"), "started_at": .string("2026-01-09T05:30:00+08:00")]),
        ])))
        XCTAssertEqual(data["jobs_without_live_service"].array.compactMap(\.string),
                       JobCatalog.all.filter { $0.domain != .shortage }.map(\.id))
        try await api.stop()
    }

    func testStatusReportsAFollowerAndNoServicesWhenNoneAnnounced() async throws {
        let api = try await APIHarness(leader: false)
        let data = try await api.get("/api/v1/scheduler/status").data
        XCTAssertEqual(data["leader"].bool, false)
        XCTAssertEqual(data["services"], APIBody(.array([])))
        XCTAssertEqual(data["jobs_without_live_service"].array.count, 37)
        try await api.stop()
    }

    func testJobsListsTheCatalogInOrderWithState() async throws {
        let api = try await APIHarness()
        try await api.db.execute("UPDATE scheduler_job_state SET is_enabled = false WHERE job_id = 'check_overdue_issues'")
        let reply = try await api.get("/api/v1/scheduler/jobs")
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.data.keys, ["total", "jobs"])
        XCTAssertEqual(reply.data["total"].int, 37)
        let jobs = reply.data["jobs"].array
        XCTAssertEqual(jobs.compactMap { $0["id"].string }, JobCatalog.all.map(\.id))
        XCTAssertEqual(jobs[11], APIBody(.object([
            "id": .string("generate_shortage_alerts"), "name": .string("缺料预警生成"), "domain": .string("shortage"),
            "next_run_time": .string("2026-01-09T07:00:00+08:00"), "trigger": .string("0 7 * * *"), "enabled": .bool(true),
            "owner": .string("Supply Chain"), "category": .string("Shortage"), "risk_level": .string("CRITICAL"),
            "sla_seconds": .number(1200), "retry_on_failure": .bool(true),
        ])))
        XCTAssertEqual(jobs[3]["id"].string, "check_overdue_issues")
        XCTAssertTrue(jobs[3]["next_run_time"].isNull)
        XCTAssertEqual(jobs[3]["enabled"].bool, false)
        XCTAssertEqual(jobs[35]["next_run_time"].string, "2026-02-01T02:00:00+08:00")
        try await api.stop()
    }

    func testServicesListIsTheStaticCatalog() async throws {
        let api = try await APIHarness()
        let reply = try await api.get("/api/v1/scheduler/services/list")
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.data["total"].int, 37)
        let services = reply.data["services"].array
        XCTAssertEqual(services.compactMap { $0["id"].string }, JobCatalog.all.map(\.id))
        XCTAssertEqual(services[11], APIBody(.object([
            "id": .string("generate_shortage_alerts"), "name": .string("缺料预警生成"), "domain": .string("shortage"),
            "cron": .string("0 7 * * *"), "owner": .string("Supply Chain"), "category": .string("Shortage"),
            "enabled": .bool(true), "description": .string("material-shortage alert generation"),
            "dependencies_tables": .array(["bom_items", "materials", "purchase_orders", "goods_receipts", "alert_records"]
                .map(JSONValue.string)),
            "risk_level": .string("CRITICAL"),
            "sla": .object(["max_execution_time_seconds": .number(1200), "retry_on_failure": .bool(true)]),
        ])))
        XCTAssertEqual(services.filter { $0["risk_level"].string == "HIGH" }.count, 10)
        XCTAssertEqual(services.filter { $0["sla"]["retry_on_failure"].bool == true }.count, 12)
        try await api.stop()
    }

    func testUnknownPathIs404AndWrongMethodIs405AsJSON() async throws {
        let api = try await APIHarness()
        let missing = try await api.get("/api/v1/scheduler/nothing-here")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.body, APIBody(.object(["detail": .string("Not Found")])))
        let outside = try await api.get("/")
        XCTAssertEqual(outside.status, 404)
        XCTAssertEqual(outside.body["detail"].string, "Not Found")

        let getTrigger = try await api.get("/api/v1/scheduler/jobs/generate_shortage_alerts/trigger")
        XCTAssertEqual(getTrigger.status, 405)
        XCTAssertEqual(getTrigger.body, APIBody(.object(["detail": .string("Method Not Allowed")])))
        XCTAssertEqual(getTrigger.header("Allow"), "POST")
        let postStatus = try await api.post("/api/v1/scheduler/status")
        XCTAssertEqual(postStatus.status, 405)
        XCTAssertEqual(postStatus.header("Allow"), "GET")
        try await api.stop()
    }

    func testStopsGracefullyOnCancellation() async throws {
        let api = try await APIHarness()
        let served = try await api.get("/api/v1/scheduler/services/list")
        XCTAssertEqual(served.status, 200)
        try await api.stop()
        XCTAssertFalse(isLoopbackPortOpen(api.port))
    }
}
