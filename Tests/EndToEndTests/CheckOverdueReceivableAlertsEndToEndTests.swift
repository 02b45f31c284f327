import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 7: check_overdue_receivable_alerts END TO END over the real broker (pms-receivables, pms-notifications).
/// CheckOverdueReceivableAlertsTests scenario 1: invoice INV-1 (113,000.00 total, 13,000.00 paid) due 45 days
/// before 2026-01-09; contract owner 2, project 1 with PM 7; runs at 10:30.
final class CheckOverdueReceivableAlertsEndToEndTests: JobsEndToEndTestCase {
    func testOverdueInvoiceRaisesTheWarningAndTellsOwnerAndPM() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (2, 'sales2', true), (7, 'pm7', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (1, 'P1', '一号线', 7);
            INSERT INTO customers (id, customer_name) VALUES (1, 'ACME');
            INSERT INTO contracts (id, contract_code, customer_id, project_id, owner_id, status) VALUES (1, 'C1', 1, 1, 2, 'ACTIVE');
            INSERT INTO invoices (id, invoice_code, contract_id, total_amount, amount, paid_amount, status, payment_status, due_date)
            VALUES (1, 'INV-1', 1, 113000.00, 100000.00, 13000.00, 'ISSUED', 'PARTIAL', '2025-11-25');
            """)
        let topic = alertTopic("WARNING", "receivables", "OVERDUE_RECEIVABLE")
        let (seen, run) = try await runJob("check_overdue_receivable_alerts", asOf: "2026-01-09T10:30",
                                           until: topic, "\(p)/inbox/2", "\(p)/inbox/7")
        XCTAssertEqual(run?.domain, .receivables)
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.notified, 2)
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "AR202601090001")
        XCTAssertEqual(alert?.title, "逾期应收预警：INV-1")
        XCTAssertEqual(alert?.content, "发票 INV-1（客户：ACME）已逾期 45 天，未收金额：100,000.00 元，请及时跟进。")
        XCTAssertEqual(alert?.event, .raised)
        XCTAssertEqual(alert?.projectID, 1)
        try assertAlertInbox(seen, user: 2, alert: alert, priority: "WARNING")
        try assertAlertInbox(seen, user: 7, alert: alert, priority: "WARNING")
        let rows = try await cluster.rows("SELECT trigger_value, threshold_value, status FROM alert_records")
        XCTAssertEqual(rows.map { "\($0["trigger_value"]!) \($0["threshold_value"]!) \($0["status"]!)" }, ["45 30 PENDING"])
    }
}
