import Foundation
import PMSCatalog
import XCTest

/// pms-metrics exports no schedule, so the rules file carries each job's period as a table
/// (`pms:job_period_seconds`). It must say what the catalog's crons say, or a job that changes
/// cadence would alert too early or never.
final class PrometheusJobPeriodTests: XCTestCase {
    func testTheRecordedPeriodsMatchTheCatalogsCrons() throws {
        let rules = try String(contentsOfFile: DeployFiles.path("prometheus/rules/pms-alerts.yml"), encoding: .utf8)
        let expr = try XCTUnwrap(PromRuleYAML.values(of: "expr", in: rules).first { $0.contains("86400") })

        var hourly: Set<String> = []
        var monthly: Set<String> = []
        for job in JobCatalog.all {
            let fields = job.cron.split(separator: " ").map(String.init)
            XCTAssertEqual(fields.count, 5, job.cron)
            let (hour, dayOfMonth, month, dayOfWeek) = (fields[1], fields[2], fields[3], fields[4])
            XCTAssertEqual(month, "*", "\(job.id): a cadence the period table cannot express")
            XCTAssertEqual(dayOfWeek, "*", "\(job.id): a cadence the period table cannot express")
            if hour == "*" {
                XCTAssertEqual(dayOfMonth, "*", job.id)
                hourly.insert(job.id)
            } else if dayOfMonth != "*" {
                monthly.insert(job.id)
            }
        }
        XCTAssertEqual(hourly.count, 11)
        XCTAssertEqual(monthly, ["calculate_monthly_labor_cost"])
        XCTAssertEqual(Set(Self.jobIDs(after: "3600 *", in: expr)), hourly, "hourly jobs in the rules vs the catalog")
        XCTAssertEqual(Set(Self.jobIDs(after: "2678400 *", in: expr)), monthly, "monthly jobs in the rules vs the catalog")
        // Every other job falls to the daily default: the last branch has no job_id selector.
        let daily = try XCTUnwrap(expr.range(of: "or 86400 *"))
        XCTAssertFalse(expr[daily.upperBound...].contains("job_id="), "the daily default must match every job")
    }

    /// The job ids of the selector `{job_id=~"a|b"}` or `{job_id="a"}` that follows `marker`.
    private static func jobIDs(after marker: String, in expr: String) -> [String] {
        guard let start = expr.range(of: marker),
              let selector = expr[start.upperBound...].range(of: #"job_id=~?"[^"]*""#, options: .regularExpression)
        else { return [] }
        let quoted = expr[selector].drop { $0 != "\"" }.dropFirst().dropLast()
        return quoted.split(separator: "|").map(String.init)
    }
}
