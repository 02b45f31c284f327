import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 7: check_cost_overrun_alerts END TO END over the real broker (pms-cost, pms-notifications).
/// CheckCostOverrunAlertsTests scenario 1: project PJ-1 (PM 7) with budget 1,000,000.00 and a ledger of
/// 1,080,000.00 (8 % over); runs at 10:00 on 2026-01-09.
final class CheckCostOverrunAlertsEndToEndTests: JobsEndToEndTestCase {
    func testOverrunRaisesTheWarningAndTellsThePM() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (7, 'pm7', true);
            INSERT INTO projects (id, project_code, project_name, pm_id, budget_amount) VALUES (1, 'PJ-1', '一号线', 7, 1000000.00);
            INSERT INTO project_costs (project_id, cost_type, cost_category, amount, cost_date) VALUES
              (1, 'MATERIAL', 'MATERIAL', 1000000.00, '2026-01-05'), (1, 'LABOR', 'LABOR', 80000.00, '2025-12-31');
            """)
        let topic = alertTopic("WARNING", "cost", "COST_OVERRUN")
        let (seen, run) = try await runJob("check_cost_overrun_alerts", asOf: "2026-01-09T10:00", until: topic, "\(p)/inbox/7")
        XCTAssertEqual(run?.domain, .cost)
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.notified, 1)
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "CO202601090001")
        XCTAssertEqual(alert?.title, "项目成本超支：一号线")
        XCTAssertEqual(alert?.content, "项目 PJ-1 成本超支 8.00%（预算：1,000,000.00，实际：1,080,000.00）")
        XCTAssertEqual(alert?.event, .raised)
        XCTAssertEqual(alert?.projectID, 1)
        try assertAlertInbox(seen, user: 7, alert: alert, priority: "WARNING")
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/inbox/") }.map(\.topic), ["\(p)/inbox/7"])
        let rows = try await cluster.rows("SELECT trigger_value, threshold_value FROM alert_records")
        XCTAssertEqual(rows.map { "\($0["trigger_value"]!) \($0["threshold_value"]!)" }, ["8.00 5"])
    }
}
