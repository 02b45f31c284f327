import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 8: check_blocking_issues END TO END over the real broker (pms-issues, pms-notifications).
/// CheckBlockingIssuesTests scenario 1: PROCESSING blocking issue 201 (severity MAJOR) of project 3 (PM 7),
/// machine 12; runs at 09:05 on 2026-01-09. Health is left to calculate_project_health (DATA-MODEL §9.2).
final class CheckBlockingIssuesEndToEndTests: JobsEndToEndTestCase {
    func testBlockingIssueRaisesTheCriticalAlertAndTellsThePM() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (7, 'pm7', true);
            INSERT INTO projects (id, project_code, project_name, status, health, pm_id) VALUES (3, 'P-003', '装配线', 'ST08', 'H1', 7);
            INSERT INTO machines (id, project_id, machine_code) VALUES (12, 3, 'M-12');
            INSERT INTO issues (id, issue_no, title, is_blocking, status, severity, issue_type, project_id, machine_id)
            VALUES (201, 'IS20260105002', 'PLC通讯中断', true, 'PROCESSING', 'MAJOR', 'BLOCKER', 3, 12);
            """)
        let topic = alertTopic("CRITICAL", "issues", "BLOCKING_ISSUE")
        let (seen, run) = try await runJob("check_blocking_issues", asOf: "2026-01-09T09:05", until: topic, "\(p)/inbox/7")
        XCTAssertEqual(run?.domain, .issues)
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.notified, 1)
        XCTAssertEqual(run?.result?.unrouted, 0)
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "AL202601090001")
        XCTAssertEqual(alert?.title, "阻塞问题：PLC通讯中断")
        XCTAssertEqual(alert?.content, "问题 IS20260105002 标记为阻塞问题，可能影响项目进度")
        XCTAssertEqual(alert?.event, .raised)
        XCTAssertEqual(alert?.projectID, 3)
        XCTAssertEqual(alert?.targetID, 201)
        XCTAssertEqual(alert?.dedupKey, "BLOCKING_ISSUE:ISSUE:201")
        try assertAlertInbox(seen, user: 7, alert: alert, priority: "CRITICAL")
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/inbox/") }.map(\.topic), ["\(p)/inbox/7"])
        let rows = try await cluster.rows("SELECT machine_id, target_no FROM alert_records")
        XCTAssertEqual(rows.map { "\($0["machine_id"]!) \($0["target_no"]!)" }, ["12 IS20260105002"])
        let health = try await cluster.rows("SELECT health FROM projects WHERE id = 3").map { $0["health"]! }
        XCTAssertEqual(health, ["H1"], "this job does not write health")
    }
}
