import Foundation
import MetricsService
import PMSBus
import PMSTestSupport
import XCTest

final class PrometheusExportTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_767_913_200)

    func store() -> MetricsStore {
        let store = MetricsStore()
        store.load([:])
        for (i, ms) in [1500.0, 800, 2500, 120].enumerated() {
            store.record(RunEvent(runID: UUID(), jobID: "daily_kit_check", domain: .shortage, instance: "i",
                                  trigger: i == 3 ? .manual : .cron, at: t0 + Double(i * 60), durationMS: ms),
                         kind: i == 2 ? .failed : .succeeded)
        }
        store.record(RunEvent(runID: UUID(), jobID: "check_delivery_delay", domain: .shortage, instance: "i",
                              trigger: .retry, at: t0, durationMS: 30, error: "not implemented"), kind: .failed)
        store.record(RunEvent(runID: UUID(), jobID: "check_delivery_delay", domain: .shortage, instance: "i",
                              trigger: .cron, at: t0 + 3600, error: "missed"), kind: .skipped)
        return store
    }

    func render() -> String {
        PrometheusExport.render(records: store().records(),
                                services: [("scheduler", true), ("shortage", false), ("metrics", true)])
    }

    func testTheExpositionPassesPromtool() throws {
        let text = render()
        XCTAssertTrue(text.hasSuffix("\n"))
        let check = try runCommand("/usr/bin/promtool", ["check", "metrics"], standardInput: text)
        XCTAssertEqual(check.status, 0, "promtool check metrics: \(check.output)\n\(text)")
        XCTAssertEqual(check.output.trimmingCharacters(in: .whitespacesAndNewlines), "", check.output)
    }

    func testEveryFamilyHasItsSamples() {
        let text = render()
        let labels = #"job_id="daily_kit_check",job_name="每日齐套检查",owner="Supply Chain",category="Shortage""#
        for line in [
            "scheduler_job_success_total{\(labels)} 3",
            "scheduler_job_failure_total{\(labels)} 1",
            #"scheduler_job_runs_total{\#(labels),outcome="succeeded"} 3"#,
            #"scheduler_job_runs_total{\#(labels),outcome="skipped"} 0"#,
            #"scheduler_job_runs_by_trigger_total{\#(labels),trigger="cron"} 3"#,
            #"scheduler_job_runs_by_trigger_total{\#(labels),trigger="manual"} 1"#,
            #"scheduler_job_runs_by_trigger_total{\#(labels),trigger="catchup"} 0"#,
            #"scheduler_job_duration_seconds_bucket{\#(labels),le="1"} 2"#,
            #"scheduler_job_duration_seconds_bucket{\#(labels),le="+Inf"} 4"#,
            "scheduler_job_duration_seconds_sum{\(labels)} 4.92",
            "scheduler_job_duration_seconds_count{\(labels)} 4",
            // sorted 120, 800, 1500, 2500: p50 → k = 1.5 → 1150 ms; p95 → k = 2.85 → 1500 + 0.85 × 1000 = 2350 ms
            "scheduler_job_duration_p50_seconds{\(labels)} 1.15",
            "scheduler_job_duration_p95_seconds{\(labels)} 2.35",
            "scheduler_job_duration_avg_seconds{\(labels)} 1.23",
            "scheduler_job_duration_min_seconds{\(labels)} 0.12",
            "scheduler_job_duration_max_seconds{\(labels)} 2.5",
            "scheduler_job_last_duration_seconds{\(labels)} 0.12",
            "scheduler_job_last_run_timestamp_seconds{\(labels)} 1767913380",
            "scheduler_job_last_success_timestamp_seconds{\(labels)} 1767913380",
            "scheduler_job_consecutive_failures{\(labels)} 0",
            #"scheduler_job_consecutive_failures{job_id="check_delivery_delay",job_name="到货延迟检查",owner="Supply Chain",category="Procurement"} 1"#,
            #"scheduler_job_runs_total{job_id="check_delivery_delay",job_name="到货延迟检查",owner="Supply Chain",category="Procurement",outcome="skipped"} 1"#,
            #"pms_service_up{service="scheduler"} 1"#,
            #"pms_service_up{service="shortage"} 0"#,
        ] {
            XCTAssertTrue(text.contains(line + "\n"), "missing \(line)\n\(text)")
        }
        // A job that never ran has no samples; one with only a failure has no success time.
        XCTAssertFalse(text.contains(#"job_id="generate_shortage_alerts""#))
        XCTAssertFalse(text.contains(#"scheduler_job_last_success_timestamp_seconds{job_id="check_delivery_delay""#))
        // Each family is declared once, before its samples.
        for family in ["scheduler_job_success_total", "scheduler_job_duration_seconds", "pms_service_up"] {
            XCTAssertEqual(text.components(separatedBy: "# TYPE \(family) ").count, 2, family)
        }
    }

    func testLabelValuesAreEscaped() {
        let text = PrometheusExport.render(records: [:], services: [(#"odd"name\with"#, true), ("two\nlines", false)])
        XCTAssertTrue(text.contains(#"pms_service_up{service="odd\"name\\with"} 1"#), text)
        XCTAssertTrue(text.contains(#"pms_service_up{service="two\nlines"} 0"#), text)
    }
}
