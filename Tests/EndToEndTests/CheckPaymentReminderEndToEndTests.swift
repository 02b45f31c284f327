import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 7: check_payment_reminder END TO END over the real broker. CheckPaymentReminderTests scenario 1: plan 101
/// (PENDING, due 2026-01-14, 300000.00) of contract 1 (owner 7); runs at 2026-01-09 09:30. No alert rule:
/// pms-receivables writes the reminder itself and its outbox publishes it to the contract owner's inbox.
final class CheckPaymentReminderEndToEndTests: JobsEndToEndTestCase {
    func testCheckPaymentReminderReachesTheContractOwnerInbox() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (3, 'pm3', '项目经理', true), (7, 'sales7', '销售', true), (9, 'fin9', '财务', true);
            INSERT INTO roles (id, role_code, role_name) VALUES (1, 'FIN', '财务');
            INSERT INTO user_roles (user_id, role_id) VALUES (9, 1);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (1, 'PJ-1', '一号线', 3);
            INSERT INTO contracts (id, contract_code, owner_id, project_id, status) VALUES (1, 'HT-1', 7, 1, 'SIGNED');
            INSERT INTO project_payment_plans (id, project_id, contract_id, payment_name, payment_type, planned_amount,
                actual_amount, planned_date, status)
            VALUES (101, 1, 1, '首付款', 'ADVANCE', 300000.00, 0, '2026-01-14', 'PENDING');
            """)
        let (seen, run) = try await runJob("check_payment_reminder", asOf: "2026-01-09T09:30", until: "\(p)/inbox/7")
        XCTAssertEqual(run?.domain, .receivables)
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.notified, 1)
        XCTAssertEqual(run?.result?.unrouted, 0)
        let inbox = seen.filter { $0.topic.hasPrefix("\(p)/inbox/") }
        XCTAssertEqual(inbox.map(\.topic), ["\(p)/inbox/7"], "single recipient: neither the PM nor finance")
        let message = try BusCoding.decode(InboxMessage.self, from: try XCTUnwrap(inbox.first).payload)
        XCTAssertEqual(message.userID, 7)
        XCTAssertEqual(message.notificationType, "PAYMENT_PLAN_UPCOMING")
        XCTAssertEqual(message.title, "收款计划即将到期：首付款")
        XCTAssertEqual(message.content, "收款计划 首付款（金额：300000.00，未收：300000.00）将在 2026-01-14 到期，请及时跟进。")
        XCTAssertEqual(message.priority, "NORMAL")
        XCTAssertEqual(message.linkURL, "/projects/1/payment-plans")
        XCTAssertEqual(message.sourceType, "payment_plan")
        XCTAssertEqual(message.sourceID, 101)
        XCTAssertEqual(message.createdAt, RFC3339.parse("2026-01-09T09:30:00+08:00"))
        let notes = try await cluster.rows("SELECT id, dedupe_key FROM notifications WHERE user_id = 7")
        XCTAssertEqual(notes.map { $0["id"] }, ["\(message.notificationID)"])
        XCTAssertEqual(notes.first?["dedupe_key"], "PAYMENT_PLAN_UPCOMING|payment_plan|101|7|2026-01-09")
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") }.count, 0, "a reminder, not an alert")
    }
}
