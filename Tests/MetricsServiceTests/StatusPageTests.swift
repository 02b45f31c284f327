import Foundation
import MetricsService
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest

/// `GET /`: the status page, fetched over HTTP and rendered by headless Chromium.
final class StatusPageTests: XCTestCase {
    static let now = instant("2026-01-09T06:00:00+08:00")
    static let hostileError = #"<b>&"boom"</b> 数据库超时"#

    func testTheStatusPageShowsEveryJobItsNextRunOpenAlertsAndServices() async throws {
        let publisher = MQTTClient(configuration: MQTTConfiguration(
            url: MosquittoTestServer.shared.url, clientID: "pub-\(UUID().uuidString.prefix(8))"), logger: testLogger())
        try await publisher.connect(timeout: 10)
        var retained: [String] = []
        let metrics = try await RunningMetrics.start(now: { Self.now }) { db, topics in
            try await Self.writeHistory(db)
            try await Self.writeAlerts(db)
            try await db.execute("UPDATE scheduler_job_state SET is_enabled = false WHERE job_id = 'daily_kit_check'")
            // Retained statuses as the services leave them: shortage online, progress gone (its last will).
            for (service, status) in [("shortage", ServiceStatusMessage.Status.online), ("progress", .offline)] {
                let presence = ServicePresence(service: service, instance: "a1", version: "0.1.0",
                                               startedAt: Self.now - 3600, topics: topics)
                try await publisher.publish(presence.message(status))
                retained.append(presence.topic)
            }
        }
        let seenServices = try await eventually {
            let body = try await metrics.get("/").body
            return body.contains(#"<li class="service up" data-service="shortage">"#)
                && body.contains(#"<li class="service down" data-service="progress">"#)
                && body.contains(#"<li class="service up" data-service="metrics">"#)
        }
        XCTAssertTrue(seenServices)

        let (status, html, type) = try await metrics.get("/")
        XCTAssertEqual(status, 200)
        XCTAssertEqual(type, "text/html; charset=utf-8")
        XCTAssertTrue(html.contains("<title>PMS 后台任务状态</title>"))
        XCTAssertEqual(html.components(separatedBy: #"<tr id="job-"#).count - 1, 37)
        // Next runs from the injected clock, 06:00 in Shanghai.
        XCTAssertTrue(row("generate_shortage_alerts", html).contains(#"<td class="next-run">2026-01-09 07:00</td>"#),
                      row("generate_shortage_alerts", html))
        XCTAssertTrue(row("daily_health_snapshot", html).contains(#"<td class="next-run">2026-01-10 02:00</td>"#))
        XCTAssertTrue(row("calculate_monthly_labor_cost", html).contains(#"<td class="cron"><code>0 2 1 * *</code></td>"#))
        XCTAssertTrue(row("calculate_monthly_labor_cost", html).contains(#"<td class="next-run">2026-02-01 02:00</td>"#))
        XCTAssertTrue(row("daily_kit_check", html).contains(#"<td class="next-run">paused</td>"#))
        XCTAssertTrue(row("generate_shortage_alerts", html).contains("缺料预警生成"))
        XCTAssertTrue(row("generate_shortage_alerts", html).contains(#"<svg class="spark""#))
        XCTAssertTrue(row("generate_shortage_alerts", html).contains(#"<span class="badge succeeded">succeeded</span>"#))
        // A job in trouble: its streak highlighted, its error escaped.
        let failing = row("check_delivery_delay", html)
        XCTAssertTrue(failing.contains(#"class="failing""#), failing)
        XCTAssertTrue(failing.contains(#"<td class="streak hot">3</td>"#), failing)
        XCTAssertTrue(failing.contains("&lt;b&gt;&amp;&quot;boom&quot;&lt;/b&gt; 数据库超时"), failing)
        XCTAssertFalse(html.contains(Self.hostileError))
        XCTAssertTrue(row("check_timeout_issues", html).contains(#"<span class="muted">never run</span>"#))
        // Open alerts (PENDING, ACKNOWLEDGED, PROCESSING) by level.
        for (level, count) in [("URGENT", 2), ("CRITICAL", 1), ("WARNING", 3), ("INFO", 0)] {
            XCTAssertTrue(html.contains(#"data-level="\#(level)"><th>\#(level)</th><td class="count">\#(count)</td></tr>"#), level)
        }
        XCTAssertTrue(html.contains(#"<tr class="total"><th>Total</th><td class="count">6</td></tr>"#))
        XCTAssertTrue(html.contains(#"<li class="service down" data-service="cost">"#))

        try browserCheck(url: metrics.baseURL + "/")

        for topic in retained { try await publisher.publish(MQTTMessage(topic: topic, payload: [], qos: 1, retain: true)) }
        await publisher.disconnect()
        await metrics.stop()
    }

    /// Renders the page in headless Chromium: the DOM a person sees, and a screenshot (kept at
    /// `PMS_STATUS_PAGE_SCREENSHOT` when set, for the README).
    func browserCheck(url: String) throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            XCTFail("chromium is not installed: apt-get install -y chromium (scripts/install-deps.sh)")
            return
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("status-page-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                      "--user-data-dir=\(scratch.path)/profile", "--window-size=1280,2000"]

        let dom = try runCommand(chromium, common + ["--dump-dom", url])
        XCTAssertTrue(dom.output.contains("<title>PMS 后台任务状态</title>"), dom.output)
        XCTAssertTrue(dom.output.contains("<h1>PMS 后台任务状态"), dom.output)
        XCTAssertTrue(dom.output.contains(#"<span class="name">缺料预警生成</span>"#), dom.output)
        XCTAssertTrue(dom.output.contains(#"data-level="URGENT"><th>URGENT</th><td class="count">2</td>"#), dom.output)
        XCTAssertTrue(dom.output.contains(#"<td class="next-run">2026-01-09 07:00</td>"#), dom.output)
        // The hostile error stays text: no <b> element came out of it.
        XCTAssertFalse(dom.output.contains(#"<b>&amp;"boom"</b>"#), dom.output)

        let png = ProcessInfo.processInfo.environment["PMS_STATUS_PAGE_SCREENSHOT"] ?? scratch.appendingPathComponent("page.png").path
        let shot = try runCommand(chromium, common + ["--screenshot=\(png)", url])
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: png), shot.output)
        XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG")
        XCTAssertGreaterThan(bytes.count, 20_000, "a rendered page, not a blank one")
    }

    /// The `<tr>` of one job.
    func row(_ jobID: String, _ html: String) -> String {
        guard let start = html.range(of: #"<tr id="job-\#(jobID)""#),
              let end = html.range(of: "</tr>", range: start.upperBound..<html.endIndex) else { return "" }
        return String(html[start.lowerBound..<end.upperBound])
    }

    /// Forty hourly runs for a handful of jobs (durations wave, every 11th failed), and a job failing now.
    static func writeHistory(_ db: PostgresConnection) async throws {
        let jobs = ["generate_shortage_alerts", "calculate_project_health", "check_overdue_issues", "check_task_delay_alerts",
                    "check_milestone_status_and_adjust_payments", "send_alert_notifications", "daily_health_snapshot"]
        let domains = ["shortage", "progress", "issues", "progress", "receivables", "notifications", "progress"]
        let bases = [4200.0, 850, 320, 610, 1500, 95, 12_000]
        try await db.execute(
            """
            INSERT INTO job_runs (run_id, job_id, domain, trigger, scheduled_for, status, error, finished_at, duration_ms)
            SELECT gen_random_uuid(), j.id, j.domain, CASE WHEN g % 7 = 0 THEN 'manual' ELSE 'cron' END,
                   $1::timestamptz - g * interval '1 hour',
                   CASE WHEN (g + j.k) % 11 = 5 THEN 'failed' ELSE 'succeeded' END,
                   CASE WHEN (g + j.k) % 11 = 5 THEN 'timeout' END,
                   $1::timestamptz - g * interval '1 hour' + interval '3 seconds',
                   round((j.base * (1 + 0.45 * sin(g / 2.5 + j.k * 1.3) + 0.15 * cos(g * 1.7 + j.k)))::numeric, 2)
              FROM unnest($2::text[], $3::text[], $4::float8[]) WITH ORDINALITY AS j(id, domain, base, k), generate_series(1, 40) AS g
            """, [now, jobs, domains, bases])
        try await insertRun(db, job: "check_delivery_delay", status: .succeeded, finishedAt: now - 4 * 3600, durationMS: 700)
        for hours in [3.0, 2, 1] {
            try await insertRun(db, job: "check_delivery_delay", status: .failed, finishedAt: now - hours * 3600,
                                durationMS: 30_000, error: hostileError)
        }
        try await insertRun(db, job: "daily_kit_check", status: .skipped, finishedAt: now - 600, durationMS: nil, error: "overlap")
    }

    /// Open alerts: 2 URGENT, 1 CRITICAL, 3 WARNING; closed ones are not counted.
    static func writeAlerts(_ db: PostgresConnection) async throws {
        try await db.execute(
            """
            INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, alert_level, alert_title, alert_content,
                                       status, triggered_at)
            SELECT 'QL2026010900' || lpad(v.n::text, 2, '0'), (SELECT min(id) FROM alert_rules), 'MATERIAL', v.n,
                   v.level, '测试预警 ' || v.n, 'content', v.status, $1
              FROM (VALUES (1, 'URGENT', 'PENDING'), (2, 'URGENT', 'PROCESSING'), (3, 'URGENT', 'RESOLVED'),
                           (4, 'CRITICAL', 'ACKNOWLEDGED'), (5, 'WARNING', 'PENDING'), (6, 'WARNING', 'PENDING'),
                           (7, 'WARNING', 'ACKNOWLEDGED'), (8, 'INFO', 'CLOSED'), (9, 'CRITICAL', 'IGNORED'))
                   AS v(n, level, status)
            """, [now])
    }
}
