import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// check_milestone_status_and_adjust_payments END TO END over the real broker: CheckMilestoneStatusAndAdjustPaymentsTests
/// scenario 1 (milestone 11 COMPLETED on 2026-01-07, updated 09:40; plan 101 due 2026-01-19; watermark 09:00),
/// triggered with as_of 10:00. pms-receivables moves the plan and writes the notices to the inboxes itself.
final class CheckMilestoneStatusAndAdjustPaymentsEndToEndTests: JobsEndToEndTestCase {
    func testEarlyCompletionMovesThePlanAndTellsOwnerPMAndFinance() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (2, 'sales2', true), (3, 'pm3', true),
              (9, 'fin9', true), (31, 'off31', false);
            INSERT INTO roles (id, role_code) VALUES (1, 'FI');
            INSERT INTO user_roles (user_id, role_id) VALUES (9, 1), (31, 1);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (1, 'PRJ-001', '一号线', 3);
            INSERT INTO contracts (id, contract_code, project_id, owner_id) VALUES (21, 'HT-021', 1, 2);
            UPDATE projects SET contract_id = 21 WHERE id = 1;
            INSERT INTO project_milestones (id, project_id, milestone_code, milestone_name, planned_date, actual_date,
                                            status, updated_at)
            VALUES (11, 1, 'MS-11', '出厂验收', '2026-01-15', '2026-01-07', 'COMPLETED', '2026-01-09 09:40+08');
            INSERT INTO project_payment_plans (id, project_id, contract_id, payment_name, payment_type, planned_amount,
                                               planned_date, milestone_id, status)
            VALUES (101, 1, 21, '验收款', 'ACCEPTANCE', 300000.00, '2026-01-19', 11, 'PENDING');
            UPDATE scheduler_job_state SET last_success_started_at = '2026-01-09 09:00+08'
             WHERE job_id = 'check_milestone_status_and_adjust_payments';
            """)
        let (seen, run) = try await runJob("check_milestone_status_and_adjust_payments", asOf: "2026-01-09T10:00",
                                           until: "\(p)/inbox/2", "\(p)/inbox/3", "\(p)/inbox/9")
        XCTAssertEqual(run?.domain, .receivables)
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.updated, 1)
        XCTAssertEqual(run?.result?.created, 3)
        let inbox = seen.filter { $0.topic.hasPrefix("\(p)/inbox/") }
        XCTAssertEqual(Set(inbox.map(\.topic)), ["\(p)/inbox/2", "\(p)/inbox/3", "\(p)/inbox/9"])
        XCTAssertEqual(inbox.count, 3)
        let message = try BusCoding.decode(InboxMessage.self, from: try XCTUnwrap(inbox.first { $0.topic == "\(p)/inbox/9" }).payload)
        XCTAssertEqual(message.userID, 9)
        XCTAssertEqual(message.notificationType, "PAYMENT_ADJUSTMENT")
        XCTAssertEqual(message.title, "收款计划调整通知")
        XCTAssertEqual(message.content, "项目 PRJ-001 的收款计划已调整：\n里程碑：出厂验收\n调整的收款计划：验收款\n"
                                        + "调整原因：里程碑状态变更为 COMPLETED，自动调整收款计划\n请及时关注收款计划变更。")
        XCTAssertEqual(message.priority, "NORMAL")
        XCTAssertNil(message.linkURL)
        XCTAssertEqual(message.sourceType, "milestone")
        XCTAssertEqual(message.sourceID, 11)
        XCTAssertEqual(message.createdAt, RFC3339.parse("2026-01-09T10:00:00+08:00"))
        let plan = try await cluster.rows("SELECT to_char(planned_date, 'YYYY-MM-DD') AS d FROM project_payment_plans WHERE id = 101")
        XCTAssertEqual(plan.first?["d"], "2026-01-07")
        let state = try await cluster.rows("""
            SELECT last_success_started_at = '2026-01-09 10:00+08'::timestamptz AS advanced
              FROM scheduler_job_state WHERE job_id = 'check_milestone_status_and_adjust_payments'
            """)
        XCTAssertEqual(state.first?["advanced"], "t")
        XCTAssertEqual(seen.filter { $0.topic == "\(p)/inbox/1" || $0.topic == "\(p)/inbox/31" }.count, 0)
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") }.count, 0, "notices, not alerts")
    }
}
