import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 8: check_issue_timeout_escalation END TO END over the real broker. The job has no recipients: the run
/// event carries the counts and the database holds the raised priority and its audit follow-up.
final class CheckIssueTimeoutEscalationEndToEndTests: JobsEndToEndTestCase {
    // CheckIssueTimeoutEscalationTests scenario 1: OPEN MEDIUM issue 401 created 2026-01-01 12:00 → HIGH at
    // 2026-01-09 01:30; the 7-day-old issue 402 stays MEDIUM.
    func testAgedIssueIsRaisedOneStep() async throws {
        try await cluster.exec("""
            INSERT INTO issues (id, issue_no, title, status, priority, created_at, updated_at) VALUES
              (401, 'IS401', '问题401', 'OPEN', 'MEDIUM', '2026-01-01 12:00+08', '2026-01-01 12:00+08'),
              (402, 'IS402', '问题402', 'OPEN', 'MEDIUM', '2026-01-02 08:00+08', '2026-01-02 08:00+08');
            """)
        let (seen, run) = try await runJob("check_issue_timeout_escalation", asOf: "2026-01-09T01:30")
        XCTAssertEqual(run?.domain, .issues)
        XCTAssertEqual(run?.result?.checked, 2)
        XCTAssertEqual(run?.result?.updated, 1)
        if case .number(let n)? = run?.result?.details?["escalated_count"] { XCTAssertEqual(n, 1) } else {
            XCTFail("escalated_count missing")
        }
        let issues = try await cluster.rows("""
            SELECT id, priority,
                   coalesce(to_char(priority_escalated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), '-') AS esc
              FROM issues ORDER BY id
            """)
        XCTAssertEqual(issues.map { "\($0["id"]!):\($0["priority"]!):\($0["esc"]!)" },
                       ["401:HIGH:2026-01-09 01:30", "402:MEDIUM:-"])
        let follow = try await cluster.rows(
            "SELECT issue_id, content, operator_id, operator_name FROM issue_follow_up_records ORDER BY id")
        XCTAssertEqual(follow.map { "\($0["issue_id"]!):\($0["content"]!):\($0["operator_name"]!)" },
                       ["401:问题超时自动升级优先级至 HIGH:系统"])
        XCTAssertEqual(follow.first?.isNull("operator_id"), true)
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") || $0.topic.hasPrefix("\(p)/inbox/") }.count, 0,
                       "no alert, no notification")
    }
}
