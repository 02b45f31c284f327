import Foundation
import MetricsService
import PMSBus
import PMSMQTT
import PMSTestSupport
import XCTest

/// pms-metrics rebuilds its counters from `job_runs` at start, then counts live run events on top.
final class RebuildTests: XCTestCase {
    static let t0 = instant("2026-01-08T08:00:00+08:00")

    func testCountersAveragesAndPercentilesSurviveARestartAndLiveRunsAddOnTop() async throws {
        // generate_shortage_alerts: ten runs of 100…1000 ms, the 4th and the 10th failed; then a skipped slot.
        let ids = LockedIDs()
        let metrics = try await RunningMetrics.start(prepare: { db, _ in
            for i in 1...10 {
                let trigger: RunTrigger = i == 3 || i == 6 ? .manual : (i == 10 ? .retry : .cron)
                let failed = i == 4 || i == 10
                let id = try await insertRun(db, job: "generate_shortage_alerts", status: failed ? .failed : .succeeded,
                                             trigger: trigger, finishedAt: Self.t0 + Double(i) * 3600,
                                             durationMS: Double(i * 100), error: failed ? "boom \(i)" : nil)
                ids.append(id)
            }
            try await insertRun(db, job: "generate_shortage_alerts", status: .skipped, finishedAt: Self.t0 + 11 * 3600,
                                durationMS: nil, error: "missed")
            // check_overdue_issues: 1,005 successes of 1…1005 ms, in one statement.
            try await db.execute(
                """
                INSERT INTO job_runs (run_id, job_id, domain, trigger, scheduled_for, status, finished_at, duration_ms)
                SELECT gen_random_uuid(), 'check_overdue_issues', 'issues', 'cron', $1::timestamptz + g * interval '1 minute',
                       'succeeded', $1::timestamptz + g * interval '1 minute', g
                  FROM generate_series(1, 1005) AS g
                """, [Self.t0])
            // check_delivery_delay: never succeeded, failed three times; a run still going is not counted.
            for i in 1...3 {
                try await insertRun(db, job: "check_delivery_delay", status: .failed, finishedAt: Self.t0 + Double(i) * 60,
                                    durationMS: 5, error: "not implemented")
            }
            try await db.execute(
                """
                INSERT INTO job_runs (run_id, job_id, domain, trigger, scheduled_for, status, started_at)
                VALUES (gen_random_uuid(), 'daily_kit_check', 'shortage', 'cron', $1, 'started', $1)
                """, [Self.t0])
        })
        let (total, jobs) = try await metrics.jsonMetrics()
        XCTAssertEqual(total, 3)
        XCTAssertNil(jobs["daily_kit_check"])

        let shortage = try XCTUnwrap(jobs["generate_shortage_alerts"])
        XCTAssertEqual(shortage["job_name"] as? String, "缺料预警生成")
        XCTAssertEqual(shortage["owner"] as? String, "Supply Chain")
        XCTAssertEqual(shortage["category"] as? String, "Shortage")
        XCTAssertEqual(shortage["success_count"] as? Int, 8)
        XCTAssertEqual(shortage["failure_count"] as? Int, 2)
        XCTAssertEqual(shortage["skipped_count"] as? Int, 1)
        XCTAssertEqual(shortage["total_runs"] as? Int, 10)
        XCTAssertEqual(shortage["runs_by_trigger"] as? [String: Int], ["cron": 8, "manual": 2, "retry": 1, "catchup": 0])
        XCTAssertEqual(shortage["total_duration_ms"] as? Double, 5500)
        XCTAssertEqual(shortage["avg_duration_ms"] as? Double, 550)
        XCTAssertEqual(shortage["p50_duration_ms"] as? Double, 550)
        XCTAssertEqual(shortage["p95_duration_ms"] as? Double, 955)
        XCTAssertEqual(shortage["p99_duration_ms"] as? Double, 991)
        XCTAssertEqual(shortage["min_duration_ms"] as? Double, 100)
        XCTAssertEqual(shortage["max_duration_ms"] as? Double, 1000)
        XCTAssertEqual(shortage["sample_count"] as? Int, 10)
        XCTAssertEqual(shortage["last_status"] as? String, "failed")
        XCTAssertEqual(shortage["last_duration_ms"] as? Double, 1000)
        XCTAssertEqual(shortage["last_timestamp"] as? String, "2026-01-08T10:00:00Z")
        XCTAssertEqual(shortage["last_success_timestamp"] as? String, "2026-01-08T09:00:00Z")
        XCTAssertEqual(shortage["consecutive_failures"] as? Int, 1)

        let issues = try XCTUnwrap(jobs["check_overdue_issues"])
        XCTAssertEqual(issues["success_count"] as? Int, 1005)
        XCTAssertEqual(issues["sample_count"] as? Int, 1000)
        XCTAssertEqual(issues["min_duration_ms"] as? Double, 6)
        XCTAssertEqual(issues["max_duration_ms"] as? Double, 1005)
        XCTAssertEqual(issues["p50_duration_ms"] as? Double, 505.5)
        XCTAssertEqual(issues["avg_duration_ms"] as? Double, 503)

        let delivery = try XCTUnwrap(jobs["check_delivery_delay"])
        XCTAssertEqual(delivery["consecutive_failures"] as? Int, 3)
        XCTAssertTrue(delivery["last_success_timestamp"] is NSNull)

        // The same numbers in Prometheus text, which promtool accepts.
        let (_, text, type) = try await metrics.get("/metrics")
        XCTAssertEqual(type, "text/plain; version=0.0.4; charset=utf-8")
        let labels = #"job_id="generate_shortage_alerts",job_name="缺料预警生成",owner="Supply Chain",category="Shortage""#
        XCTAssertTrue(text.contains("scheduler_job_success_total{\(labels)} 8\n"), text)
        XCTAssertTrue(text.contains(#"scheduler_job_runs_by_trigger_total{\#(labels),trigger="manual"} 2"#), text)
        XCTAssertTrue(text.contains(#"scheduler_job_duration_seconds_bucket{\#(labels),le="0.5"} 5"#), text)
        XCTAssertTrue(text.contains("scheduler_job_duration_p95_seconds{\(labels)} 0.955\n"), text)
        XCTAssertTrue(text.contains("scheduler_job_consecutive_failures{\(labels)} 1\n"), text)
        let selfUp = try await eventually { try await metrics.get("/metrics").body.contains(#"pms_service_up{service="metrics"} 1"#) }
        XCTAssertTrue(selfUp, "pms-metrics hears its own retained online status")
        let check = try runCommand("/usr/bin/promtool", ["check", "metrics"], standardInput: text)
        XCTAssertEqual(check.status, 0, "promtool check metrics: \(check.output)\n\(text)")
        let (_, viaAPI, _) = try await metrics.get("/api/v1/scheduler/metrics/prometheus")
        let (_, again, _) = try await metrics.get("/metrics")
        XCTAssertEqual(viaAPI, again)

        // Live, over the real broker: a redelivery of a run the rebuild loaded changes nothing, a new run adds one.
        let publisher = MQTTClient(configuration: MQTTConfiguration(
            url: MosquittoTestServer.shared.url, clientID: "pub-\(UUID().uuidString.prefix(8))"), logger: testLogger())
        try await publisher.connect(timeout: 10)
        let topics = metrics.topics
        let replay = RunEvent(runID: ids.all[9], jobID: "generate_shortage_alerts", domain: .shortage, instance: "x",
                              trigger: .retry, at: Self.t0 + 10 * 3600, durationMS: 1000, error: "boom 10")
        try await publisher.publish(MQTTMessage(topic: topics.run(jobID: "generate_shortage_alerts", event: .failed),
                                                payload: try BusCoding.encode(replay), qos: 1))
        let live = RunEvent(runID: UUID(), jobID: "generate_shortage_alerts", domain: .shortage, instance: "x",
                            trigger: .cron, at: instant("2026-01-09T07:00:02+08:00"), durationMS: 2000)
        try await publisher.publish(MQTTMessage(topic: topics.run(jobID: "generate_shortage_alerts", event: .succeeded),
                                                payload: try BusCoding.encode(live), qos: 1))
        let counted = try await eventually {
            (try await metrics.jsonMetrics().jobs["generate_shortage_alerts"]?["success_count"] as? Int) == 9
        }
        XCTAssertTrue(counted)
        try await Task.sleep(nanoseconds: 300_000_000)
        let afterJobs = try await metrics.jsonMetrics().jobs
        let after = try XCTUnwrap(afterJobs["generate_shortage_alerts"])
        XCTAssertEqual(after["success_count"] as? Int, 9)
        XCTAssertEqual(after["failure_count"] as? Int, 2)
        XCTAssertEqual(after["total_runs"] as? Int, 11)
        XCTAssertEqual(after["sample_count"] as? Int, 11)
        XCTAssertEqual(after["max_duration_ms"] as? Double, 2000)
        XCTAssertEqual(after["total_duration_ms"] as? Double, 7500)
        XCTAssertEqual(after["consecutive_failures"] as? Int, 0)
        XCTAssertEqual(after["last_status"] as? String, "success")
        XCTAssertEqual(after["last_timestamp"] as? String, "2026-01-08T23:00:02Z")
        XCTAssertEqual(after["runs_by_trigger"] as? [String: Int], ["cron": 9, "manual": 2, "retry": 1, "catchup": 0])

        await publisher.disconnect()
        await metrics.stop()
    }

    func testAnEmptyHistoryServesAnEmptyListAndValidText() async throws {
        let metrics = try await RunningMetrics.start()
        let (status, body, type) = try await metrics.get("/api/v1/scheduler/metrics")
        XCTAssertEqual(status, 200)
        XCTAssertEqual(type, "application/json; charset=utf-8")
        XCTAssertEqual(body, #"{"code":200,"data":{"metrics":[],"notification_channels":[],"total":0},"message":"success"}"#)
        let (_, text, _) = try await metrics.get("/metrics")
        let check = try runCommand("/usr/bin/promtool", ["check", "metrics"], standardInput: text)
        XCTAssertEqual(check.status, 0, "promtool check metrics: \(check.output)\n\(text)")
        let (_, health, _) = try await metrics.get("/health")
        XCTAssertEqual(health, "ok\n")
        await metrics.stop()
    }
}

/// Run ids collected inside the `prepare` closure.
final class LockedIDs: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [UUID] = []
    func append(_ id: UUID) { lock.withLock { ids.append(id) } }
    var all: [UUID] { lock.withLock { ids } }
}
