import Foundation
import MetricsService
import PMSBus
import PMSCatalog
import XCTest

/// The status page as a pure rendering: what it shows without a database, escaping, the sparkline.
final class StatusPageRenderTests: XCTestCase {
    let zone = TimeZone(identifier: "Asia/Shanghai")!

    func testWithoutTheDatabaseThePageStillListsEveryJobAndSaysWhy() {
        let page = StatusPage(now: instant("2026-01-09T06:00:00+08:00"), zone: zone, records: [:], database: nil,
                              databaseError: #"connection refused <host "db">"#, services: ServiceStatus.list([]))
        let html = page.render()
        XCTAssertEqual(html.components(separatedBy: #"<tr id="job-"#).count - 1, JobCatalog.all.count)
        XCTAssertTrue(html.contains(#"Database unavailable: connection refused &lt;host &quot;db&quot;&gt;"#), html)
        XCTAssertTrue(html.contains(#"<h2>Open alerts <small>未关闭预警</small></h2><p class="muted">unavailable</p>"#))
        // Without scheduler state the catalog cron is used: the next hourly slot, the next 07:00.
        XCTAssertEqual(page.nextRun(of: JobCatalog.job(id: "generate_shortage_alerts")!), "2026-01-09 07:00")
        XCTAssertEqual(page.nextRun(of: JobCatalog.job(id: "check_blocking_issues")!), "2026-01-09 06:05")
        // Every known service is listed, down until it says it is online.
        XCTAssertTrue(html.contains(#"<li class="service down" data-service="scheduler">"#))
        XCTAssertFalse(html.contains("<script"))
    }

    func testAPausedJobAndACronOverride() {
        let database = StatusPageDatabase(openAlerts: [.urgent: 4], schedules: [
            "daily_kit_check": JobScheduleState(isEnabled: false),
            "generate_shortage_alerts": JobScheduleState(isEnabled: true, cronOverride: "30 6 * * *"),
        ])
        let page = StatusPage(now: instant("2026-01-09T06:00:00+08:00"), zone: zone, records: [:], database: database,
                              services: [])
        XCTAssertEqual(page.nextRun(of: JobCatalog.job(id: "daily_kit_check")!), "paused")
        XCTAssertEqual(page.nextRun(of: JobCatalog.job(id: "generate_shortage_alerts")!), "2026-01-09 06:30")
        let html = page.render()
        XCTAssertTrue(html.contains(#"<td class="cron"><code>30 6 * * *</code> <span class="muted">override</span></td>"#))
        XCTAssertTrue(html.contains(#"data-level="URGENT"><th>URGENT</th><td class="count">4</td>"#))
    }

    func testTheSparklineScalesToTheLongestRunAndMarksFailures() {
        let t0 = Date(timeIntervalSince1970: 0)
        let runs = [100.0, 400, 200].enumerated().map { i, ms in
            FinishedRun(runID: UUID(), outcome: i == 1 ? .failed : .succeeded, trigger: .cron, at: t0 + Double(i), durationMS: ms)
        }
        let svg = Sparkline.svg(runs, width: 104, height: 22)
        // x from 2 to 102, y from 20 (0 ms) up to 2 (the longest).
        XCTAssertTrue(svg.contains(#"points="2,15.5 52,2 102,11""#), svg)
        XCTAssertTrue(svg.contains(##"<circle cx="52" cy="2" r="2" fill="#dc2626"/>"##), svg)
        XCTAssertTrue(svg.contains("<title>last 3 durations, longest 400 ms</title>"), svg)
        XCTAssertEqual(Sparkline.svg([]), #"<span class="muted">—</span>"#)
    }

    func testTextIsEscapedAndDurationsReadLikePeopleWriteThem() {
        XCTAssertEqual(HTML.escape(#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        XCTAssertEqual(DurationText.format(ms: 850.4), "850 ms")
        XCTAssertEqual(DurationText.format(ms: 12_345), "12.3 s")
        XCTAssertEqual(DurationText.format(ms: 245_000), "4 min 05 s")
    }
}
