import Foundation
import PMSBus
import PMSRuntime
import ShortageService
import PMSTestSupport
import XCTest

/// services-shortage-production.md, check_delivery_delay: every acceptance scenario (corrected candidate
/// set and lifecycle), plus re-runs, level rise, auto-resolve and the disabled rule. D = 2026-01-09
/// (Asia/Shanghai), runs at 14:00.
final class CheckDeliveryDelayTests: XCTestCase {
    var h: JobHarness!
    let job = CheckDeliveryDelay()

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .shortage)
        // User 7 is active and the PM of project 5; user 8 is the buyer; user 9 is inactive.
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES (7, 'pm7', '张经理', true), (8, 'buyer8', '李采购', true), (9, 'gone9', '离职', false);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-005', '装配线', 7);
            """)
    }

    override func tearDown() async throws { await h.close() }

    /// One purchase order with one line (`quantity`, `received`).
    func insertOrder(id: Int, no: String, title: String? = "电气件", project: Int? = 5, status: String = "APPROVED",
                     required: String?, promised: String? = nil, createdBy: Int? = 8,
                     quantity: String = "10", received: String = "4") async throws {
        try await h.db.execute(
            """
            INSERT INTO purchase_orders (id, order_no, order_title, project_id, status, required_date, promised_date, created_by)
            VALUES ($1, $2, $3, $4, $5, $6::date, $7::date, $8)
            """, [id, no, title, project, status, required, promised, createdBy])
        try await h.db.execute(
            """
            INSERT INTO purchase_order_items (order_id, material_code, quantity, received_qty)
            VALUES ($1, $2, $3::numeric, $4::numeric)
            """, [id, "M-\(id)", quantity, received])
    }

    func alerts() async throws -> [[String: String]] {
        try await h.rows("""
            SELECT a.alert_no, a.target_type, a.target_id, a.target_no, a.target_name, a.project_id, a.alert_level,
                   a.alert_title, a.alert_content, a.trigger_value, a.threshold_value, a.status, a.dedup_key,
                   a.handle_result, r.rule_code
              FROM alert_records a JOIN alert_rules r ON r.id = a.rule_id ORDER BY a.id
            """).map { row in
            var out: [String: String] = [:]
            for key in ["alert_no", "target_type", "target_id", "target_no", "target_name", "project_id", "alert_level",
                        "alert_title", "alert_content", "trigger_value", "threshold_value", "status", "dedup_key",
                        "handle_result", "rule_code"] {
                out[key] = row[key]
            }
            return out
        }
    }

    // Scenario 1 (corrected): APPROVED order, 3 days late, one open line.
    func testLateApprovedOrderRaisesOneExactWarning() async throws {
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06")
        let outcome = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(outcome)

        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "DD202601090001")
        XCTAssertEqual(a["rule_code"], "DELIVERY_DELAY")
        XCTAssertEqual(a["target_type"], "PURCHASE_ORDER")
        XCTAssertEqual(a["target_id"], "31")
        XCTAssertEqual(a["target_no"], "PO-31")
        XCTAssertEqual(a["target_name"], "电气件")
        XCTAssertEqual(a["project_id"], "5")
        XCTAssertEqual(a["alert_level"], "WARNING")
        XCTAssertEqual(a["alert_title"], "采购订单到货延迟：PO-31")
        XCTAssertEqual(a["alert_content"], "采购订单 PO-31 已延迟 3 天（要求交期：2026-01-06）")
        XCTAssertEqual(a["trigger_value"], "3")
        XCTAssertEqual(a["threshold_value"], "0")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["dedup_key"], "DELIVERY_DELAY:PURCHASE_ORDER:31")

        // Corrected: routed at once to the PM and the PO creator.
        let recipients = try await h.rows("SELECT user_id, reason FROM alert_recipients ORDER BY user_id")
        XCTAssertEqual(recipients.map { "\($0["user_id"]!):\($0["reason"]!)" }, ["7:PM", "8:CREATOR"])

        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/shortage/DELIVERY_DELAY"])
        XCTAssertEqual(events[0].alert.alertNo, "DD202601090001")
        XCTAssertEqual(events[0].alert.event, .raised)
        XCTAssertEqual(events[0].alert.content, "采购订单 PO-31 已延迟 3 天（要求交期：2026-01-06）")
        XCTAssertEqual(events[0].alert.triggeredAt, RFC3339.parse("2026-01-09T14:00:00+08:00"))

        let result = try await h.lastResult("check_delivery_delay")
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.details?["delayed_count"], .number(1))
    }

    // Scenario 2: 7 days late → CRITICAL.
    func testSevenDaysLateIsCritical() async throws {
        try await insertOrder(id: 32, no: "PO-32", required: "2026-01-02")
        let outcome = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(outcome)
        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["trigger_value"], "7")
        XCTAssertEqual(rows[0]["threshold_value"], "0")
        XCTAssertEqual(rows[0]["alert_content"], "采购订单 PO-32 已延迟 7 天（要求交期：2026-01-02）")
    }

    func testLevelBoundarySixAndSevenDaysAndStatusesAndNumberOrder() async throws {
        try await insertOrder(id: 41, no: "PO-41", status: "APPROVED", required: "2026-01-03")  // 6 days
        try await insertOrder(id: 42, no: "PO-42", status: "ORDERED", required: "2026-01-02")  // 7 days
        try await insertOrder(id: 43, no: "PO-43", status: "PARTIAL_RECEIVED", required: "2026-01-08")  // 1 day
        let outcome = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.rows("SELECT target_id, alert_no, alert_level, trigger_value FROM alert_records ORDER BY target_id")
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["alert_no"]!) \($0["alert_level"]!) \($0["trigger_value"]!)" },
                       ["41 DD202601090001 WARNING 6", "42 DD202601090002 CRITICAL 7", "43 DD202601090003 WARNING 1"])
    }

    // Scenario 3: fully received, not yet late, cancelled → nothing.
    func testReceivedNotYetLateAndCancelledOrdersRaiseNothing() async throws {
        try await insertOrder(id: 33, no: "PO-33", required: "2026-01-04", received: "10")
        try await insertOrder(id: 34, no: "PO-34", required: "2026-01-09")
        try await insertOrder(id: 35, no: "PO-35", status: "CANCELLED", required: "2026-01-04")
        let outcome = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(outcome)
        let n = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(n, 0)
        let result = try await h.lastResult("check_delivery_delay")
        XCTAssertEqual(result?.checked, 0)
        XCTAssertEqual(result?.created, 0)
    }

    func testOtherStatusesAndMissingDateAndOrdersWithoutOpenLinesAreOutOfScope() async throws {
        for (id, status) in [(51, "DRAFT"), (52, "SUBMITTED"), (53, "PENDING_APPROVAL"), (54, "REJECTED"),
                             (55, "RECEIVED"), (56, "COMPLETED")] {
            try await insertOrder(id: id, no: "PO-\(id)", status: status, required: "2026-01-04")
        }
        try await insertOrder(id: 57, no: "PO-57", required: nil)
        // An order whose only line is over-received, and an order with no line at all.
        try await insertOrder(id: 58, no: "PO-58", required: "2026-01-04", quantity: "10", received: "12")
        try await h.exec("INSERT INTO purchase_orders (id, order_no, project_id, status, required_date) VALUES (59, 'PO-59', 5, 'ORDERED', '2026-01-04')")
        let outcome = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(outcome)
        let n = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(n, 0)
    }

    func testOneOpenLineAmongReceivedLinesIsEnough() async throws {
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06", received: "10")
        try await h.exec("INSERT INTO purchase_order_items (order_id, material_code, quantity, received_qty) VALUES (31, 'M-X', 5, 0)")
        let outcome = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(outcome)
        let ids = try await h.rows("SELECT target_id FROM alert_records").map { $0["target_id"]! }
        XCTAssertEqual(ids, ["31"])
    }

    // Scenario 4: same-day re-run writes nothing; four days later the same alert rises to CRITICAL.
    func testRerunTheSameDayWritesNothingAndTheLevelRisesInPlace() async throws {
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06")
        let first = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(first)
        let again = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(again)
        let sameDay = try await alerts()
        XCTAssertEqual(sameDay.count, 1)
        XCTAssertEqual(sameDay[0]["alert_level"], "WARNING")
        let eventsSameDay = try await h.alertEvents().count
        XCTAssertEqual(eventsSameDay, 1, "one raised event, nothing on the re-run")
        let recipientsSameDay = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientsSameDay, 2)
        let rerun = try await h.lastResult("check_delivery_delay")
        XCTAssertEqual(rerun?.created, 0)

        let later = await h.run(job, at: "2026-01-13T14:00")
        XCTAssertSucceeded(later)
        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_no"], "DD202601090001")
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["trigger_value"], "7")
        XCTAssertEqual(rows[0]["alert_content"], "采购订单 PO-31 已延迟 7 天（要求交期：2026-01-06）")
        XCTAssertEqual(rows[0]["status"], "PENDING")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/shortage/DELIVERY_DELAY",
                                             "pms/v1/alert/CRITICAL/shortage/DELIVERY_DELAY"])
        XCTAssertEqual(events.map(\.alert.event), [.raised, .escalated])
        let result = try await h.lastResult("check_delivery_delay")
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.details?["levels_raised"], .number(1))
    }

    func testAcknowledgedAlertIsNotRaisedAgainButRefreshed() async throws {
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06")
        let first = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE alert_records SET status = 'ACKNOWLEDGED'")
        let next = await h.run(job, at: "2026-01-10T14:00")
        XCTAssertSucceeded(next)
        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["status"], "ACKNOWLEDGED")
        XCTAssertEqual(rows[0]["trigger_value"], "4")
        XCTAssertEqual(rows[0]["alert_content"], "采购订单 PO-31 已延迟 4 天（要求交期：2026-01-06）")
    }

    func testLevelNeverFallsWhenTheDateMovesButStaysLate() async throws {
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-01")
        let first = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE purchase_orders SET required_date = '2026-01-07' WHERE id = 31")
        let next = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(next)
        let row = try await alerts().first
        XCTAssertEqual(row?["alert_level"], "CRITICAL")
        XCTAssertEqual(row?["trigger_value"], "2", "trigger value and content are refreshed")
        XCTAssertEqual(row?["alert_content"], "采购订单 PO-31 已延迟 2 天（要求交期：2026-01-07）")
    }

    func testAlertResolvesWhenTheOrderIsFullyReceived() async throws {
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06")
        let first = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE purchase_order_items SET received_qty = quantity, status = 'RECEIVED' WHERE order_id = 31")
        let next = await h.run(job, at: "2026-01-10T14:00")
        XCTAssertSucceeded(next)
        let row = try await h.rows("""
            SELECT status, handle_result, handle_end_at = '2026-01-10T14:00:00+08:00'::timestamptz AS at_now FROM alert_records
            """).first
        XCTAssertEqual(row?["status"], "RESOLVED")
        XCTAssertEqual(row?["handle_result"], "AUTO: condition cleared")
        XCTAssertEqual(row?["at_now"], "t")
        let resolved = try await h.lastResult("check_delivery_delay")?.resolved
        XCTAssertEqual(resolved, 1)
    }

    func testAlertResolvesWhenTheHeaderIsReceivedCompletedOrCancelled() async throws {
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06")
        try await insertOrder(id: 32, no: "PO-32", required: "2026-01-06")
        try await insertOrder(id: 33, no: "PO-33", required: "2026-01-06")
        let first = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(first)
        try await h.exec("""
            UPDATE purchase_orders SET status = 'RECEIVED' WHERE id = 31;
            UPDATE purchase_orders SET status = 'COMPLETED' WHERE id = 32;
            UPDATE purchase_orders SET status = 'CANCELLED' WHERE id = 33;
            """)
        let next = await h.run(job, at: "2026-01-10T14:00")
        XCTAssertSucceeded(next)
        let rows = try await h.rows("SELECT status, handle_result FROM alert_records ORDER BY target_id")
        XCTAssertEqual(rows.map { "\($0["status"]!) \($0["handle_result"]!)" },
                       Array(repeating: "RESOLVED AUTO: condition cleared", count: 3))
    }

    func testAlertResolvesWhenTheRequiredDateMovesAndComesBackAsANewAlert() async throws {
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06")
        let first = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE purchase_orders SET required_date = '2026-01-12' WHERE id = 31")
        let moved = await h.run(job, at: "2026-01-10T14:00")
        XCTAssertSucceeded(moved)
        let afterMove = try await alerts()
        XCTAssertEqual(afterMove.map { $0["status"]! }, ["RESOLVED"])
        XCTAssertEqual(afterMove[0]["handle_result"], "AUTO: condition cleared")
        // Late again against the new date: a fresh alert with a number of that day.
        let late = await h.run(job, at: "2026-01-14T14:00")
        XCTAssertSucceeded(late)
        let rows = try await alerts()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["status"]!)" },
                       ["DD202601090001 RESOLVED", "DD202601140001 PENDING"])
        XCTAssertEqual(rows[1]["alert_content"], "采购订单 PO-31 已延迟 2 天（要求交期：2026-01-12）")
    }

    func testIgnoredAlertSuppressesWhileTheDelayLasts() async throws {
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06")
        let first = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE alert_records SET status = 'IGNORED'")
        let next = await h.run(job, at: "2026-01-10T14:00")
        XCTAssertSucceeded(next)
        let n = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(n, 1)
        let skipped = try await h.lastResult("check_delivery_delay")?.skipped
        XCTAssertEqual(skipped, 1)
    }

    func testAnotherRulesOpenAlertOnTheOrderDoesNotSuppress() async throws {
        // Rule 1 (MATERIAL_SHORTAGE) with a pending alert on the same target: the original's rule-less dedupe bug.
        try await h.exec("""
            INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, alert_level, alert_title, alert_content, status)
            VALUES ('XX202601090001', 1, 'PURCHASE_ORDER', 31, 'INFO', 'x', 'x', 'PENDING');
            """)
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06")
        let outcome = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(outcome)
        let n = try await h.count("SELECT 1 FROM alert_records a JOIN alert_rules r ON r.id = a.rule_id WHERE r.rule_code = 'DELIVERY_DELAY'")
        XCTAssertEqual(n, 1)
    }

    func testPromisedDateIsShownAndEmptyTitleFallsBackToOrderNo() async throws {
        try await insertOrder(id: 31, no: "PO-31", title: "", required: "2026-01-06", promised: "2026-01-12")
        try await insertOrder(id: 32, no: "PO-32", title: nil, required: "2026-01-06")
        let outcome = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(outcome)
        let rows = try await alerts()
        XCTAssertEqual(rows.map { $0["target_name"]! }, ["PO-31", "PO-32"])
        XCTAssertEqual(rows[0]["alert_content"], "采购订单 PO-31 已延迟 3 天（要求交期：2026-01-06，承诺交期：2026-01-12）")
        XCTAssertEqual(rows[1]["alert_content"], "采购订单 PO-32 已延迟 3 天（要求交期：2026-01-06）")
    }

    func testInactiveOrArchivedProjectsAreOutOfScopeAndOrdersWithoutProjectAreIn() async throws {
        try await h.exec("INSERT INTO projects (id, project_code, project_name, pm_id, is_active) VALUES (6, 'P-006', '停用项目', 7, false)")
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06")
        try await insertOrder(id: 32, no: "PO-32", project: 6, required: "2026-01-06")
        try await insertOrder(id: 33, no: "PO-33", project: nil, required: "2026-01-06")
        let first = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(first)
        let ids = try await h.rows("SELECT target_id FROM alert_records ORDER BY target_id").map { $0["target_id"]! }
        XCTAssertEqual(ids, ["31", "33"])
        let noProject = try await h.rows("SELECT r.user_id, r.reason FROM alert_recipients r JOIN alert_records a ON a.id = r.alert_id WHERE a.target_id = 33")
        XCTAssertEqual(noProject.map { "\($0["user_id"]!):\($0["reason"]!)" }, ["8:CREATOR"])

        try await h.exec("UPDATE projects SET is_archived = true WHERE id = 5")
        let next = await h.run(job, at: "2026-01-10T14:00")
        XCTAssertSucceeded(next)
        let rows = try await h.rows("SELECT target_id, status, handle_result FROM alert_records ORDER BY target_id")
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["status"]!)" }, ["31 RESOLVED", "33 PENDING"])
        XCTAssertEqual(rows[0]["handle_result"], "AUTO: condition cleared")
    }

    func testRecipientsArePMCreatorAndPurchasingManagersOnlyActiveOnes() async throws {
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES (10, 'pumgr10', '王经理', true);
            INSERT INTO roles (id, role_code, role_name) VALUES (1, 'PU_MGR', '采购经理'), (2, 'PU', '采购');
            INSERT INTO user_roles (user_id, role_id) VALUES (10, 1), (9, 1), (7, 1), (8, 2);
            """)
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06")
        try await insertOrder(id: 32, no: "PO-32", required: "2026-01-06", createdBy: 9)
        let outcome = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(outcome)
        let recipients = try await h.rows("""
            SELECT a.target_id, r.user_id, r.reason, coalesce(r.role_code, '-') AS role_code
              FROM alert_recipients r JOIN alert_records a ON a.id = r.alert_id ORDER BY a.target_id, r.user_id
            """)
        XCTAssertEqual(recipients.map { "\($0["target_id"]!):\($0["user_id"]!):\($0["reason"]!):\($0["role_code"]!)" },
                       ["31:7:PM:-", "31:8:CREATOR:-", "31:10:ROLE:PU_MGR", "32:7:PM:-", "32:10:ROLE:PU_MGR"],
                       "PM before ROLE; role PU does not count; inactive user 9 (creator and role holder) is left out")
    }

    func testDisabledRuleWritesNothingAndSaysSo() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'DELIVERY_DELAY'")
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06")
        let outcome = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(outcome)
        let n = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(n, 0)
        let recipients = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipients, 0)
        let events = try await h.alertEvents().count
        XCTAssertEqual(events, 0)
        let note = try await h.lastResult("check_delivery_delay")?.note
        XCTAssertEqual(note, "rule disabled")
    }

    func testDisabledRuleLeavesAnOpenAlertAlone() async throws {
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06")
        let first = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(first)
        try await h.exec("""
            UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'DELIVERY_DELAY';
            UPDATE purchase_orders SET status = 'RECEIVED' WHERE id = 31;
            """)
        let next = await h.run(job, at: "2026-01-10T14:00")
        XCTAssertSucceeded(next)
        let status = try await alerts().map { $0["status"]! }
        XCTAssertEqual(status, ["PENDING"])
    }

    func testNumbersContinueAfterAlertsOfTheDay() async throws {
        try await h.exec("""
            INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, alert_level, alert_title, alert_content, status)
            VALUES ('DD202601090003', 3, 'PURCHASE_ORDER', 999, 'WARNING', 'x', 'x', 'CLOSED');
            """)
        try await insertOrder(id: 31, no: "PO-31", required: "2026-01-06")
        let first = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(first)
        try await insertOrder(id: 32, no: "PO-32", required: "2026-01-06")
        let second = await h.run(job, at: "2026-01-09T16:00")
        XCTAssertSucceeded(second)
        let numbers = try await h.rows("SELECT alert_no FROM alert_records WHERE target_id IN (31, 32) ORDER BY target_id").map { $0["alert_no"]! }
        XCTAssertEqual(numbers, ["DD202601090004", "DD202601090005"])
    }

    func testMissingRuleFailsTheRun() async throws {
        try await h.exec("DELETE FROM alert_rules WHERE rule_code = 'DELIVERY_DELAY'")
        let outcome = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertEqual(outcome, .failed("rule missing: alert rule DELIVERY_DELAY does not exist"))
    }
}
