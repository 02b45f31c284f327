import Foundation
import MetricsService
import PMSBus
import XCTest

final class JobMetricsTests: XCTestCase {
    func testASucceededRunIsCountedWithItsDuration() {
        let metrics = JobMetrics()
        let event = RunEvent(runID: UUID(), jobID: "daily_kit_check", domain: .shortage, instance: "i", trigger: .cron,
                             at: Date(timeIntervalSince1970: 1_767_913_200), durationMS: 1500)
        metrics.record(event, kind: .succeeded)
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        XCTAssertTrue(text.contains(#"scheduler_job_success_total{job_id="daily_kit_check",job_name="每日齐套检查",owner="Supply Chain",category="Shortage"} 1"#), text)
        XCTAssertTrue(text.contains(#"scheduler_job_last_duration_seconds{job_id="daily_kit_check",job_name="每日齐套检查",owner="Supply Chain",category="Shortage"} 1.5"#), text)
        XCTAssertTrue(text.contains(#"scheduler_job_last_success_timestamp_seconds{job_id="daily_kit_check",job_name="每日齐套检查",owner="Supply Chain",category="Shortage"} 1767913200"#), text)
    }
}
