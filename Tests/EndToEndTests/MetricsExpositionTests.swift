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
        // Without its alert rule daily_spec_match_check cannot run: the run fails, and says why.
        try await cluster.exec("DELETE FROM alert_rules WHERE rule_code = 'SPEC_MISMATCH'")
        try await observer.publish("\(p)/trigger/daily_spec_match_check", "")
        let seen = await observer.waitFor { msgs in
            msgs.contains { $0.topic == "\(p)/run/generate_shortage_alerts/succeeded" } && msgs.contains { $0.topic == "\(p)/run/daily_spec_match_check/failed" }
        }
        let failedMessage = try XCTUnwrap(seen.first { $0.topic == "\(p)/run/daily_spec_match_check/failed" })
        let failed = try BusCoding.decode(RunEvent.self, from: failedMessage.payload)
        XCTAssertEqual(failed.error, "rule missing: alert rule SPEC_MISMATCH does not exist")

        var body = ""
        for _ in 0..<100 {
            body = try await cluster.metricsText()
            if body.contains("scheduler_job_failure_total{job_id=\"daily_spec_match_check\"") && body.contains("scheduler_job_success_total{") { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        XCTAssertTrue(body.contains(#"scheduler_job_failure_total{job_id="daily_spec_match_check",job_name="每日规格匹配检查",owner="Quality Team",category="Spec Match"} 1"#), body)
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
