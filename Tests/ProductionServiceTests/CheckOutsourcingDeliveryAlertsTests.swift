import Foundation
import PMSPostgres
import PMSRuntime
import ProductionService
import PMSTestSupport
import XCTest

/// services-shortage-production.md, check_outsourcing_delivery_alerts: every acceptance scenario
/// (corrected expectations), plus level, lifecycle, recipients and idempotency.
/// D = 2026-01-09 (Asia/Shanghai), run at 15:00. Project 5's PM is user 7.
final class CheckOutsourcingDeliveryAlertsTests: XCTestCase {
    var h: JobHarness!
    let job = CheckOutsourcingDeliveryAlerts()
    let jobID = "check_outsourcing_delivery_alerts"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .production)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES
              (1, 'admin', true), (7, 'pm7', true), (8, 'creator8', true), (9, 'pu9', true), (10, 'pu10-off', false);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-5', '线体', 7);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func order(_ id: Int, status: String = "IN_PROGRESS", required: String?, estimated: String? = nil,
               title: String? = nil, project: Int = 5, createdBy: Int? = nil) async throws {
        try await h.db.execute(
            """
            INSERT INTO outsourcing_orders (id, order_no, order_title, project_id, required_date, estimated_date, status, created_by)
            VALUES ($1, $2, $3, $4, $5::date, $6::date, $7, $8)
            """, [id, "OS-\(id)", title ?? "外协\(id)", project, required, estimated, status, createdBy])
    }

    // Scenario 1.
    func testOrderDueInTwoDaysRaisesTheExactWarning() async throws {
        try await order(81, required: "2026-01-11", title: "机架焊接")
        let outcome = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "OD202601090001")
        XCTAssertEqual(a["target_type"], "OUTSOURCING_ORDER")
        XCTAssertEqual(a["target_id"], "81")
        XCTAssertEqual(a["target_no"], "OS-81")
        XCTAssertEqual(a["target_name"], "机架焊接")
        XCTAssertEqual(a["project_id"], "5")
        XCTAssertEqual(a["alert_level"], "WARNING")
        XCTAssertEqual(a["alert_title"], "外协订单交期临近：OS-81")
        XCTAssertEqual(a["alert_content"], "外协订单 OS-81 将在 2 天后到期（要求交期：2026-01-11）")
        XCTAssertEqual(a["trigger_value"], "2")
        XCTAssertEqual(a["threshold_value"], "3")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["dedup_key"], "OUTSOURCING_DELIVERY:OUTSOURCING_ORDER:81")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["7:PM"])
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/production/OUTSOURCING_DELIVERY"])
        XCTAssertEqual(events.first?.alert.alertNo, "OD202601090001")
        XCTAssertEqual(events.first?.alert.title, "外协订单交期临近：OS-81")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 1)
    }

    // Scenario 2.
    func testOverdueOrderIsCritical() async throws {
        try await order(82, required: "2026-01-05")
        let outcome = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_no"], "OD202601090001")
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["alert_title"], "外协订单交期逾期：OS-82")
        XCTAssertEqual(rows[0]["alert_content"], "外协订单 OS-82 已逾期 4 天（要求交期：2026-01-05）")
        XCTAssertEqual(rows[0]["trigger_value"], "-4")
        XCTAssertEqual(rows[0]["threshold_value"], "3")
        let topics = try await h.alertEvents().map(\.topic)
        XCTAssertEqual(topics, ["pms/v1/alert/CRITICAL/production/OUTSOURCING_DELIVERY"])
    }

    // Scenario 3 (corrected: APPROVED orders are checked).
    func testOutOfScopeOrdersGetNoAlertButApprovedOrdersDo() async throws {
        try await order(83, required: "2026-01-13")
        try await order(84, status: "DRAFT", required: "2026-01-09")
        try await order(85, status: "COMPLETED", required: "2026-01-08")
        try await order(86, required: nil)
        try await order(87, status: "APPROVED", required: "2026-01-10")
        let outcome = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { $0["target_id"]! }, ["87"])
        XCTAssertEqual(rows.first?["alert_no"], "OD202601090001")
        XCTAssertEqual(rows.first?["alert_level"], "WARNING")
        XCTAssertEqual(rows.first?["alert_title"], "外协订单交期临近：OS-87")
        XCTAssertEqual(rows.first?["alert_content"], "外协订单 OS-87 将在 1 天后到期（要求交期：2026-01-10）")
        XCTAssertEqual(rows.first?["trigger_value"], "1")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 3, "83, 86 and 87 are open orders; 84 and 85 are not")
        XCTAssertEqual(result?.created, 1)
    }

    func testOtherStatusesAndTheWindowEdge() async throws {
        try await order(88, status: "CONFIRMED", required: "2026-01-12")   // D+3: inside
        try await order(89, status: "SUBMITTED", required: "2026-01-09")
        try await order(90, status: "DELIVERED", required: "2026-01-09")
        try await order(91, status: "INSPECTED", required: "2026-01-09")
        try await order(92, status: "CANCELLED", required: "2026-01-09")
        try await order(93, required: "2026-01-09")                          // D: 0 days, WARNING
        let outcome = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["target_id"]!) \($0["alert_level"]!) \($0["trigger_value"]!)" },
                       ["OD202601090001 88 WARNING 3", "OD202601090002 93 WARNING 0"], "numbered in order id order")
        XCTAssertEqual(rows.last?["alert_content"], "外协订单 OS-93 将在 0 天后到期（要求交期：2026-01-09）")
    }

    // Scenario 4, first half: same-day re-run.
    func testRerunTheSameDayWritesNothingNew() async throws {
        try await order(81, required: "2026-01-11", title: "机架焊接")
        let first = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T18:00")
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

    // Scenario 4, second half (corrected): three days later the open WARNING becomes the overdue CRITICAL.
    func testOpenWarningIsUpgradedWhenTheOrderBecomesOverdue() async throws {
        try await order(81, required: "2026-01-11", title: "机架焊接")
        let first = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(first)
        let later = await h.run(job, at: "2026-01-12T15:00")
        XCTAssertSucceeded(later)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_no"], "OD202601090001")
        XCTAssertEqual(rows[0]["status"], "PENDING")
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["alert_title"], "外协订单交期逾期：OS-81")
        XCTAssertEqual(rows[0]["alert_content"], "外协订单 OS-81 已逾期 1 天（要求交期：2026-01-11）")
        XCTAssertEqual(rows[0]["trigger_value"], "-1")
        XCTAssertEqual(rows[0]["threshold_value"], "3")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/production/OUTSOURCING_DELIVERY",
                                             "pms/v1/alert/CRITICAL/production/OUTSOURCING_DELIVERY"])
        XCTAssertEqual(events.last?.alert.title, "外协订单交期逾期：OS-81", "the escalated event carries the new title")
        XCTAssertEqual(events.last?.alert.content, "外协订单 OS-81 已逾期 1 天（要求交期：2026-01-11）")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.details?["levels_raised"], .number(1))
    }

    func testContentFollowsTheDateAndTheLevelRisesOnlyWhenItPasses() async throws {
        try await order(94, required: "2026-01-12")
        let d0 = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(d0)
        let d2 = await h.run(job, at: "2026-01-11T15:00")
        XCTAssertSucceeded(d2)
        var row = try await h.alertRecords().first
        XCTAssertEqual(row?["alert_level"], "WARNING")
        XCTAssertEqual(row?["alert_content"], "外协订单 OS-94 将在 1 天后到期（要求交期：2026-01-12）")
        XCTAssertEqual(row?["trigger_value"], "1")
        let d5 = await h.run(job, at: "2026-01-14T15:00")
        XCTAssertSucceeded(d5)
        row = try await h.alertRecords().first
        XCTAssertEqual(row?["alert_no"], "OD202601090001")
        XCTAssertEqual(row?["alert_level"], "CRITICAL")
        XCTAssertEqual(row?["alert_title"], "外协订单交期逾期：OS-94")
        XCTAssertEqual(row?["trigger_value"], "-2")
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
    }

    func testLevelNeverFallsWhenTheDateMovesBackIntoTheWindow() async throws {
        try await order(95, required: "2026-01-08")
        let first = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE outsourcing_orders SET required_date = '2026-01-11' WHERE id = 95")
        let second = await h.run(job, at: "2026-01-10T15:00")
        XCTAssertSucceeded(second)
        let row = try await h.alertRecords().first
        XCTAssertEqual(row?["status"], "PENDING")
        XCTAssertEqual(row?["alert_level"], "CRITICAL")
        XCTAssertEqual(row?["alert_title"], "外协订单交期逾期：OS-95", "the title stays with the level it names")
        XCTAssertEqual(row?["alert_content"], "外协订单 OS-95 将在 1 天后到期（要求交期：2026-01-11）")
        XCTAssertEqual(row?["trigger_value"], "1")
    }

    func testAlertResolvesWhenTheConditionClears() async throws {
        try await order(101, required: "2026-01-10")   // delivered
        try await order(102, required: "2026-01-10")   // cancelled
        try await order(103, required: "2026-01-10")   // date moved beyond D+3
        try await order(104, required: "2026-01-10")   // every line fully delivered
        try await order(105, required: "2026-01-10")   // one line still open: stays
        try await order(106, status: "APPROVED", required: "2026-01-10")   // completed
        try await h.exec("""
            INSERT INTO outsourcing_order_items (order_id, quantity, delivered_quantity) VALUES
              (104, 10, 4), (104, 5, 5), (105, 10, 4), (105, 5, 5);
            """)
        let first = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(first)
        let opened = try await h.count("SELECT 1 FROM alert_records WHERE status = 'PENDING'")
        XCTAssertEqual(opened, 6)
        try await h.exec("""
            UPDATE outsourcing_orders SET status = 'DELIVERED' WHERE id = 101;
            UPDATE outsourcing_orders SET status = 'CANCELLED' WHERE id = 102;
            UPDATE outsourcing_orders SET required_date = '2026-01-20' WHERE id = 103;
            UPDATE outsourcing_order_items SET delivered_quantity = 10 WHERE order_id = 104 AND quantity = 10;
            UPDATE outsourcing_order_items SET delivered_quantity = 9 WHERE order_id = 105 AND quantity = 10;
            UPDATE outsourcing_orders SET status = 'COMPLETED' WHERE id = 106;
            """)
        let second = await h.run(job, at: "2026-01-10T15:00")
        XCTAssertSucceeded(second)
        let rows = try await h.rows("SELECT target_id, status, handle_result, handle_end_at IS NOT NULL AS ended FROM alert_records ORDER BY target_id")
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["status"]!) \($0["handle_result"] ?? "-") \($0["ended"]!)" }, [
            "101 RESOLVED AUTO: condition cleared t",
            "102 RESOLVED AUTO: condition cleared t",
            "103 RESOLVED AUTO: condition cleared t",
            "104 RESOLVED AUTO: condition cleared t",
            "105 PENDING - f",
            "106 RESOLVED AUTO: condition cleared t",
        ])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.resolved, 5)
    }

    func testFullyDeliveredOrdersAreNotCandidatesAndOrdersWithoutLinesAre() async throws {
        try await order(111, required: "2026-01-10")
        try await order(112, required: "2026-01-10")
        try await order(113, required: "2026-01-10")
        try await h.exec("""
            INSERT INTO outsourcing_order_items (order_id, quantity, delivered_quantity) VALUES
              (111, 3, 3), (111, 2, 2.5), (112, 3, 2.9999);
            """)
        let outcome = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(outcome)
        let ids = try await h.alertRecords().map { $0["target_id"]! }
        XCTAssertEqual(ids, ["112", "113"])
    }

    func testInactiveOrArchivedProjectsAreSkippedAndTheirAlertsResolved() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active) VALUES (6, 'P-6', '停用', 7, false);
            INSERT INTO projects (id, project_code, project_name, pm_id, is_archived) VALUES (7, 'P-7', '归档', 7, true);
            """)
        try await order(121, required: "2026-01-10", project: 6)
        try await order(122, required: "2026-01-10", project: 7)
        try await order(123, required: "2026-01-10")
        let first = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(first)
        let ids = try await h.alertRecords().map { $0["target_id"]! }
        XCTAssertEqual(ids, ["123"])
        try await h.exec("UPDATE projects SET is_archived = true WHERE id = 5")
        let second = await h.run(job, at: "2026-01-10T15:00")
        XCTAssertSucceeded(second)
        let row = try await h.alertRecords().first
        XCTAssertEqual(row?["status"], "RESOLVED")
        XCTAssertEqual(row?["handle_result"], "AUTO: condition cleared")
    }

    func testRecipientsArePMCreatorAndActivePURoleHolders() async throws {
        try await h.exec("""
            INSERT INTO roles (id, role_code, role_name) VALUES (1, 'PU', '采购专员'), (2, 'PMC', '计划');
            INSERT INTO user_roles (user_id, role_id) VALUES (9, 1), (10, 1), (7, 1), (1, 2);
            """)
        try await order(81, required: "2026-01-11", title: "机架焊接", createdBy: 8)
        let outcome = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(outcome)
        let people = try await h.recipients()
        XCTAssertEqual(people, ["7:PM", "8:CREATOR", "9:ROLE"],
                       "PM before ROLE for user 7; inactive PU holder 10 and PMC holder 1 are left out")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.notified, 3)
    }

    func testInactiveCreatorIsLeftOut() async throws {
        try await order(81, required: "2026-01-11", createdBy: 10)
        let outcome = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(outcome)
        let people = try await h.recipients()
        XCTAssertEqual(people, ["7:PM"])
    }

    // Gap 2 (recommended): a vendor forecast later than the required date warns early.
    func testLateVendorForecastWarnsOutsideTheWindow() async throws {
        try await order(131, required: "2026-01-19", estimated: "2026-01-22")
        try await order(132, required: "2026-01-19", estimated: "2026-01-19")
        try await order(133, required: "2026-01-19", estimated: "2026-01-15")
        let first = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(first)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["target_id"], "131")
        XCTAssertEqual(rows[0]["alert_level"], "WARNING")
        XCTAssertEqual(rows[0]["alert_title"], "外协订单预计延期：OS-131")
        XCTAssertEqual(rows[0]["alert_content"], "外协订单 OS-131 预计交期 2026-01-22 晚于要求交期（要求交期：2026-01-19）")
        XCTAssertEqual(rows[0]["trigger_value"], "10")
        // Forecast fixed: resolved.
        try await h.exec("UPDATE outsourcing_orders SET estimated_date = '2026-01-18' WHERE id = 131")
        let second = await h.run(job, at: "2026-01-10T15:00")
        XCTAssertSucceeded(second)
        let status = try await h.alertRecords().first?["status"]
        XCTAssertEqual(status, "RESOLVED")
    }

    func testLateForecastAlertTakesTheDueFormInsideTheWindow() async throws {
        try await order(134, required: "2026-01-14", estimated: "2026-01-20")
        let first = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-12T15:00")
        XCTAssertSucceeded(second)
        let row = try await h.alertRecords().first
        XCTAssertEqual(row?["alert_level"], "WARNING")
        XCTAssertEqual(row?["alert_title"], "外协订单交期临近：OS-134")
        XCTAssertEqual(row?["alert_content"], "外协订单 OS-134 将在 2 天后到期（要求交期：2026-01-14）")
    }

    func testConfiguredThresholdWidensTheWindow() async throws {
        try await h.exec("UPDATE alert_rules SET threshold_value = '5' WHERE rule_code = 'OUTSOURCING_DELIVERY'")
        try await order(141, required: "2026-01-14")
        try await order(142, required: "2026-01-15")
        let outcome = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { $0["target_id"]! }, ["141"])
        XCTAssertEqual(rows.first?["threshold_value"], "5")
        XCTAssertEqual(rows.first?["trigger_value"], "5")
    }

    func testNumbersContinueAfterTheDaysExistingAlerts() async throws {
        try await order(81, required: "2026-01-11")
        let first = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(first)
        try await order(82, required: "2026-01-05")
        let second = await h.run(job, at: "2026-01-09T18:00")
        XCTAssertSucceeded(second)
        let numbers = try await h.alertRecords().map { $0["alert_no"]! }
        XCTAssertEqual(numbers, ["OD202601090001", "OD202601090002"])
    }

    func testDisabledRuleWritesNothing() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'OUTSOURCING_DELIVERY'")
        try await order(81, required: "2026-01-11")
        try await order(82, required: "2026-01-05")
        let outcome = await h.run(job, at: "2026-01-09T15:00")
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
