import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 7: sales_reminder_scan END TO END over the real broker, every step registered. Scenarios 1 and 3 of
/// the spec at 09:00 on 2026-01-09: milestone M1 (PENDING, due D+2, owner 1), plan P1 (PENDING, due D+5,
/// contract owner 2), lead L1 (QUALIFYING since D−5 14:00, owner 4). pms-receivables writes the reminders
/// itself; each reaches its user's inbox once, and a second trigger the same day adds nothing.
final class SalesReminderScanEndToEndTests: JobsEndToEndTestCase {
    func testTheScanRemindsMilestoneOwnerContractOwnerAndLeadOwnerOnce() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (1, 'owner1', '里程碑负责人', true), (2, 'sales2', '销售', true), (3, 'pm3', '项目经理', true),
              (4, 'sales4', '线索负责人', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (1, 'PJ-1', '一号线', 3);
            INSERT INTO contracts (id, contract_code, owner_id, project_id, status) VALUES (1, 'HT-1', 2, 1, 'SIGNED');
            INSERT INTO project_milestones (id, project_id, milestone_code, milestone_name, planned_date, status, owner_id)
            VALUES (11, 1, 'MS-001', '设计评审', '2026-01-11', 'PENDING', 1);
            INSERT INTO project_payment_plans (id, project_id, contract_id, payment_name, payment_type, planned_amount,
                actual_amount, planned_date, status)
            VALUES (101, 1, 1, '首付款', 'ADVANCE', 300000.00, 0, '2026-01-14', 'PENDING');
            INSERT INTO leads (id, lead_code, owner_id, status, updated_at)
            VALUES (31, 'LD-31', 4, 'QUALIFYING', '2026-01-04T14:00:00+08:00');
            """)
        let (seen, run) = try await runJob("sales_reminder_scan", asOf: "2026-01-09T09:00",
                                           until: "\(p)/inbox/1", "\(p)/inbox/2", "\(p)/inbox/4")
        XCTAssertEqual(run?.domain, .receivables)
        XCTAssertEqual(run?.result?.created, 3)
        XCTAssertEqual(run?.result?.notified, 3)
        let inbox = try seen.filter { $0.topic.hasPrefix("\(p)/inbox/") }
            .map { ($0.topic, try BusCoding.decode(InboxMessage.self, from: $0.payload)) }
        XCTAssertEqual(inbox.map(\.0).sorted(), ["\(p)/inbox/1", "\(p)/inbox/2", "\(p)/inbox/4"])
        let byUser = Dictionary(uniqueKeysWithValues: inbox.map { ($0.1.userID, $0.1) })
        XCTAssertEqual(byUser[1]?.notificationType, "MILESTONE_UPCOMING")
        XCTAssertEqual(byUser[1]?.title, "里程碑即将到期：设计评审")
        XCTAssertEqual(byUser[1]?.content, "里程碑 MS-001 将在 2026-01-11 到期，请及时处理。")
        XCTAssertEqual(byUser[1]?.priority, "HIGH")
        XCTAssertEqual(byUser[2]?.notificationType, "PAYMENT_PLAN_UPCOMING")
        XCTAssertEqual(byUser[2]?.title, "收款计划即将到期：首付款")
        XCTAssertEqual(byUser[2]?.priority, "NORMAL")
        XCTAssertEqual(byUser[4]?.notificationType, "GATE_TIMEOUT")
        XCTAssertEqual(byUser[4]?.title, "阶段门超时提醒：G1（线索转商机）")
        XCTAssertEqual(byUser[4]?.content, "线索 LD-31 的 G1 阶段门已提交 5 天未处理，请及时处理。")
        XCTAssertEqual(byUser[4]?.priority, "HIGH")

        // A second run the same day (11:00): succeeds and creates nothing.
        await observer.clear()
        let (_, again) = try await runJob("sales_reminder_scan", asOf: "2026-01-09T11:00")
        XCTAssertEqual(again?.result?.created, 0)
        let total = try await cluster.rows("SELECT count(*)::int AS n FROM notifications").first?.decode(Int.self, "n")
        XCTAssertEqual(total, 3)
    }
}
