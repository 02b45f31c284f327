import Foundation
import PMSBus
import PMSTestSupport
import XCTest

/// `/metrics` is valid Prometheus text, as judged by Prometheus' own `promtool check metrics`.
final class MetricsExpositionTests: XCTestCase {
    func testMetricsPassPromtoolAfterSucceededAndFailedRuns() async throws {
        let cluster = try await ServiceCluster(brokerURL: MosquittoTestServer.shared.url)
        let observer = try await BusObserver(brokerURL: MosquittoTestServer.shared.url, filter: cluster.topics.prefix + "/#")
        let p = cluster.topics.prefix
        try await observer.publish("\(p)/trigger/generate_shortage_alerts", #"{"params":{"as_of":"2026-01-09"}}"#)
        // generate_shortage_daily_report is not implemented yet: its run fails, and says so.
        try await observer.publish("\(p)/trigger/generate_shortage_daily_report", "")
        let seen = await observer.waitFor { msgs in
            msgs.contains { $0.topic == "\(p)/run/generate_shortage_alerts/succeeded" } && msgs.contains { $0.topic == "\(p)/run/generate_shortage_daily_report/failed" }
        }
        let failedMessage = try XCTUnwrap(seen.first { $0.topic == "\(p)/run/generate_shortage_daily_report/failed" })
        let failed = try BusCoding.decode(RunEvent.self, from: failedMessage.payload)
        XCTAssertEqual(failed.error, "not implemented yet: generate_shortage_daily_report lands with issue #5 (shortage and production domains)")

        var body = ""
        for _ in 0..<100 {
            body = try await cluster.metricsText()
            if body.contains("scheduler_job_failure_total{job_id=\"generate_shortage_daily_report\"") && body.contains("scheduler_job_success_total{") { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        XCTAssertTrue(body.contains(#"scheduler_job_failure_total{job_id="generate_shortage_daily_report",job_name="缺料日报自动生成",owner="Supply Chain",category="Shortage"} 1"#), body)
        XCTAssertTrue(body.contains(#"scheduler_job_runs_total{job_id="generate_shortage_alerts",job_name="缺料预警生成",owner="Supply Chain",category="Shortage",outcome="succeeded"} 1"#), body)
        XCTAssertTrue(body.contains("scheduler_job_duration_seconds_bucket{"), body)
        XCTAssertTrue(body.contains("scheduler_job_last_success_timestamp_seconds{"), body)
        let (_, contentType) = try await httpGet("http://127.0.0.1:\(cluster.metricsPort)/metrics")
        XCTAssertEqual(contentType, "text/plain; version=0.0.4; charset=utf-8")

        let check = try runCommand("/usr/bin/promtool", ["check", "metrics"], standardInput: body)
        XCTAssertEqual(check.status, 0, "promtool check metrics: \(check.output)\n\(body)")
        await observer.close()
        await cluster.stop()
    }
}
