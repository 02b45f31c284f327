import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 8: check_timeout_issues END TO END over the real broker. CheckTimeoutIssuesTests scenario 1 (issue 301,
/// OPEN LOW, last activity D-10 10:00) plus scenario 3 (issue 303, PROCESSING URGENT, inactive since D-30);
/// triggered with as_of D 01:00. The job has no recipients, so the user-visible output is the raised priority
/// and the 系统 follow-up in the issue's log; nothing goes to the alert or inbox topics.
final class CheckTimeoutIssuesEndToEndTests: JobsEndToEndTestCase {
    func testCheckTimeoutIssuesRaisesTheInactiveIssueOneStep() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES (5, 'eng5', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (1, 'P1', '项目一', 5);
            INSERT INTO issues (id, issue_no, title, priority, status, project_id, last_follow_up_at, created_at, updated_at)
            VALUES (301, 'IS301', '问题301', 'LOW', 'OPEN', 1, '2025-12-30 10:00+08', '2025-12-20 09:00+08', '2025-12-20 09:00+08'),
                   (303, 'IS303', '问题303', 'URGENT', 'PROCESSING', 1, NULL, '2025-12-10 09:00+08', '2025-12-10 09:00+08');
            INSERT INTO issue_follow_up_records (issue_id, follow_up_type, content, operator_id, operator_name, created_at)
            VALUES (301, 'COMMENT', '跟进', 5, 'eng5', '2025-12-30 10:00+08');
            """)
        let (seen, run) = try await runJob("check_timeout_issues", asOf: "2026-01-09T01:00")
        XCTAssertEqual(run?.domain, .issues)
        if case .number(let n)? = run?.result?.details?["timeout_count"] { XCTAssertEqual(n, 2) } else { XCTFail("timeout_count") }
        if case .number(let n)? = run?.result?.details?["upgraded_count"] { XCTAssertEqual(n, 1) } else { XCTFail("upgraded_count") }
        XCTAssertEqual(run?.result?.updated, 1)
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") || $0.topic.hasPrefix("\(p)/inbox/") }.count, 0)

        let issues = try await cluster.rows("""
            SELECT id, priority,
                   coalesce(to_char(priority_escalated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), '-') AS esc
              FROM issues ORDER BY id
            """)
        XCTAssertEqual(issues.map { "\($0["id"]!) \($0["priority"]!) \($0["esc"]!)" },
                       ["301 MEDIUM 2026-01-09 01:00", "303 URGENT -"])
        let logs = try await cluster.rows("""
            SELECT issue_id, follow_up_type, content, coalesce(operator_id::text, 'NULL') AS op, operator_name, old_status,
                   new_status, to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS at
              FROM issue_follow_up_records WHERE operator_name = '系统' ORDER BY id
            """)
        XCTAssertEqual(logs.map { r in
            ["issue_id", "follow_up_type", "content", "op", "operator_name", "old_status", "new_status", "at"]
                .map { r[$0]! }.joined(separator: "|")
        }, ["301|STATUS_CHANGE|问题超时自动升级优先级至 MEDIUM|NULL|系统|OPEN|OPEN|2026-01-09 01:00"])
    }
}
