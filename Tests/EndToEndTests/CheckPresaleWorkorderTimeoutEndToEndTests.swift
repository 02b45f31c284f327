import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 7: check_presale_workorder_timeout END TO END over the real broker. No alert rule: pms-receivables writes
/// the reminder itself and its outbox publishes it to the assignee's inbox.
final class CheckPresaleWorkorderTimeoutEndToEndTests: JobsEndToEndTestCase {
    // CheckPresaleWorkorderTimeoutTests scenario 1: ticket PS-001 (CONSULT, ACCEPTED, created 2026-01-05,
    // assignee 31, no deadline) is 4 days old > 3 at 2026-01-09 16:00 → one NORMAL reminder for the assignee.
    func testTicketTimeoutReachesTheAssigneeInbox() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (31, 'pre31', '售前一', true), (34, 'sales34', '销售四', true);
            INSERT INTO presale_support_ticket (id, ticket_no, title, ticket_type, status, applicant_id, assignee_id,
                created_at)
            VALUES (1, 'PS-001', '方案咨询', 'CONSULT', 'ACCEPTED', 34, 31, '2026-01-05 10:00+08');
            """)
        let (seen, run) = try await runJob("check_presale_workorder_timeout", asOf: "2026-01-09T16:00",
                                           until: "\(p)/inbox/31")
        XCTAssertEqual(run?.domain, .receivables)
        XCTAssertEqual(run?.result?.created, 1)
        let inbox = seen.filter { $0.topic.hasPrefix("\(p)/inbox/") }
        XCTAssertEqual(inbox.map(\.topic), ["\(p)/inbox/31"])
        let message = try BusCoding.decode(InboxMessage.self, from: try XCTUnwrap(inbox.first).payload)
        XCTAssertEqual(message.userID, 31)
        XCTAssertEqual(message.notificationType, "PRESALE_TICKET_TIMEOUT")
        XCTAssertEqual(message.title, "售前工单处理超时：PS-001")
        XCTAssertEqual(message.content, "售前工单 PS-001（方案咨询）已创建 4 天，超过标准处理时间 3 天，请及时处理。")
        XCTAssertEqual(message.priority, "NORMAL")
        XCTAssertEqual(message.linkURL, "/presale/tickets/1")
        XCTAssertEqual(message.sourceType, "presale_ticket")
        XCTAssertEqual(message.sourceID, 1)
        XCTAssertEqual(message.createdAt, RFC3339.parse("2026-01-09T16:00:00+08:00"))
        let notes = try await cluster.rows("SELECT id, dedupe_key FROM notifications WHERE user_id = 31")
        XCTAssertEqual(notes.map { $0["id"] }, ["\(message.notificationID)"])
        XCTAssertEqual(notes.map { $0["dedupe_key"] }, ["PRESALE_TICKET_TIMEOUT|presale_ticket|1|31|2026-01-09"])
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") }.count, 0, "a reminder, not an alert")
    }
}
