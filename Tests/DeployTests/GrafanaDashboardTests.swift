import Foundation
import PMSTestSupport
import XCTest

/// deploy/grafana: the dashboard parses, has the panels the issue asks for, and every metric its queries
/// name is one a live pms-metrics exports; the provisioning points at the datasource uid it uses.
final class GrafanaDashboardTests: XCTestCase {
    func testDashboardHasRequiredPanelsOverExportedMetrics() async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: DeployFiles.path("grafana/dashboards/pms.json")))
        let dashboard = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], "pms.json is not a JSON object")
        let panels = try XCTUnwrap(dashboard["panels"] as? [[String: Any]], "no panels")
        var exprsByTitle: [String: [String]] = [:]
        for panel in panels {
            let title = try XCTUnwrap(panel["title"] as? String)
            let targets = panel["targets"] as? [[String: Any]] ?? []
            exprsByTitle[title] = targets.compactMap { $0["expr"] as? String }
            let uid = (panel["datasource"] as? [String: Any])?["uid"] as? String
            XCTAssertEqual(uid, "pms-prometheus", "panel \(title) must use the provisioned datasource")
        }
        func panel(_ words: String, using fragment: String) {
            let hit = exprsByTitle.contains { title, exprs in
                title.localizedCaseInsensitiveContains(words) && exprs.contains { $0.contains(fragment) }
            }
            XCTAssertTrue(hit, "no panel titled like '\(words)' with a query containing \(fragment)")
        }
        panel("Runs", using: "scheduler_job_runs_total")
        panel("Failures", using: "scheduler_job_failure_total")
        panel("Last success", using: "scheduler_job_last_success_timestamp_seconds")
        panel("Services up", using: "pms_service_up")
        for q in ["0.5", "0.95", "0.99"] {
            panel("p50 / p95 / p99", using: "histogram_quantile(\(q), sum by (le) (rate(scheduler_job_duration_seconds_bucket")
        }
        let datasource = try String(contentsOfFile: DeployFiles.path("grafana/provisioning/datasources/prometheus.yml"), encoding: .utf8)
        XCTAssertTrue(datasource.contains("uid: pms-prometheus"), datasource)
        let provider = try String(contentsOfFile: DeployFiles.path("grafana/provisioning/dashboards/pms.yml"), encoding: .utf8)
        XCTAssertTrue(provider.contains("type: file"), provider)

        var exprs = exprsByTitle.values.flatMap { $0 }
        if let variables = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] {
            exprs += variables.compactMap { $0["definition"] as? String }
        }
        let exported = try await ExportedMetricFamilies.live()
        let used = Set(exprs.flatMap(PromQLNames.metrics))
        XCTAssertTrue(used.isSuperset(of: ["scheduler_job_runs_total", "pms_service_up", "scheduler_job_duration_seconds_bucket"]), "\(used)")
        for name in used.sorted() {
            XCTAssertTrue(exported.contains(name), "the dashboard uses \(name), which pms-metrics does not export")
        }
    }

    /// The name extractor itself, so a broken parser cannot make the checks above vacuous.
    func testPromQLNameExtraction() {
        XCTAssertEqual(PromQLNames.metrics(
            #"histogram_quantile(0.95, sum by (job_id, le) (rate(a_bucket{job_id=~"$job_id"}[$__rate_interval])))"#), ["a_bucket"])
        XCTAssertEqual(PromQLNames.metrics(
            #"(time() - max by (job_id) (b_seconds)) > on (job_id) group_left () (2 * pms:c) or d unless e offset 5m"#),
            ["b_seconds", "pms:c", "d", "e"])
        XCTAssertEqual(PromQLNames.metrics("label_values(f_total, job_id)"), ["f_total"])
    }
}

/// Metric names in a PromQL expression: identifiers that are not functions, keywords, label names
/// (in `{}` or in `by`/`on`-style lists), strings, durations or numbers.
enum PromQLNames {
    static let keywords: Set<String> = ["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
                                        "unless", "bool", "offset", "inf", "nan"]

    static func metrics(_ expr: String) -> [String] {
        var text = expr
        // Strings, label matchers, ranges and label lists after grouping keywords go first.
        for pattern in [#""(\\.|[^"\\])*""#, #"\{[^}]*\}"#, #"\[[^\]]*\]"#,
                        #"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#] {
            text = text.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        // label_values(metric, label): the second argument is a label.
        text = text.replacingOccurrences(of: #"label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,[^)]*\)"#,
                                         with: "($1)", options: .regularExpression)
        let regex = try! NSRegularExpression(pattern: #"[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?"#)
        var names: [String] = []
        for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard match.range(at: 1).location == NSNotFound else { continue } // a function call
            let start = text.index(text.startIndex, offsetBy: 0)
            let range = Range(match.range, in: text)!
            if range.lowerBound > start, let before = text[..<range.lowerBound].last, before.isNumber || before == "." || before == "$" { continue }
            let name = String(text[range])
            if !keywords.contains(name.lowercased()), !names.contains(name) { names.append(name) }
        }
        return names
    }
}

/// The sample names a live pms-metrics exports, from its `# TYPE` lines (present for every family even
/// before any run): histograms as `_bucket`, `_sum`, `_count`; plus `up`, which Prometheus adds per target.
enum ExportedMetricFamilies {
    static func live() async throws -> Set<String> {
        let metrics = try await DeployMetricsServer.start()
        let body: String
        do { body = try await metrics.text("/metrics").body } catch { await metrics.stop(); throw error }
        await metrics.stop()
        var names: Set<String> = ["up"]
        for line in body.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            guard parts.count == 4 else { continue }
            let name = String(parts[2])
            if parts[3] == "histogram" {
                names.formUnion([name + "_bucket", name + "_sum", name + "_count"])
            } else {
                names.insert(name)
            }
        }
        if names.count < 10 { throw TestServerError("pms-metrics /metrics has too few families:\n\(body)") }
        return names
    }
}
