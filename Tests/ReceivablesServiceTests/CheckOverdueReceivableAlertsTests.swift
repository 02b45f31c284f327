import Foundation
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ReceivablesService
import XCTest

/// services-receivables-cost.md, check_overdue_receivable_alerts: every acceptance scenario with the corrected
/// expectations (open-alert dedup, upgrade in place, auto-close, COALESCE gross, project fallback), plus
/// refresh, recipients, inactive users and projects, numbering, redelivery and the disabled rule.
/// D = 2026-01-09 (Asia/Shanghai), run at 10:30. Contract 1: project 1 (PM 7), owner 2, customer "ACME".
final class CheckOverdueReceivableAlertsTests: XCTestCase {
    var h: JobHarness!
    let job = CheckOverdueReceivableAlerts()
    let jobID = "check_overdue_receivable_alerts"
    func topic(_ level: String) -> String { "pms/v1/alert/\(level)/receivables/OVERDUE_RECEIVABLE" }

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .receivables)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES
              (1, 'admin', true), (2, 'sales2', true), (7, 'pm7', true), (9, 'fin9', true), (10, 'off10', false),
              (11, 'cfo11', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (1, 'P1', '一号线', 7);
            INSERT INTO customers (id, customer_name) VALUES (1, 'ACME');
            INSERT INTO contracts (id, contract_code, customer_id, project_id, owner_id, status)
            VALUES (1, 'C1', 1, 1, 2, 'ACTIVE');
            """)
    }

    override func tearDown() async throws { await h.close() }

    /// An invoice due `overdue` days before D (nil: no due date); amounts as numeric text.
    func invoice(_ id: Int, code: String? = nil, status: String = "ISSUED", payment: String = "PARTIAL",
                 total: String? = "113000.00", amount: String? = "100000.00", paid: String? = "13000.00",
                 overdue: Int?, contract: Int = 1, project: Int? = nil) async throws {
        try await h.db.execute(
            """
            INSERT INTO invoices (id, invoice_code, contract_id, project_id, total_amount, amount, paid_amount,
                                  status, payment_status, due_date)
            VALUES ($1, $2, $3, $4, $5::numeric, $6::numeric, $7::numeric, $8, $9, '2026-01-09'::date - $10::int)
            """, [id, code ?? "INV-\(id)", contract, project, total, amount, paid, status, payment, overdue])
    }

    // Scenario 1.
    func testFirstAlert() async throws {
        try await invoice(1, code: "INV-1", overdue: 45)
        let outcome = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "AR202601090001")
        XCTAssertEqual(a["rule_id"], "14")
        XCTAssertEqual(a["target_type"], "INVOICE")
        XCTAssertEqual(a["target_id"], "1")
        XCTAssertEqual(a["target_no"], "INV-1")
        XCTAssertEqual(a["target_name"], "发票 INV-1")
        XCTAssertEqual(a["project_id"], "1")
        XCTAssertEqual(a["alert_level"], "WARNING")
        XCTAssertEqual(a["alert_title"], "逾期应收预警：INV-1")
        XCTAssertEqual(a["alert_content"], "发票 INV-1（客户：ACME）已逾期 45 天，未收金额：100,000.00 元，请及时跟进。")
        XCTAssertEqual(a["trigger_value"], "45")
        XCTAssertEqual(a["threshold_value"], "30", "DECISIONS: the threshold of the level reached")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["dedup_key"], "OVERDUE_RECEIVABLE:INVOICE:1")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["2:OWNER", "7:PM"])
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), [topic("WARNING")])
        XCTAssertEqual(events.first?.alert.alertNo, "AR202601090001")
        XCTAssertEqual(events.first?.alert.content, "发票 INV-1（客户：ACME）已逾期 45 天，未收金额：100,000.00 元，请及时跟进。")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 2)
        XCTAssertEqual(result?.unrouted, 0)
    }

    // Scenario 2, plus 1 day (INFO, lower bound 1).
    func testLevelBoundaries() async throws {
        try await invoice(21, overdue: 29)
        try await invoice(22, overdue: 30)
        try await invoice(23, overdue: 60)
        try await invoice(24, overdue: 90)
        try await invoice(25, overdue: 1)
        try await invoice(26, overdue: 59)
        try await invoice(27, overdue: 89)
        let outcome = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { "\($0["alert_no"]!) \($0["target_id"]!) \($0["alert_level"]!) \($0["trigger_value"]!) \($0["threshold_value"]!)" }, [
            "AR202601090001 21 INFO 29 1",
            "AR202601090002 22 WARNING 30 30",
            "AR202601090003 23 CRITICAL 60 60",
            "AR202601090004 24 URGENT 90 90",
            "AR202601090005 25 INFO 1 1",
            "AR202601090006 26 WARNING 59 30",
            "AR202601090007 27 CRITICAL 89 60",
        ], "numbered in invoice id order")
        XCTAssertEqual(rows[3]["alert_content"], "发票 INV-24（客户：ACME）已逾期 90 天，未收金额：100,000.00 元，请及时跟进。")
    }

    // Scenario 3.
    func testNegativesRaiseNothing() async throws {
        try await invoice(31, overdue: 0)                                   // due today
        try await invoice(32, payment: "PAID", overdue: 45)
        try await invoice(33, status: "DRAFT", overdue: 45)
        try await invoice(34, status: "VOID", overdue: 45)
        try await invoice(35, paid: "113000.00", overdue: 45)               // unpaid 0
        try await invoice(36, overdue: nil)                                 // no due date
        try await invoice(37, status: "APPROVED", overdue: 45)
        try await invoice(38, paid: "120000.00", overdue: 45)               // over-paid
        try await invoice(39, overdue: -3)                                  // due later
        let outcome = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(outcome)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 0)
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 0)
        XCTAssertEqual(result?.created, 0)
    }

    // Corrected gross: COALESCE(total_amount, amount, 0); NULL is missing, 0 is 0; NULL paid = 0.
    func testGrossIsCoalescedAndZeroIsNotMissing() async throws {
        try await invoice(41, total: nil, amount: "5000.50", paid: "0.25", overdue: 10)
        try await invoice(42, total: "0.00", amount: "5000.00", paid: "0.00", overdue: 10)   // original: 5000 unpaid
        try await invoice(43, total: nil, amount: nil, paid: nil, overdue: 10)
        try await invoice(44, payment: "PENDING", total: "1234567.89", amount: nil, paid: nil, overdue: 10)
        let outcome = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { $0["target_id"]! }, ["41", "44"])
        XCTAssertEqual(rows[0]["alert_content"], "发票 INV-41（客户：ACME）已逾期 10 天，未收金额：5,000.25 元，请及时跟进。")
        XCTAssertEqual(rows[1]["alert_content"], "发票 INV-44（客户：ACME）已逾期 10 天，未收金额：1,234,567.89 元，请及时跟进。")
        XCTAssertEqual(rows[1]["alert_level"], "INFO")
    }

    // Corrected project: COALESCE(contracts.project_id, invoices.project_id); missing customer reads 未知客户.
    func testProjectFallsBackToTheInvoiceAndCustomerToUnknown() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (2, 'P2', '二号线', 9);
            INSERT INTO contracts (id, contract_code, customer_id, project_id, owner_id) VALUES
              (2, 'C2', NULL, NULL, 2), (3, 'C3', 1, NULL, 2);
            """)
        try await invoice(51, overdue: 45, contract: 2, project: 2)
        try await invoice(52, overdue: 45, contract: 3)
        try await invoice(53, overdue: 45, contract: 1, project: 2)        // the contract's project wins
        let outcome = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["project_id"] ?? "-")" }, ["51 2", "52 -", "53 1"])
        XCTAssertEqual(rows[0]["alert_content"], "发票 INV-51（客户：未知客户）已逾期 45 天，未收金额：100,000.00 元，请及时跟进。")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["2:OWNER", "9:PM", "2:OWNER", "2:OWNER", "7:PM"])
    }

    // Scenario 4 (first half): re-run at 15:00 the same day.
    func testRerunTheSameDayWritesNothingNew() async throws {
        try await invoice(1, code: "INV-1", overdue: 45)
        let first = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(second)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
        let recipientCount = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientCount, 2)
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 1)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.notified, 0)
    }

    // Scenario 4 (second half, corrected): an ACKNOWLEDGED alert still blocks a new one; it is refreshed.
    func testAcknowledgedAlertIsNotDuplicatedTheNextDay() async throws {
        try await invoice(1, code: "INV-1", overdue: 45)
        let first = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE alert_records SET status = 'ACKNOWLEDGED'")
        let second = await h.run(job, at: "2026-01-10T10:30")
        XCTAssertSucceeded(second)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["status"], "ACKNOWLEDGED")
        XCTAssertEqual(rows[0]["trigger_value"], "46")
        XCTAssertEqual(rows[0]["alert_content"], "发票 INV-1（客户：ACME）已逾期 46 天，未收金额：100,000.00 元，请及时跟进。")
    }

    // DECISIONS "Refresh while open": content and trigger follow the invoice while the level stays.
    func testOpenAlertIsRefreshedWithoutALevelChange() async throws {
        try await invoice(1, code: "INV-1", overdue: 45)
        let first = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE invoices SET paid_amount = 63000.00 WHERE id = 1")
        let second = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(second)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_level"], "WARNING")
        XCTAssertEqual(rows[0]["alert_content"], "发票 INV-1（客户：ACME）已逾期 45 天，未收金额：50,000.00 元，请及时跟进。")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 1, "no event without a level rise")
    }

    // Scenario 5 (upgrade): INFO at 29 days becomes WARNING in place at 30.
    func testLevelRisesInPlace() async throws {
        try await invoice(1, code: "INV-1", overdue: 29)
        let first = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-10T10:30")
        XCTAssertSucceeded(second)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_no"], "AR202601090001")
        XCTAssertEqual(rows[0]["alert_level"], "WARNING")
        XCTAssertEqual(rows[0]["trigger_value"], "30")
        XCTAssertEqual(rows[0]["threshold_value"], "30")
        XCTAssertEqual(rows[0]["status"], "PENDING")
        XCTAssertEqual(rows[0]["alert_content"], "发票 INV-1（客户：ACME）已逾期 30 天，未收金额：100,000.00 元，请及时跟进。")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), [topic("INFO"), topic("WARNING")])
        XCTAssertEqual(events.last?.alert.event, .escalated)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.details?["levels_raised"], .number(1))
    }

    // Scenario 5 (close), plus the other ways the condition clears (DECISIONS "Condition cleared").
    func testAlertResolvesWhenTheInvoiceNoLongerQualifies() async throws {
        for id in 61...66 { try await invoice(id, overdue: 45) }
        let first = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(first)
        try await h.exec("""
            UPDATE invoices SET payment_status = 'PAID' WHERE id = 61;
            UPDATE invoices SET status = 'VOID' WHERE id = 62;
            UPDATE invoices SET paid_amount = total_amount WHERE id = 63;
            UPDATE invoices SET due_date = '2026-01-20' WHERE id = 64;
            DELETE FROM invoices WHERE id = 65;
            """)
        let second = await h.run(job, at: "2026-01-10T10:30")
        XCTAssertSucceeded(second)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { "\($0["target_id"]!) \($0["status"]!) \($0["handle_result"] ?? "-") \($0["ended"]!)" }, [
            "61 RESOLVED auto-closed: paid t",
            "62 RESOLVED auto-closed: paid t",
            "63 RESOLVED auto-closed: paid t",
            "64 RESOLVED auto-closed: paid t",
            "65 RESOLVED auto-closed: paid t",
            "66 PENDING - f",
        ])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.resolved, 5)
        // A payment reversal later raises a fresh alert with the next number.
        try await h.exec("UPDATE invoices SET payment_status = 'PARTIAL' WHERE id = 61")
        let third = await h.run(job, at: "2026-01-10T15:00")
        XCTAssertSucceeded(third)
        let fresh = try await h.rows("SELECT alert_no FROM alert_records WHERE target_id = 61 AND status = 'PENDING'")
        XCTAssertEqual(fresh.map { $0["alert_no"]! }, ["AR202601100001"])
    }

    // DECISIONS general rule "Inactive or archived": skipped; their open alerts resolve.
    func testInactiveOrArchivedProjectsAreSkippedAndTheirAlertsResolve() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active) VALUES (3, 'P3', '停用', 7, false);
            INSERT INTO projects (id, project_code, project_name, pm_id, is_archived) VALUES (4, 'P4', '归档', 7, true);
            INSERT INTO contracts (id, contract_code, customer_id, project_id, owner_id) VALUES
              (3, 'C3', 1, 3, 2), (4, 'C4', 1, NULL, 2);
            """)
        try await invoice(71, overdue: 45, contract: 3)
        try await invoice(72, overdue: 45, contract: 4, project: 4)
        try await invoice(73, overdue: 45)
        let first = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(first)
        let before = try await h.alertRecords().map { $0["target_id"]! }
        XCTAssertEqual(before, ["73"])
        try await h.exec("UPDATE projects SET is_archived = true WHERE id = 1")
        let second = await h.run(job, at: "2026-01-10T10:30")
        XCTAssertSucceeded(second)
        let after = try await h.alertRecords().map { "\($0["target_id"]!) \($0["status"]!) \($0["handle_result"] ?? "-")" }
        XCTAssertEqual(after, ["73 RESOLVED AUTO: condition cleared"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.resolved, 1)
    }

    // DATA-MODEL §4.4: OWNER, PM, then active holders of FIN, CFO, FI, FINANCE; first reason wins.
    func testRecipientsAreOwnerPMAndFinanceRoles() async throws {
        try await h.exec("""
            INSERT INTO roles (id, role_code, role_name) VALUES (1, 'FIN', '财务'), (2, 'CFO', '财务总监'),
              (3, 'FI', '会计'), (4, 'FINANCE', '财务部'), (5, 'SALES', '销售');
            INSERT INTO roles (id, role_code, role_name, is_active) VALUES (6, 'FINANCE_MANAGER', '财务经理', true);
            INSERT INTO user_roles (user_id, role_id) VALUES (9, 1), (11, 2), (10, 3), (7, 4), (1, 5), (1, 6);
            """)
        try await invoice(1, code: "INV-1", overdue: 45)
        let outcome = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(outcome)
        let people = try await h.recipients()
        XCTAssertEqual(people, ["2:OWNER", "7:PM", "9:ROLE", "11:ROLE"],
                       "PM before ROLE for user 7; inactive FI holder 10 and other roles are left out")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.notified, 4)
    }

    // DECISIONS "Inactive or archived": an inactive owner falls through to the PM; nobody at all is unrouted.
    func testInactiveOwnerFallsThroughAndAnAlertWithoutRecipientIsUnrouted() async throws {
        try await h.exec("""
            INSERT INTO contracts (id, contract_code, customer_id, project_id, owner_id) VALUES
              (5, 'C5', 1, 1, 10), (6, 'C6', 1, NULL, 10);
            """)
        try await invoice(81, overdue: 45, contract: 5)
        try await invoice(82, overdue: 45, contract: 6)
        let outcome = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(outcome)
        let people = try await h.recipients()
        XCTAssertEqual(people, ["7:PM"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 2)
        XCTAssertEqual(result?.unrouted, 1)
        let noOne = try await h.count("SELECT 1 FROM alert_recipients WHERE user_id IN (1, 10)")
        XCTAssertEqual(noOne, 0, "never user 1, never an inactive user")
    }

    func testNumbersContinueAfterTheDaysExistingAlerts() async throws {
        try await invoice(1, overdue: 45)
        let first = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(first)
        try await invoice(2, overdue: 5)
        let second = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(second)
        let numbers = try await h.alertRecords().map { $0["alert_no"]! }
        XCTAssertEqual(numbers, ["AR202601090001", "AR202601090002"])
    }

    func testRedeliveredTickRunsOnce() async throws {
        try await invoice(1, overdue: 45)
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T10:30", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T10:30", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
    }

    func testDisabledRuleWritesNothing() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'OVERDUE_RECEIVABLE'")
        try await invoice(1, overdue: 45)
        let outcome = await h.run(job, at: "2026-01-09T10:30")
        XCTAssertSucceeded(outcome)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 0)
        let recipientCount = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientCount, 0)
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 0)
        let rules = try await h.count("SELECT 1 FROM alert_rules WHERE rule_code = 'OVERDUE_RECEIVABLE'")
        XCTAssertEqual(rules, 1, "the job never creates rules")
        let note = try await h.lastResult(jobID)?.note
        XCTAssertEqual(note, "rule disabled")
    }
}
