import Foundation
import PMSTestSupport
import XCTest

/// deploy/prometheus: Prometheus' own `promtool` accepts the config and the rules, the rule unit tests
/// (every alert fires on synthetic series, and not before its threshold) pass, and the rules name only
/// metrics pms-metrics exports or the rules themselves record.
final class PrometheusConfigTests: XCTestCase {
    func testPromtoolChecksConfigAndRules() throws {
        guard let promtool = requireDeployTool("/usr/bin/promtool") else { return }
        let config = try runCommand(promtool, ["check", "config", DeployFiles.path("prometheus/prometheus.yml")])
        XCTAssertEqual(config.status, 0, config.output)
        XCTAssertTrue(config.output.contains("1 rule files found"), "rule_files must find the rules: \(config.output)")
        let rules = try runCommand(promtool, ["check", "rules", DeployFiles.path("prometheus/rules/pms-alerts.yml")])
        XCTAssertEqual(rules.status, 0, rules.output)
    }

    func testAlertRulesFireOnSyntheticSeries() throws {
        guard let promtool = requireDeployTool("/usr/bin/promtool") else { return }
        let test = try runCommand(promtool, ["test", "rules", DeployFiles.path("prometheus/tests/pms-alerts.test.yml")])
        XCTAssertEqual(test.status, 0, test.output)
        XCTAssertTrue(test.output.contains("SUCCESS"), test.output)
        // Every alert of the rules file has a case in the unit tests.
        let rules = try String(contentsOfFile: DeployFiles.path("prometheus/rules/pms-alerts.yml"), encoding: .utf8)
        let tests = try String(contentsOfFile: DeployFiles.path("prometheus/tests/pms-alerts.test.yml"), encoding: .utf8)
        let alerts = PromRuleYAML.values(of: "alert", in: rules)
        XCTAssertEqual(Set(alerts), ["PMSJobFailingRepeatedly", "PMSJobConsecutiveFailures", "PMSJobNotSucceeding",
                                     "PMSServiceDown", "PMSMetricsDown"])
        for alert in alerts { XCTAssertTrue(tests.contains("alertname: \(alert)\n"), "no promtool test for \(alert)") }
    }

    func testAlertRulesUseOnlyExportedMetrics() async throws {
        let rules = try String(contentsOfFile: DeployFiles.path("prometheus/rules/pms-alerts.yml"), encoding: .utf8)
        let exprs = PromRuleYAML.values(of: "expr", in: rules)
        XCTAssertEqual(exprs.count, 6, "\(exprs)")
        let recorded = Set(PromRuleYAML.values(of: "record", in: rules))
        let exported = try await ExportedMetricFamilies.live()
        let used = Set(exprs.flatMap(PromQLNames.metrics))
        XCTAssertTrue(used.isSuperset(of: ["scheduler_job_failure_total", "scheduler_job_last_success_timestamp_seconds",
                                           "pms_service_up", "up"]), "\(used)")
        for name in used.sorted() {
            XCTAssertTrue(exported.contains(name) || recorded.contains(name),
                          "the rules use \(name), which pms-metrics does not export")
        }
    }
}

/// Just enough of a YAML reader for the rules file: `key: value` and folded `key: >-` blocks.
enum PromRuleYAML {
    static func values(of key: String, in text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        var values: [String] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let prefix = trimmed.hasPrefix("- ") ? String(trimmed.dropFirst(2)) : trimmed
            index += 1
            guard prefix.hasPrefix(key + ":") else { continue }
            let rest = prefix.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
            guard rest == ">-" || rest == ">" || rest == "|" else { values.append(rest); continue }
            let indent = line.prefix { $0 == " " }.count
            var block: [String] = []
            while index < lines.count, lines[index].prefix(while: { $0 == " " }).count > indent {
                block.append(lines[index].trimmingCharacters(in: .whitespaces))
                index += 1
            }
            values.append(block.joined(separator: " "))
        }
        return values
    }
}
