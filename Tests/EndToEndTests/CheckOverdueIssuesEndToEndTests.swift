import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 8: check_overdue_issues END TO END over the real broker. No alert rule: pms-issues writes the reminders
/// itself and its outbox publishes them to the assignee's and the PM's inboxes.
final class CheckOverdueIssuesEndToEndTests: JobsEndToEndTestCase {
    // CheckOverdueIssuesTests scenario 1: issue 101 due 2026-01-08, assignee 7, project 3 (PM 9) at 2026-01-09 10:00.
    func testOverdueIssueReachesAssigneeAndPMInboxes() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (7, 'u7', '处理人', true), (9, 'pm9', '项目经理', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (3, 'P-3', 'A线体', 9);
            INSERT INTO issues (id, issue_no, title, status, due_date, assignee_id, project_id)
            VALUES (101, 'IS20260101001', '夹爪气缸漏气', 'OPEN', '2026-01-08', 7, 3);
            """)
        let (seen, run) = try await runJob("check_overdue_issues", asOf: "2026-01-09T10:00",
                                           until: "\(p)/inbox/7", "\(p)/inbox/9")
        XCTAssertEqual(run?.domain, .issues)
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 2)
        if case .number(let n)? = run?.result?.details?["notified_count"] { XCTAssertEqual(n, 1) } else {
            XCTFail("notified_count missing")
        }
        let inbox = seen.filter { $0.topic.hasPrefix("\(p)/inbox/") }
        XCTAssertEqual(inbox.map(\.topic).sorted(), ["\(p)/inbox/7", "\(p)/inbox/9"])
        let assignee = try BusCoding.decode(InboxMessage.self,
                                            from: try XCTUnwrap(inbox.first { $0.topic == "\(p)/inbox/7" }).payload)
        XCTAssertEqual(assignee.userID, 7)
        XCTAssertEqual(assignee.notificationType, "ISSUE_OVERDUE")
        XCTAssertEqual(assignee.title, "问题已逾期：夹爪气缸漏气")
        XCTAssertEqual(assignee.content, "问题 IS20260101001 已逾期，要求完成日期：2026-01-08")
        XCTAssertEqual(assignee.priority, "HIGH")
        XCTAssertEqual(assignee.linkURL, "/issues/101")
        XCTAssertEqual(assignee.sourceType, "ISSUE")
        XCTAssertEqual(assignee.sourceID, 101)
        XCTAssertEqual(assignee.createdAt, RFC3339.parse("2026-01-09T10:00:00+08:00"))
        let pm = try BusCoding.decode(InboxMessage.self,
                                      from: try XCTUnwrap(inbox.first { $0.topic == "\(p)/inbox/9" }).payload)
        XCTAssertEqual(pm.userID, 9)
        XCTAssertEqual(pm.title, "项目问题已逾期：夹爪气缸漏气")
        XCTAssertEqual(pm.content, "项目 A线体 的问题 IS20260101001 已逾期")
        let notes = try await cluster.rows("SELECT id, dedupe_key FROM notifications ORDER BY id")
        XCTAssertEqual(notes.map { $0["id"] }, ["\(assignee.notificationID)", "\(pm.notificationID)"])
        XCTAssertEqual(notes.map { $0["dedupe_key"] }, [
            "ISSUE_OVERDUE|ISSUE|101|7|2026-01-09", "ISSUE_OVERDUE|ISSUE|101|9|2026-01-09",
        ])
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") }.count, 0, "a reminder, not an alert")
    }
}
