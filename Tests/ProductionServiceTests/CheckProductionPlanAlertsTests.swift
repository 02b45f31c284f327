import Foundation
import PMSPostgres
import PMSRuntime
import ProductionService
import PMSTestSupport
import XCTest

/// services-shortage-production.md, check_production_plan_alerts: every acceptance scenario (corrected
/// expectations), plus level, lifecycle, recipients and idempotency.
/// D = 2026-01-09 (Asia/Shanghai), run at 11:00. Project 5's PM is user 7.
final class CheckProductionPlanAlertsTests: XCTestCase {
    var h: JobHarness!
    let job = CheckProductionPlanAlerts()
    let jobID = "check_production_plan_alerts"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .production)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES
              (1, 'admin', true), (7, 'pm7', true), (8, 'creator8', true), (9, 'pmc9', true), (10, 'off10', false),
              (11, 'ws11', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-5', '线体', 7);
            INSERT INTO workshop (id, workshop_code, workshop_name, manager_id) VALUES (3, 'WS-3', '总装车间', 11);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func plan(_ id: Int, status: String = "EXECUTING", progress: Int?, end: String, name: String? = nil,
              project: Int? = 5, workshop: Int? = nil, createdBy: Int? = nil) async throws {
        try await h.db.execute(
            """
            INSERT INTO production_plan (id, plan_no, plan_name, project_id, workshop_id, plan_end_date, status, progress, created_by)
            VALUES ($1, $2, $3, $4, $5, $6::date, $7, $8, $9)
            """, [id, "MPS-\(id)", name ?? "计划\(id)", project, workshop, end, status, progress, createdBy])
    }

    func workOrder(_ id: Int, plan: Int, planned: Double, completed: Double, status: String = "STARTED") async throws {
        try await h.db.execute(
            """
            INSERT INTO work_order (id, work_order_no, task_name, production_plan_id, plan_qty, completed_qty, status)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, [id, "WO-\(id)", "工序\(id)", plan, planned, completed, status])
    }

    // Scenario 1.
    func testLaggingPlanRaisesTheExactWarning() async throws {
        try await plan(51, progress: 50, end: "2026-01-14", name: "一月总装计划")
        let outcome = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "PP202601090001")
        XCTAssertEqual(a["target_type"], "PRODUCTION_PLAN")
        XCTAssertEqual(a["target_id"], "51")
        XCTAssertEqual(a["target_no"], "MPS-51")
        XCTAssertEqual(a["target_name"], "一月总装计划")
        XCTAssertEqual(a["project_id"], "5")
        XCTAssertEqual(a["alert_level"], "WARNING")
        XCTAssertEqual(a["alert_title"], "生产计划进度滞后：一月总装计划")
        XCTAssertEqual(a["alert_content"], "生产计划 MPS-51 进度仅 50%，距离计划结束日期还有 5 天")
        XCTAssertEqual(a["trigger_value"], "50")
        XCTAssertEqual(a["threshold_value"], "80")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["dedup_key"], "PRODUCTION_PLAN:PRODUCTION_PLAN:51")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["7:PM"])
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/production/PRODUCTION_PLAN"])
        XCTAssertEqual(events.first?.alert.alertNo, "PP202601090001")
        XCTAssertEqual(events.first?.alert.title, "生产计划进度滞后：一月总装计划")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 1)
    }

    // Scenario 2 (corrected wording).
    func testOverduePlanIsCriticalWithTheOverdueWording() async throws {
        try await plan(52, progress: 70, end: "2026-01-07")
        let outcome = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_no"], "PP202601090001")
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["alert_title"], "生产计划进度滞后：计划52")
        XCTAssertEqual(rows[0]["alert_content"], "生产计划 MPS-52 进度仅 70%，已逾期 2 天")
        XCTAssertEqual(rows[0]["trigger_value"], "70")
        XCTAssertEqual(rows[0]["threshold_value"], "80")
        let topics = try await h.alertEvents().map(\.topic)
        XCTAssertEqual(topics, ["pms/v1/alert/CRITICAL/production/PRODUCTION_PLAN"])
    }

    // Scenario 3 (corrected: PUBLISHED plans are checked).
    func testOutOfScopePlansGetNoAlertButPublishedPlansDo() async throws {
        try await plan(53, progress: 80, end: "2026-01-10")
        try await plan(54, progress: 10, end: "2026-01-17")
        try await plan(55, status: "DRAFT", progress: 0, end: "2026-01-09")
        try await plan(56, status: "PUBLISHED", progress: 10, end: "2026-01-12")
        let outcome = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { $0["target_id"]! }, ["56"])
        XCTAssertEqual(rows.first?["alert_no"], "PP202601090001")
        XCTAssertEqual(rows.first?["alert_level"], "WARNING")
        XCTAssertEqual(rows.first?["alert_title"], "生产计划进度滞后：计划56")
        XCTAssertEqual(rows.first?["alert_content"], "生产计划 MPS-56 进度仅 10%，距离计划结束日期还有 3 天")
        XCTAssertEqual(rows.first?["trigger_value"], "10")
        XCTAssertEqual(rows.first?["threshold_value"], "80")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 3, "53, 54 and 56 are in scope; 55 is a draft")
        XCTAssertEqual(result?.created, 1)
    }

    func testOtherStatusesAndTheWindowEdges() async throws {
        try await plan(61, progress: 79, end: "2026-01-16")                      // D+7: inside
        try await plan(62, progress: 0, end: "2026-01-09")                       // D: 0 days, WARNING
        try await plan(63, status: "SUBMITTED", progress: 0, end: "2026-01-09")
        try await plan(64, status: "APPROVED", progress: 0, end: "2026-01-09")
        try await plan(65, status: "COMPLETED", progress: 0, end: "2026-01-09")
        try await plan(66, status: "CANCELLED", progress: 0, end: "2026-01-09")
        try await plan(67, progress: nil, end: "2026-01-08")                     // NULL progress = 0
        let outcome = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["target_id"]!) \($0["alert_level"]!) \($0["trigger_value"]!)" },
                       ["PP202601090001 61 WARNING 79", "PP202601090002 62 WARNING 0", "PP202601090003 67 CRITICAL 0"],
                       "numbered in plan id order")
        XCTAssertEqual(rows[1]["alert_content"], "生产计划 MPS-62 进度仅 0%，距离计划结束日期还有 0 天")
        XCTAssertEqual(rows[2]["alert_content"], "生产计划 MPS-67 进度仅 0%，已逾期 1 天")
    }

    // Scenario 4: same-day re-run.
    func testRerunTheSameDayWritesNothingNew() async throws {
        try await plan(51, progress: 50, end: "2026-01-14", name: "一月总装计划")
        let first = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T11:20")
        XCTAssertSucceeded(second)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
        let recipientCount = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientCount, 1)
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 1, "no second raised or escalated event")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.notified, 0)
    }

    // Scenario 5 (corrected): progress derived from the plan's work orders.
    func testProgressIsDerivedFromWorkOrders() async throws {
        try await plan(57, status: "PUBLISHED", progress: 0, end: "2026-01-11")
        try await workOrder(571, plan: 57, planned: 10, completed: 9)
        try await workOrder(572, plan: 57, planned: 10, completed: 8)
        // Plan 58: stored 90, but its orders say ⌊7/10 × 100⌋ = 70; the cancelled order does not count.
        try await plan(58, progress: 90, end: "2026-01-11")
        try await workOrder(581, plan: 58, planned: 5, completed: 3.5)
        try await workOrder(582, plan: 58, planned: 5, completed: 3.5)
        try await workOrder(583, plan: 58, planned: 100, completed: 0, status: "CANCELLED")
        // Plan 59: only cancelled orders, so the stored progress (85) counts.
        try await plan(59, progress: 85, end: "2026-01-11")
        try await workOrder(591, plan: 59, planned: 10, completed: 0, status: "CANCELLED")
        // Plan 60: ⌊2/3 × 100⌋ = 66.
        try await plan(60, progress: 0, end: "2026-01-11")
        try await workOrder(601, plan: 60, planned: 3, completed: 2)
        let outcome = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["trigger_value"]!)" }, ["58 70", "60 66"])
        XCTAssertEqual(rows.first?["alert_content"], "生产计划 MPS-58 进度仅 70%，距离计划结束日期还有 2 天")
        let stored = try await h.rows("SELECT progress FROM production_plan ORDER BY id").map { $0["progress"]! }
        XCTAssertEqual(stored, ["0", "90", "85", "0"], "the job never writes progress back")
    }

    // Corrected: the open WARNING becomes CRITICAL once the plan is overdue.
    func testOpenWarningIsUpgradedWhenThePlanBecomesOverdue() async throws {
        try await plan(51, progress: 50, end: "2026-01-10", name: "一月总装计划")
        let first = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE production_plan SET progress = 60 WHERE id = 51")
        let later = await h.run(job, at: "2026-01-12T11:00")
        XCTAssertSucceeded(later)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_no"], "PP202601090001")
        XCTAssertEqual(rows[0]["status"], "PENDING")
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["alert_title"], "生产计划进度滞后：一月总装计划")
        XCTAssertEqual(rows[0]["alert_content"], "生产计划 MPS-51 进度仅 60%，已逾期 2 天")
        XCTAssertEqual(rows[0]["trigger_value"], "60")
        XCTAssertEqual(rows[0]["threshold_value"], "80")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/production/PRODUCTION_PLAN",
                                             "pms/v1/alert/CRITICAL/production/PRODUCTION_PLAN"])
        XCTAssertEqual(events.last?.alert.content, "生产计划 MPS-51 进度仅 60%，已逾期 2 天")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.details?["levels_raised"], .number(1))
    }

    func testLevelNeverFallsWhenTheEndDateMovesLaterInsideTheWindow() async throws {
        try await plan(51, progress: 50, end: "2026-01-08")
        let first = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE production_plan SET plan_end_date = '2026-01-13' WHERE id = 51")
        let second = await h.run(job, at: "2026-01-10T11:00")
        XCTAssertSucceeded(second)
        let row = try await h.alertRecords().first
        XCTAssertEqual(row?["status"], "PENDING")
        XCTAssertEqual(row?["alert_level"], "CRITICAL")
        XCTAssertEqual(row?["alert_content"], "生产计划 MPS-51 进度仅 50%，距离计划结束日期还有 3 天")
    }

    func testAlertResolvesWhenTheConditionClears() async throws {
        try await plan(71, progress: 50, end: "2026-01-10")   // progress reaches 80
        try await plan(72, progress: 50, end: "2026-01-10")   // completed
        try await plan(73, progress: 50, end: "2026-01-10")   // cancelled
        try await plan(74, progress: 50, end: "2026-01-10")   // end date moved beyond D+7
        try await plan(75, progress: 0, end: "2026-01-10")    // its work orders catch up
        try await plan(76, progress: 50, end: "2026-01-10")   // still lagging: stays
        try await workOrder(751, plan: 75, planned: 10, completed: 2)
        let first = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(first)
        let opened = try await h.count("SELECT 1 FROM alert_records WHERE status = 'PENDING'")
        XCTAssertEqual(opened, 6)
        try await h.exec("""
            UPDATE production_plan SET progress = 80 WHERE id = 71;
            UPDATE production_plan SET status = 'COMPLETED' WHERE id = 72;
            UPDATE production_plan SET status = 'CANCELLED' WHERE id = 73;
            UPDATE production_plan SET plan_end_date = '2026-01-20' WHERE id = 74;
            UPDATE work_order SET completed_qty = 8 WHERE id = 751;
            """)
        let second = await h.run(job, at: "2026-01-10T11:00")
        XCTAssertSucceeded(second)
        let rows = try await h.rows("SELECT target_id, status, handle_result, handle_end_at IS NOT NULL AS ended FROM alert_records ORDER BY target_id")
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["status"]!) \($0["handle_result"] ?? "-") \($0["ended"]!)" }, [
            "71 RESOLVED AUTO: condition cleared t",
            "72 RESOLVED AUTO: condition cleared t",
            "73 RESOLVED AUTO: condition cleared t",
            "74 RESOLVED AUTO: condition cleared t",
            "75 RESOLVED AUTO: condition cleared t",
            "76 PENDING - f",
        ])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.resolved, 5)
    }

    func testPlansWithoutProjectAreInScopeAndInactiveOrArchivedProjectsAreNot() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active) VALUES (6, 'P-6', '停用', 7, false);
            INSERT INTO projects (id, project_code, project_name, pm_id, is_archived) VALUES (7, 'P-7', '归档', 7, true);
            """)
        try await plan(81, progress: 10, end: "2026-01-10", project: 6)
        try await plan(82, progress: 10, end: "2026-01-10", project: 7)
        try await plan(83, progress: 10, end: "2026-01-10")
        try await plan(84, progress: 10, end: "2026-01-10", project: nil, createdBy: 8)
        let first = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(first)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { $0["target_id"]! }, ["83", "84"])
        XCTAssertEqual(rows.last?["project_id"], nil)
        let people = try await h.recipients()
        XCTAssertEqual(people, ["7:PM", "8:CREATOR"])
        try await h.exec("UPDATE projects SET is_archived = true WHERE id = 5")
        let second = await h.run(job, at: "2026-01-10T11:00")
        XCTAssertSucceeded(second)
        let after = try await h.alertRecords().map { "\($0["target_id"]!) \($0["status"]!) \($0["handle_result"] ?? "-")" }
        XCTAssertEqual(after, ["83 RESOLVED AUTO: condition cleared", "84 PENDING -"])
    }

    func testRecipientsArePMCreatorWorkshopManagerAndActivePMCRoleHolders() async throws {
        try await h.exec("""
            INSERT INTO roles (id, role_code, role_name) VALUES (1, 'PMC', '计划'), (2, 'PU', '采购');
            INSERT INTO user_roles (user_id, role_id) VALUES (9, 1), (10, 1), (7, 1), (1, 2);
            """)
        try await plan(51, progress: 50, end: "2026-01-14", workshop: 3, createdBy: 8)
        let outcome = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(outcome)
        let people = try await h.recipients()
        XCTAssertEqual(people, ["7:PM", "8:CREATOR", "9:ROLE", "11:WORKSHOP_MANAGER"],
                       "PM before ROLE for user 7; inactive PMC holder 10 and PU holder 1 are left out")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.notified, 4)
    }

    func testInactiveCreatorAndManagerAreLeftOut() async throws {
        try await h.exec("UPDATE users SET is_active = false WHERE id = 11")
        try await plan(51, progress: 50, end: "2026-01-14", workshop: 3, createdBy: 10)
        let outcome = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(outcome)
        let people = try await h.recipients()
        XCTAssertEqual(people, ["7:PM"])
    }

    func testConfiguredThresholdIsUsed() async throws {
        try await h.exec("UPDATE alert_rules SET threshold_value = '60' WHERE rule_code = 'PRODUCTION_PLAN'")
        try await plan(91, progress: 59, end: "2026-01-12")
        try await plan(92, progress: 60, end: "2026-01-12")
        let outcome = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { $0["target_id"]! }, ["91"])
        XCTAssertEqual(rows.first?["threshold_value"], "60")
    }

    func testNumbersContinueAfterTheDaysExistingAlerts() async throws {
        try await plan(51, progress: 50, end: "2026-01-14")
        let first = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(first)
        try await plan(52, progress: 70, end: "2026-01-07")
        let second = await h.run(job, at: "2026-01-09T11:20")
        XCTAssertSucceeded(second)
        let numbers = try await h.alertRecords().map { $0["alert_no"]! }
        XCTAssertEqual(numbers, ["PP202601090001", "PP202601090002"])
    }

    func testDisabledRuleWritesNothing() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'PRODUCTION_PLAN'")
        try await plan(51, progress: 50, end: "2026-01-14")
        try await plan(52, progress: 70, end: "2026-01-07")
        let outcome = await h.run(job, at: "2026-01-09T11:00")
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
}
