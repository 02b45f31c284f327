import Foundation
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ProgressService
import XCTest

/// services-progress.md, check_milestone_alerts: every acceptance scenario (corrected expectations), plus
/// lifecycle, recipients and idempotency. D = 2026-01-09 (Asia/Shanghai), run at 08:00. Project 1's PM is
/// user 5. Delivery of the in-app notifications is the notifications service's: the job stores the
/// recipients (`alert_recipients`) and publishes the alert event, which is what these tests assert.
final class CheckMilestoneAlertsTests: XCTestCase {
    var h: JobHarness!
    let job = CheckMilestoneAlerts()
    let jobID = "check_milestone_alerts"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .progress)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (5, 'pm5', true), (6, 'owner6', true),
              (7, 'off7', false);
            INSERT INTO projects (id, project_code, project_name, status, pm_id) VALUES (1, 'P1', '项目一', 'ST08', 5);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func milestone(_ id: Int, code: String? = nil, name: String? = nil, status: String = "PENDING", planned: String,
                   project: Int = 1, owner: Int? = nil) async throws {
        try await h.db.execute(
            """
            INSERT INTO project_milestones (id, project_id, milestone_code, milestone_name, planned_date, status, owner_id)
            VALUES ($1, $2, $3, $4, $5::date, $6, $7)
            """, [id, project, code ?? "MS-\(id)", name ?? "里程碑\(id)", planned, status, owner])
    }

    // Scenario 1.
    func testUpcomingMilestoneRaisesTheExactWarning() async throws {
        try await milestone(11, code: "MS-001", name: "设计评审", planned: "2026-01-11")
        let outcome = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "MS202601090001")
        XCTAssertEqual(a["rule_code"], "MILESTONE_WARNING")
        XCTAssertEqual(a["target_type"], "MILESTONE")
        XCTAssertEqual(a["target_id"], "11")
        XCTAssertEqual(a["target_no"], "MS-001")
        XCTAssertEqual(a["target_name"], "设计评审")
        XCTAssertEqual(a["project_id"], "1")
        XCTAssertEqual(a["alert_level"], "WARNING")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["alert_title"], "里程碑即将到期：设计评审")
        XCTAssertEqual(a["alert_content"], "里程碑 MS-001 将在 2 天后到期（计划日期：2026-01-11）")
        XCTAssertEqual(a["alert_data"], #"{"planned_date": "2026-01-11"}"#)
        XCTAssertEqual(a["dedup_key"], "MILESTONE_WARNING:MILESTONE:11:2026-01-11")
        XCTAssertNil(a["trigger_value"])
        XCTAssertNil(a["threshold_value"])
        let people = try await h.recipients()
        XCTAssertEqual(people, ["5:PM"])
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/progress/MILESTONE_WARNING"])
        XCTAssertEqual(events.first?.alert.alertNo, "MS202601090001")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 1)
    }

    // Scenario 1, corrected recipients: the milestone owner as well as the PM; an inactive owner is left out.
    func testOwnerAndPMAreRecipients() async throws {
        try await milestone(11, planned: "2026-01-11", owner: 6)
        try await milestone(12, planned: "2026-01-10", owner: 7)
        let outcome = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(outcome)
        let people = try await h.recipients()
        XCTAssertEqual(people, ["5:PM", "6:OWNER", "5:PM"])
    }

    // Scenario 2.
    func testOverdueMilestoneRaisesACriticalAlert() async throws {
        try await h.exec("INSERT INTO machines (id, project_id, machine_code) VALUES (3, 1, 'M-3')")
        try await milestone(12, code: "MS-002", name: "装配完成", status: "IN_PROGRESS", planned: "2026-01-04")
        try await h.exec("UPDATE project_milestones SET machine_id = 3 WHERE id = 12")
        let outcome = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "MS202601090001")
        XCTAssertEqual(a["rule_code"], "MILESTONE_OVERDUE")
        XCTAssertEqual(a["alert_level"], "CRITICAL")
        XCTAssertEqual(a["alert_title"], "里程碑已逾期：装配完成")
        XCTAssertEqual(a["alert_content"], "里程碑 MS-002 已逾期 5 天（计划日期：2026-01-04）")
        XCTAssertEqual(a["machine_id"], "3", "corrected: machine_id is copied")
        XCTAssertEqual(a["dedup_key"], "MILESTONE_OVERDUE:MILESTONE:12:2026-01-04")
        let topics = try await h.alertEvents().map(\.topic)
        XCTAssertEqual(topics, ["pms/v1/alert/CRITICAL/progress/MILESTONE_OVERDUE"])
    }

    // Scenario 3 (corrected: the cancelled project's milestone 15 is not alerted), plus other out-of-scope rows.
    func testOutOfScopeMilestonesGetNoAlert() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, status, pm_id, is_active, is_archived) VALUES
              (2, 'P2', '取消', 'ST99', 5, true, false), (3, 'P3', '关闭', 'ST30', 5, true, false),
              (4, 'P4', '停用', 'ST08', 5, false, false), (6, 'P6', '归档', 'ST08', 5, true, true);
            """)
        try await milestone(13, planned: "2026-01-13")
        try await milestone(14, status: "COMPLETED", planned: "2026-01-08")
        try await milestone(15, planned: "2026-01-10", project: 2)
        try await milestone(16, planned: "2026-01-08", project: 3)
        try await milestone(17, planned: "2026-01-08", project: 4)
        try await milestone(18, planned: "2026-01-08", project: 6)
        try await milestone(19, status: "CANCELLED", planned: "2026-01-08")
        let outcome = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(outcome)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 0)
    }

    func testWindowEdgesAndLoadOrder() async throws {
        try await milestone(31, status: "BLOCKED", planned: "2026-01-08")    // D−1: overdue 1
        try await milestone(32, status: "DELAYED", planned: "2026-01-12")    // D+3: inside
        try await milestone(33, planned: "2026-01-09")                       // D: 0 days
        let outcome = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["target_id"]!) \($0["alert_level"]!)" },
                       ["MS202601090001 32 WARNING", "MS202601090002 33 WARNING", "MS202601090003 31 CRITICAL"],
                       "one MS sequence: upcoming first, then overdue")
        XCTAssertEqual(rows[1]["alert_content"], "里程碑 MS-33 将在 0 天后到期（计划日期：2026-01-09）")
        XCTAssertEqual(rows[2]["alert_content"], "里程碑 MS-31 已逾期 1 天（计划日期：2026-01-08）")
    }

    func testConfiguredWindowIsUsed() async throws {
        try await h.exec("UPDATE alert_rules SET threshold_value = '5' WHERE rule_code = 'MILESTONE_WARNING'")
        try await milestone(41, planned: "2026-01-14")
        try await milestone(42, planned: "2026-01-15")
        let outcome = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { $0["target_id"]! }, ["41"])
    }

    // Scenario 4.
    func testRerunTheSameDayWritesNothingNewAndNumbersContinue() async throws {
        try await milestone(11, code: "MS-001", name: "设计评审", planned: "2026-01-11")
        let first = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T08:30")
        XCTAssertSucceeded(second)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
        let recipientCount = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientCount, 1)
        let eventCount = try await h.alertEvents().count
        XCTAssertEqual(eventCount, 1)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.notified, 0)
        try await milestone(12, planned: "2026-01-04")
        let third = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(third)
        let numbers = try await h.alertRecords().map { $0["alert_no"]! }
        XCTAssertEqual(numbers, ["MS202601090001", "MS202601090002"])
    }

    func testRedeliveredTickRunsOnce() async throws {
        try await milestone(11, planned: "2026-01-11")
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T08:00", runID: runID)
        XCTAssertSucceeded(first)
        let again = await h.run(job, at: "2026-01-09T08:00", runID: runID)
        XCTAssertEqual(again, .duplicate)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
    }

    // Scenario 5 (corrected): the open WARNING is replaced by a CRITICAL OVERDUE alert and expires.
    func testWarningIsReplacedByOverdueWhenTheDatePasses() async throws {
        try await milestone(11, code: "MS-001", name: "设计评审", planned: "2026-01-08", owner: 6)
        let first = await h.run(job, at: "2026-01-06T08:00")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(second)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["rule_code"]!) \($0["alert_level"]!) \($0["status"]!)" },
                       ["MS202601060001 MILESTONE_WARNING WARNING EXPIRED",
                        "MS202601090001 MILESTONE_OVERDUE CRITICAL PENDING"])
        XCTAssertEqual(rows[1]["alert_content"], "里程碑 MS-001 已逾期 1 天（计划日期：2026-01-08）")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["5:PM", "6:OWNER", "5:PM", "6:OWNER"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.resolved, 0)
        XCTAssertEqual(result?.details?["expired"], .number(1))
    }

    // Refresh while open: the days left are updated the next day, no second alert.
    func testOpenWarningIsRefreshedTheNextDay() async throws {
        try await milestone(11, code: "MS-001", name: "设计评审", planned: "2026-01-11")
        let first = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-10T08:00")
        XCTAssertSucceeded(second)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_content"], "里程碑 MS-001 将在 1 天后到期（计划日期：2026-01-11）")
        XCTAssertEqual(rows[0]["status"], "PENDING")
    }

    func testAlertsResolveWhenTheConditionClears() async throws {
        try await milestone(51, planned: "2026-01-10")   // completed
        try await milestone(52, planned: "2026-01-06")   // overdue, completed
        try await milestone(53, planned: "2026-01-10")   // cancelled
        try await milestone(54, planned: "2026-01-10")   // moved out of the window
        try await milestone(55, planned: "2026-01-10")   // still due: stays open
        let first = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(first)
        try await h.exec("""
            UPDATE project_milestones SET status = 'COMPLETED' WHERE id IN (51, 52);
            UPDATE project_milestones SET status = 'CANCELLED' WHERE id = 53;
            UPDATE project_milestones SET planned_date = '2026-01-30' WHERE id = 54;
            """)
        let second = await h.run(job, at: "2026-01-09T12:00")
        XCTAssertSucceeded(second)
        let rows = try await h.rows("""
            SELECT target_id, status, handle_result, handle_end_at IS NOT NULL AS ended FROM alert_records ORDER BY target_id
            """)
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["status"]!) \($0["handle_result"] ?? "-") \($0["ended"]!)" }, [
            "51 RESOLVED AUTO_RESOLVED t", "52 RESOLVED AUTO_RESOLVED t", "53 RESOLVED AUTO_RESOLVED t",
            "54 RESOLVED AUTO_RESOLVED t", "55 PENDING - f",
        ])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.resolved, 4)
    }

    func testOpenAlertOfAnArchivedProjectResolves() async throws {
        try await milestone(11, planned: "2026-01-11")
        let first = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE projects SET is_archived = true WHERE id = 1")
        let second = await h.run(job, at: "2026-01-09T12:00")
        XCTAssertSucceeded(second)
        let status = try await h.alertRecords().first?["status"]
        XCTAssertEqual(status, "RESOLVED")
    }

    // Episode key: a closed alert of the same planned date is not raised again; a new date is a new episode.
    func testClosedAlertIsNotRaisedAgainForTheSameEpisode() async throws {
        try await milestone(11, planned: "2026-01-11")
        let first = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE alert_records SET status = 'CLOSED'")
        let second = await h.run(job, at: "2026-01-10T08:00")
        XCTAssertSucceeded(second)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
        try await h.exec("UPDATE project_milestones SET planned_date = '2026-01-12' WHERE id = 11")
        let third = await h.run(job, at: "2026-01-10T09:00")
        XCTAssertSucceeded(third)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["status"]!)" },
                       ["MS202601090001 CLOSED", "MS202601100001 PENDING"])
    }

    func testDisabledRulesWriteNothing() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code IN ('MILESTONE_WARNING','MILESTONE_OVERDUE')")
        try await milestone(11, planned: "2026-01-11")
        try await milestone(12, planned: "2026-01-04")
        let outcome = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(outcome)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 0)
        let recipientCount = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientCount, 0)
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 0)
        let note = try await h.lastResult(jobID)?.note
        XCTAssertEqual(note, "rule disabled")
    }

    // DECISIONS "Jobs with two rules": disabling one rule stops only its alerts.
    func testDisablingOneRuleLeavesTheOtherWorking() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'MILESTONE_WARNING'")
        try await milestone(11, planned: "2026-01-11")
        try await milestone(12, planned: "2026-01-04")
        let outcome = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { "\($0["rule_code"]!) \($0["target_id"]!)" }, ["MILESTONE_OVERDUE 12"])
        let note = try await h.lastResult(jobID)?.note
        XCTAssertEqual(note, "rule MILESTONE_WARNING disabled")
    }
}
