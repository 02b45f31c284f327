import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 7: calculate_monthly_labor_cost END TO END over the real broker. The data of
/// CalculateMonthlyLaborCostTests scenario 1 (8 h on 01-05 and 4 h on 01-20 at a USER rate of 150.00, plus a
/// material cost of 500.00), triggered as of 2026-02-01 02:00: pms-cost reports the run succeeded with its counts,
/// the labour row and the project's actual_cost are in the database, and nothing is alerted or sent to an inbox.
final class CalculateMonthlyLaborCostEndToEndTests: JobsEndToEndTestCase {
    func testCalculateMonthlyLaborCostWritesTheMonthsLabourRow() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES (1, 'zhang1', '张三', true);
            INSERT INTO projects (id, project_code, project_name, actual_cost) VALUES (1, 'P1', '项目一', 0);
            INSERT INTO hourly_rate_configs (config_type, user_id, hourly_rate, effective_date)
            VALUES ('USER', 1, 150.00, '2025-01-01');
            INSERT INTO timesheet (user_id, project_id, work_date, hours, status) VALUES
              (1, 1, '2026-01-05', 8.00, 'APPROVED'), (1, 1, '2026-01-20', 4.00, 'APPROVED'),
              (1, 1, '2026-01-21', 4.00, 'SUBMITTED');
            INSERT INTO project_costs (project_id, cost_type, cost_category, amount, cost_date)
            VALUES (1, 'MATERIAL', 'MATERIAL', 500.00, '2026-01-10');
            """)
        let (seen, run) = try await runJob("calculate_monthly_labor_cost", asOf: "2026-02-01T02:00")
        XCTAssertEqual(run?.domain, .cost)
        XCTAssertEqual(run?.result?.checked, 2)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.updated, 0)
        XCTAssertEqual(run?.result?.resolved, 0)
        XCTAssertEqual(run?.result?.skipped, 0)
        XCTAssertEqual(run?.result?.details?["months"], .array([.string("2026-01"), .string("2025-12")]))
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") || $0.topic.hasPrefix("\(p)/inbox/") }.count, 0)
        let rows = try await cluster.rows("""
            SELECT project_id, source_id, cost_type, source_no, amount::text AS amount, cost_date::text AS d, description
              FROM project_costs WHERE source_module = 'TIMESHEET' AND source_type = 'LABOR_COST'
            """)
        XCTAssertEqual(rows.map { "\($0["project_id"]!) \($0["source_id"]!) \($0["cost_type"]!) \($0["source_no"]!) \($0["amount"]!) \($0["d"]!) \($0["description"]!)" },
                       ["1 1 LABOR LABOR-1-202601 1800.00 2026-01-31 人工成本：张三，工时：12.00小时"])
        let project = try await cluster.rows("SELECT actual_cost::text AS c FROM projects WHERE id = 1")
        XCTAssertEqual(project.first?["c"], "2300.00")
    }
}
