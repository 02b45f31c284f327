import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 8: daily_issue_statistics_snapshot END TO END over the real broker. DailyIssueStatisticsSnapshotTests
/// scenario 1: issues A (OPEN, blocking, overdue, created D-1), B (PROCESSING), C (RESOLVED D-1 after 60 h),
/// E (CLOSED by a follow-up on D-1, 24 h) and F (DELETED); runs at 2026-01-09 03:00. A statistics job: its
/// output is the run's counts and the snapshot row; it raises no alert and sends no message.
final class DailyIssueStatisticsSnapshotEndToEndTests: JobsEndToEndTestCase {
    func testDailyIssueStatisticsSnapshotWritesTheRowOfTheDay() async throws {
        try await cluster.exec("""
            INSERT INTO issues (id, issue_no, title, status, severity, priority, issue_type, category, is_blocking,
                                due_date, created_at, report_date, resolved_at, updated_at) VALUES
              (101, 'IS101', 'A', 'OPEN', 'CRITICAL', 'HIGH', 'DEFECT', 'PROJECT', true, '2026-01-07',
               '2026-01-08 10:00+08', '2026-01-08 10:00+08', NULL, '2026-01-08 10:00+08'),
              (102, 'IS102', 'B', 'PROCESSING', 'MAJOR', 'MEDIUM', 'RISK', 'TASK', false, NULL,
               '2026-01-03 10:00+08', '2026-01-03 10:00+08', NULL, '2026-01-03 10:00+08'),
              (103, 'IS103', 'C', 'RESOLVED', 'MINOR', 'LOW', 'DEFECT', 'ACCEPTANCE', false, NULL,
               '2026-01-06 08:00+08', '2026-01-06 08:00+08', '2026-01-08 20:00+08', '2026-01-08 20:00+08'),
              (104, 'IS104', 'E', 'CLOSED', 'MINOR', 'URGENT', 'BLOCKER', 'QUALITY', false, NULL,
               '2026-01-04 00:00+08', '2026-01-04 00:00+08', '2026-01-05 00:00+08', '2026-01-08 09:00+08'),
              (105, 'IS105', 'F', 'DELETED', 'CRITICAL', NULL, NULL, NULL, false, NULL,
               '2026-01-08 11:00+08', NULL, NULL, '2026-01-08 11:00+08');
            INSERT INTO issue_follow_up_records (issue_id, follow_up_type, content, operator_name, old_status,
                                                 new_status, created_at)
            VALUES (104, 'STATUS_CHANGE', '关闭问题', '张三', 'RESOLVED', 'CLOSED', '2026-01-08 09:00+08');
            """)
        let (seen, run) = try await runJob("daily_issue_statistics_snapshot", asOf: "2026-01-09T03:00")
        XCTAssertEqual(run?.domain, .issues)
        XCTAssertEqual(run?.result?.checked, 4)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.details, [
            "snapshot_date": .string("2026-01-09"), "total_issues": .number(4), "open_issues": .number(1),
            "processing_issues": .number(1), "resolved_issues": .number(1), "closed_issues": .number(1),
            "blocking_issues": .number(1), "overdue_issues": .number(1),
        ])
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") || $0.topic.hasPrefix("\(p)/inbox/") }.count, 0,
                       "the snapshot raises no alert and sends no message")
        let rows = try await cluster.rows("""
            SELECT snapshot_date::text AS d, total_issues, open_issues, processing_issues, resolved_issues,
                   closed_issues, critical_issues, major_issues, minor_issues, defect_issues, blocking_issues,
                   overdue_issues, avg_resolve_time, new_issues_today, resolved_today, closed_today,
                   status_distribution::text AS status_distribution, jsonb_typeof(status_distribution) AS kind,
                   coalesce(project_distribution::text, 'NULL') AS project_distribution
              FROM issue_statistics_snapshots
            """)
        XCTAssertEqual(rows.count, 1)
        let r = try XCTUnwrap(rows.first)
        XCTAssertEqual(r["d"], "2026-01-09")
        XCTAssertEqual(r["total_issues"], "4")
        XCTAssertEqual(r["open_issues"], "1")
        XCTAssertEqual(r["processing_issues"], "1")
        XCTAssertEqual(r["resolved_issues"], "1")
        XCTAssertEqual(r["closed_issues"], "1")
        XCTAssertEqual(r["critical_issues"], "1")
        XCTAssertEqual(r["major_issues"], "1")
        XCTAssertEqual(r["minor_issues"], "2")
        XCTAssertEqual(r["defect_issues"], "2")
        XCTAssertEqual(r["blocking_issues"], "1")
        XCTAssertEqual(r["overdue_issues"], "1")
        XCTAssertEqual(r["avg_resolve_time"], "42.00")
        XCTAssertEqual(r["new_issues_today"], "1")
        XCTAssertEqual(r["resolved_today"], "1")
        XCTAssertEqual(r["closed_today"], "1")
        XCTAssertEqual(r["status_distribution"],
                       #"{"OPEN": 1, "CLOSED": 1, "DEFERRED": 0, "RESOLVED": 1, "CANCELLED": 0, "PROCESSING": 1}"#)
        XCTAssertEqual(r["kind"], "object")
        XCTAssertEqual(r["project_distribution"], "NULL")
    }
}
