import Foundation
import PMSBus
import PMSCatalog

/// `GET /`: a server-rendered HTML page (UTF-8, inline CSS, no script) for people: every catalog job with
/// its schedule, next run, last outcome and duration, a sparkline of recent durations and its failure
/// streak; open alerts by level; services up or down. All text is HTML-escaped.
public struct StatusPage: Sendable {
    public static let contentType = "text/html; charset=utf-8"
    public static let title = "PMS 后台任务状态"

    public var now: Date
    public var zone: TimeZone
    public var records: [String: JobRecord]
    /// Nil when the database could not be read (`databaseError` says why).
    public var database: StatusPageDatabase?
    public var databaseError: String?
    public var services: [ServiceStatus]
    /// Whether the run history has been rebuilt from `job_runs` yet.
    public var historyLoaded: Bool
    public var version: String

    public init(now: Date, zone: TimeZone, records: [String: JobRecord], database: StatusPageDatabase?,
                databaseError: String? = nil, services: [ServiceStatus], historyLoaded: Bool = true,
                version: String = "") {
        self.now = now; self.zone = zone; self.records = records; self.database = database
        self.databaseError = databaseError; self.services = services; self.historyLoaded = historyLoaded
        self.version = version
    }

    /// The next run of `job` after `now`, as the page shows it: `2026-01-09 07:00`, `paused`, or `—`.
    public func nextRun(of job: JobDefinition) -> String {
        let state = database?.schedules[job.id]
        if state?.isEnabled == false { return "paused" }
        guard let expression = try? CronExpression(state?.cronOverride ?? job.cron),
              let next = expression.nextFireDate(after: now, in: zone) else { return "—" }
        return LocalTime.minutes(next, in: zone)
    }

    public func render() -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(Self.title))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <header>
            <h1>\(HTML.escape(Self.title)) <small>background jobs</small></h1>
            <p class="meta">As of <time>\(HTML.escape(LocalTime.seconds(now, in: zone)))</time> \
            (\(HTML.escape(zone.identifier))) · \(JobCatalog.all.count) jobs · \
            \(historyLoaded ? "history rebuilt from job_runs" : "<b>history not loaded yet</b>")\
            \(version.isEmpty ? "" : " · pms-metrics " + HTML.escape(version))</p>
            </header>
            <div class="cards">

            """
        html += alertsCard() + servicesCard() + runsCard()
        html += "</div>\n"
        if let databaseError {
            html += #"<p class="error">Database unavailable: \#(HTML.escape(databaseError))</p>"# + "\n"
        }
        html += jobsTable()
        html += "</body>\n</html>\n"
        return html
    }

    func alertsCard() -> String {
        var out = #"<section class="card" id="alerts"><h2>Open alerts <small>未关闭预警</small></h2>"#
        guard let alerts = database?.openAlerts else {
            return out + #"<p class="muted">unavailable</p></section>"# + "\n"
        }
        out += "<table class=\"levels\">"
        for level in AlertLevel.allCases.reversed() {
            let count = alerts[level, default: 0]
            out += #"<tr class="level level-\#(level.rawValue.lowercased())\#(count > 0 ? " some" : "")" data-level="\#(level.rawValue)">"#
                + #"<th>\#(level.rawValue)</th><td class="count">\#(count)</td></tr>"#
        }
        out += #"<tr class="total"><th>Total</th><td class="count">\#(alerts.values.reduce(0, +))</td></tr>"#
        return out + "</table></section>\n"
    }

    func servicesCard() -> String {
        var out = #"<section class="card" id="services"><h2>Services <small>服务</small></h2><ul class="services">"#
        for service in services {
            let state = service.up ? "up" : "down"
            let detail = service.instances == 0 ? "no status" : "\(service.online)/\(service.instances) online"
            out += #"<li class="service \#(state)" data-service="\#(HTML.escape(service.name))">"#
                + #"<span class="dot"></span><span class="name">\#(HTML.escape(service.name))</span> "#
                + #"<span class="state">\#(state)</span> <span class="muted">\#(detail)</span></li>"#
        }
        return out + "</ul></section>\n"
    }

    func runsCard() -> String {
        let all = Array(records.values)
        let sum = { (kind: RunEventKind) in all.reduce(0) { $0 + $1.outcomes[kind, default: 0] } }
        let failing = JobCatalog.all.filter { (records[$0.id]?.consecutiveFailures ?? 0) > 0 }.count
        let neverRun = JobCatalog.all.filter { (records[$0.id]?.finishedRuns ?? 0) == 0 }.count
        return #"<section class="card" id="runs"><h2>Runs <small>运行</small></h2><table class="levels">"#
            + #"<tr><th>Succeeded</th><td class="count">\#(sum(.succeeded))</td></tr>"#
            + #"<tr><th>Failed</th><td class="count">\#(sum(.failed))</td></tr>"#
            + #"<tr><th>Skipped</th><td class="count">\#(sum(.skipped))</td></tr>"#
            + #"<tr class="\#(failing > 0 ? "hot" : "")"><th>Jobs failing now</th><td class="count">\#(failing)</td></tr>"#
            + #"<tr><th>Jobs never run</th><td class="count">\#(neverRun)</td></tr>"#
            + "</table></section>\n"
    }

    func jobsTable() -> String {
        var out = """
            <table class="jobs">
            <thead><tr><th>#</th><th>Job</th><th>Schedule</th><th>Next run</th><th>Last outcome</th>\
            <th>Last run</th><th>Duration</th><th>Last \(Sparkline.defaultPoints)</th><th>p95</th>\
            <th title="succeeded / failed runs">OK / fail</th><th title="failed runs since the last success">Streak</th></tr></thead>
            <tbody>

            """
        for (index, job) in JobCatalog.all.enumerated() {
            out += row(index + 1, job) + "\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    func row(_ number: Int, _ job: JobDefinition) -> String {
        let record = records[job.id]
        let streak = record?.consecutiveFailures ?? 0
        let override = database?.schedules[job.id]?.cronOverride
        var cells: [String] = []
        cells.append(#"<td class="num">\#(number)</td>"#)
        cells.append(#"<td class="job"><span class="name">\#(HTML.escape(job.name))</span>"#
                     + #" <span class="domain">\#(HTML.escape(job.domain.rawValue))</span>"#
                     + #"<br><code>\#(HTML.escape(job.id))</code></td>"#)
        cells.append(#"<td class="cron"><code>\#(HTML.escape(override ?? job.cron))</code>"#
                     + (override == nil ? "" : #" <span class="muted">override</span>"#) + "</td>")
        cells.append(#"<td class="next-run">\#(HTML.escape(nextRun(of: job)))</td>"#)
        if let last = record?.lastRun {
            var outcome = #"<span class="badge \#(last.outcome.rawValue)">\#(last.outcome.rawValue)</span>"#
            if let error = last.error, !error.isEmpty {
                let shown = error.count > 160 ? String(error.prefix(160)) + "…" : error
                outcome += #"<div class="err">\#(HTML.escape(shown))</div>"#
            }
            cells.append(#"<td class="outcome">\#(outcome)</td>"#)
            cells.append(#"<td class="when">\#(HTML.escape(LocalTime.minutes(last.at, in: zone)))</td>"#)
        } else {
            cells.append(#"<td class="outcome"><span class="muted">never run</span></td>"#)
            cells.append(#"<td class="when muted">—</td>"#)
        }
        let lastDuration = record?.lastCompleted?.durationMS.map { DurationText.format(ms: $0) } ?? "—"
        cells.append(#"<td class="dur">\#(lastDuration)</td>"#)
        let recent = Array((record?.window.runs ?? []).filter(\.isSample).suffix(Sparkline.defaultPoints))
        cells.append(#"<td class="spark">\#(Sparkline.svg(recent))</td>"#)
        cells.append(#"<td class="dur">\#(record?.statistics.p95.map { DurationText.format(ms: $0) } ?? "—")</td>"#)
        cells.append(#"<td class="counts">\#(record?.successCount ?? 0) / \#(record?.failureCount ?? 0)</td>"#)
        cells.append(#"<td class="streak\#(streak > 0 ? " hot" : "")">\#(streak)</td>"#)
        let classes = streak > 0 ? #" class="failing""# : ""
        return #"<tr id="job-\#(HTML.escape(job.id))" data-job="\#(HTML.escape(job.id))"\#(classes)>"# + cells.joined() + "</tr>"
    }

    static let css = """
        body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;\
        margin:16px 20px;color:#1f2937;background:#f8fafc;font-size:13px;line-height:1.3}
        h1{font-size:21px;margin:0 0 4px}h1 small,h2 small{color:#6b7280;font-weight:normal;font-size:60%}
        h2{font-size:14px;margin:0 0 6px}.meta{color:#6b7280;margin:0 0 14px}
        .cards{display:flex;gap:14px;flex-wrap:wrap;margin-bottom:14px}
        .card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;min-width:200px}
        table.levels{border-collapse:collapse}table.levels th{text-align:left;font-weight:normal;padding:1px 16px 1px 0}
        table.levels td.count{text-align:right;font-variant-numeric:tabular-nums;font-weight:600}
        .level-urgent.some th,.level-urgent.some td{color:#b91c1c}.level-critical.some th,.level-critical.some td{color:#c2410c}
        .level-warning.some td{color:#a16207}.total th,.total td{border-top:1px solid #e5e7eb}tr.hot td{color:#b91c1c}
        ul.services{list-style:none;margin:0;padding:0;columns:2;column-gap:24px}ul.services li{padding:1px 0;white-space:nowrap}
        .dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px;background:#9ca3af}
        .up .dot{background:#16a34a}.down .dot{background:#dc2626}.up .state{color:#15803d}.down .state{color:#b91c1c}
        .muted{color:#9ca3af}.error{color:#b91c1c;font-weight:600}
        table.jobs{border-collapse:collapse;width:100%;background:#fff;border:1px solid #e5e7eb}
        table.jobs th{background:#f1f5f9;text-align:left;font-weight:600;padding:5px 6px;border-bottom:1px solid #e5e7eb;white-space:nowrap}
        table.jobs td{padding:3px 6px;border-bottom:1px solid #f1f5f9;vertical-align:middle;white-space:nowrap}
        table.jobs td.num,table.jobs td.dur,table.jobs td.counts,table.jobs td.streak{text-align:right;font-variant-numeric:tabular-nums}
        td.job .name{font-weight:600}.domain{color:#6b7280;font-size:11px;margin-left:4px}code{font-size:11px;color:#475569}td.job code{color:#64748b}
        .badge{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px;background:#e5e7eb}
        .badge.succeeded{background:#dcfce7;color:#166534}.badge.failed{background:#fee2e2;color:#991b1b}
        .badge.skipped{background:#f3f4f6;color:#4b5563}
        td.outcome{white-space:normal;max-width:190px}.err{color:#b91c1c;font-size:11px;overflow-wrap:anywhere}
        svg.spark{display:block}
        tr.failing td{background:#fff7f7}td.streak.hot{background:#dc2626;color:#fff;font-weight:700}
        """
}
