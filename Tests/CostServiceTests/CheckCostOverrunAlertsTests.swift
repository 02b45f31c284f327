import CostService
import Foundation
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest

/// services-receivables-cost.md, check_cost_overrun_alerts: every acceptance scenario with the corrected
/// expectations (approved budget first, ledger actual, open-alert dedup, upgrade in place, auto-close), plus
/// refresh, recipients, inactive users and projects, numbering, redelivery and the disabled rule.
/// D = 2026-01-09 (Asia/Shanghai), run at 10:00. Projects' PM is user 7.
final class CheckCostOverrunAlertsTests: XCTestCase {
    var h: JobHarness!
    let job = CheckCostOverrunAlerts()
    let jobID = "check_cost_overrun_alerts"

    func topic(_ level: String) -> String { "pms/v1/alert/\(level)/cost/COST_OVERRUN" }

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .cost)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES
              (1, 'admin', true), (7, 'pm7', true), (9, 'fin9', true), (10, 'off10', false), (11, 'cfo11', true);
            """)
    }

    override func tearDown() async throws { await h.close() }

    /// A project with `budget_amount` and `actual_cost` as numeric text; its ledger rows through `cost`.
    func project(_ id: Int, code: String? = nil, name: String? = nil, budget: String?, actualCost: String? = nil,
                 pm: Int? = 7, active: Bool = true, archived: Bool = false) async throws {
        try await h.db.execute(
            """
            INSERT INTO projects (id, project_code, project_name, pm_id, budget_amount, actual_cost, is_active, is_archived)
            VALUES ($1, $2, $3, $4, $5::numeric, coalesce($6::numeric, 0), $7, $8)
            """, [id, code ?? "PJ-\(id)", name ?? "项目\(id)", pm, budget, actualCost, active, archived])
    }

    func cost(_ project: Int, _ amount: String, type: String = "MATERIAL") async throws {
        try await h.db.execute(
            """
            INSERT INTO project_costs (project_id, cost_type, cost_category, amount, cost_date)
            VALUES ($1, $2, $2, $3::numeric, '2026-01-05')
            """, [project, type, amount])
    }

    func budget(_ project: Int, _ total: String, version: String = "V1.0", status: String = "APPROVED",
                active: Bool = true, approvedAt: String? = "2026-01-01T10:00:00+08:00") async throws {
        try await h.db.execute(
            """
            INSERT INTO project_budgets (project_id, version, total_amount, status, is_active, approved_at)
            VALUES ($1, $2, $3::numeric, $4, $5, $6::timestamptz)
            """, [project, version, total, status, active, approvedAt])
    }

    func summary() async throws -> [String] {
        try await h.alertRecords().map { "\($0["target_id"]!) \($0["alert_level"]!) \($0["trigger_value"]!) \($0["threshold_value"]!)" }
    }

    // Scenario 1.
    func testWarning() async throws {
        try await project(1, code: "PJ-1", name: "一号线", budget: "1000000.00", actualCost: "1080000.00")
        try await cost(1, "1000000.00")
        try await cost(1, "80000.00", type: "LABOR")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "CO202601090001")
        XCTAssertEqual(a["rule_id"], "15")
        XCTAssertEqual(a["target_type"], "PROJECT")
        XCTAssertEqual(a["target_id"], "1")
        XCTAssertEqual(a["target_no"], "PJ-1")
        XCTAssertEqual(a["target_name"], "一号线")
        XCTAssertEqual(a["project_id"], "1")
        XCTAssertEqual(a["alert_level"], "WARNING")
        XCTAssertEqual(a["alert_title"], "项目成本超支：一号线")
        XCTAssertEqual(a["alert_content"], "项目 PJ-1 成本超支 8.00%（预算：1,000,000.00，实际：1,080,000.00）")
        XCTAssertEqual(a["trigger_value"], "8.00")
        XCTAssertEqual(a["threshold_value"], "5")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["dedup_key"], "COST_OVERRUN:PROJECT:1")
        let people = try await h.recipients()
        XCTAssertEqual(people, ["7:PM"])
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), [topic("WARNING")])
        XCTAssertEqual(events.first?.alert.alertNo, "CO202601090001")
        XCTAssertEqual(events.first?.alert.title, "项目成本超支：一号线")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 1)
        XCTAssertEqual(result?.skipped, 0)
        XCTAssertEqual(result?.unrouted, 0)
        XCTAssertEqual(result?.details?["actual_cost_drift"], .number(0))
    }

    // Scenario 2.
    func testLevelBoundariesAndApprovedBudgetPrecedence() async throws {
        try await project(21, budget: "1000000.00")
        try await cost(21, "1250000.00")                      // 25 % → CRITICAL
        try await project(22, budget: "1000000.00")
        try await cost(22, "1200000.00")                      // exactly 20 % → WARNING
        try await project(23, budget: "1000000.00")
        try await cost(23, "1050000.00")                      // exactly 5 % → nothing
        try await project(24, budget: "1000000.00")
        try await cost(24, "1080000.00")
        try await budget(24, "1200000.00")                    // −10 % → nothing
        try await project(25, budget: "1000000.00")
        try await cost(25, "1050000.01")                      // just above 5 % → WARNING, shown 5.00
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await summary()
        XCTAssertEqual(rows, ["21 CRITICAL 25.00 20", "22 WARNING 20.00 5", "25 WARNING 5.00 5"])
        let first = try await h.alertRecords().first
        XCTAssertEqual(first?["alert_content"], "项目 PJ-21 成本超支 25.00%（预算：1,000,000.00，实际：1,250,000.00）")
        let topics = try await h.alertEvents().map(\.topic)
        XCTAssertEqual(topics, [topic("CRITICAL"), topic("WARNING"), topic("WARNING")])
    }

    // Corrected budget: the latest APPROVED active row by approved_at, then id; never by the text version.
    func testLatestApprovedActiveBudgetWins() async throws {
        try await project(31, budget: "500000.00")
        try await cost(31, "1080000.00")
        try await budget(31, "1000000.00", version: "V2.0", approvedAt: "2026-01-05T09:00:00+08:00")
        try await budget(31, "2000000.00", version: "V10.0", approvedAt: "2025-12-01T09:00:00+08:00")
        try await budget(31, "5000000.00", version: "V11.0", status: "SUBMITTED", approvedAt: nil)
        try await budget(31, "5000000.00", version: "V12.0", active: false, approvedAt: "2026-01-06T09:00:00+08:00")
        try await project(32, budget: "1000000.00")
        try await cost(32, "1300000.00")
        try await budget(32, "1100000.00", approvedAt: "2026-01-05T09:00:00+08:00")
        try await budget(32, "1200000.00", approvedAt: "2026-01-05T09:00:00+08:00")   // same time: higher id wins
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.map { $0["alert_content"]! }, [
            "项目 PJ-31 成本超支 8.00%（预算：1,000,000.00，实际：1,080,000.00）",
            "项目 PJ-32 成本超支 8.33%（预算：1,200,000.00，实际：1,300,000.00）",
        ])
        XCTAssertEqual(rows.map { $0["trigger_value"]! }, ["8.00", "8.33"])
    }

    // Scenario 3, plus DECISIONS "Budgets" (an approved budget ≤ 0 is no budget) and archived projects.
    func testNegativesAndSkippedProjects() async throws {
        try await project(41, budget: "0.00")
        try await cost(41, "100.00")
        try await project(42, budget: nil)
        try await cost(42, "100.00")
        try await project(43, budget: "1000.00", active: false)
        try await cost(43, "5000.00")
        try await project(44, budget: "1000.00", archived: true)
        try await cost(44, "5000.00")
        try await project(45, budget: "1000000.00")
        try await cost(45, "900000.00")
        try await project(46, budget: "1000.00")
        try await cost(46, "5000.00")
        try await budget(46, "0.00")
        try await project(47, budget: "1000.00")             // no costs at all: −100 %
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 5, "41, 42, 45, 46, 47 are active and not archived")
        XCTAssertEqual(result?.skipped, 3, "41, 42 and 46 have no budget")
        XCTAssertEqual(result?.details?["no_budget"], .number(3))
        XCTAssertEqual(result?.created, 0)
    }

    // Corrected actual: the ledger sum; projects.actual_cost only drives the drift warning.
    func testLedgerSumWinsOverTheStoredActualCost() async throws {
        try await project(51, budget: "1000000.00", actualCost: "5000000.00")
        try await cost(51, "1080000.00")
        try await project(52, budget: "1000000.00", actualCost: "1080000.00")  // original: 8 % overrun
        try await cost(52, "900000.00")
        try await project(53, budget: "300000.00", actualCost: "316000.02")    // within 0.01: no drift
        try await cost(53, "316000.01")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await summary()
        XCTAssertEqual(rows, ["51 WARNING 8.00 5", "53 WARNING 5.33 5"])
        let stored = try await h.rows("SELECT actual_cost FROM projects ORDER BY id").map { $0["actual_cost"]! }
        XCTAssertEqual(stored, ["5000000.00", "1080000.00", "316000.02"], "the job never writes actual_cost")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.details?["actual_cost_drift"], .number(2))
    }

    // Scenario 4 (first half): re-run at 14:00 the same day.
    func testRerunTheSameDayWritesNothingNew() async throws {
        try await project(1, budget: "1000000.00")
        try await cost(1, "1080000.00")
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(second)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
        let recipientCount = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientCount, 1)
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 1)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.notified, 0)
    }

    // Scenario 4 (second half, corrected): an ACKNOWLEDGED alert blocks a new one; it is refreshed.
    func testAcknowledgedAlertIsNotDuplicatedTheNextDay() async throws {
        try await project(1, budget: "1000000.00")
        try await cost(1, "1080000.00")
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE alert_records SET status = 'ACKNOWLEDGED'")
        try await cost(1, "10000.00")
        let second = await h.run(job, at: "2026-01-10T10:00")
        XCTAssertSucceeded(second)
        let rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["status"], "ACKNOWLEDGED")
        XCTAssertEqual(rows[0]["alert_level"], "WARNING")
        XCTAssertEqual(rows[0]["trigger_value"], "9.00", "DECISIONS Refresh while open")
        XCTAssertEqual(rows[0]["alert_content"], "项目 PJ-1 成本超支 9.00%（预算：1,000,000.00，实际：1,090,000.00）")
    }

    // Scenario 5: upgrade in place, then auto-close.
    func testUpgradeInPlaceThenCloseWithinBudget() async throws {
        try await project(1, budget: "1000000.00")
        try await cost(1, "1080000.00")
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        try await cost(1, "220000.00")                         // 1,300,000.00: 30 %
        let second = await h.run(job, at: "2026-01-10T10:00")
        XCTAssertSucceeded(second)
        var rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_no"], "CO202601090001")
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["trigger_value"], "30.00")
        XCTAssertEqual(rows[0]["threshold_value"], "20")
        XCTAssertEqual(rows[0]["alert_content"], "项目 PJ-1 成本超支 30.00%（预算：1,000,000.00，实际：1,300,000.00）")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), [topic("WARNING"), topic("CRITICAL")])
        XCTAssertEqual(events.last?.alert.event, .escalated)
        var result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.details?["levels_raised"], .number(1))

        // A lower ratio never lowers the level (still above 5 %).
        try await budget(1, "1200000.00")                      // 8.33 %
        let third = await h.run(job, at: "2026-01-11T10:00")
        XCTAssertSucceeded(third)
        rows = try await h.alertRecords()
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["trigger_value"], "8.33")

        try await budget(1, "1274509.80", version: "V3.0", approvedAt: "2026-01-10T09:00:00+08:00")   // 2.00 %
        let fourth = await h.run(job, at: "2026-01-12T10:00")
        XCTAssertSucceeded(fourth)
        rows = try await h.alertRecords()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["status"], "RESOLVED")
        XCTAssertEqual(rows[0]["handle_result"], "auto-closed: within budget")
        XCTAssertEqual(rows[0]["ended"], "t")
        result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.resolved, 1)
    }

    // DECISIONS general rule "Inactive or archived": the open alert of a project that left scope resolves.
    func testAlertOfAProjectThatBecameInactiveResolves() async throws {
        try await project(1, budget: "1000000.00")
        try await cost(1, "1080000.00")
        try await project(2, budget: "1000000.00")
        try await cost(2, "1080000.00")
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE projects SET is_active = false WHERE id = 1; UPDATE projects SET budget_amount = 0 WHERE id = 2")
        let second = await h.run(job, at: "2026-01-10T10:00")
        XCTAssertSucceeded(second)
        let rows = try await h.alertRecords().map { "\($0["target_id"]!) \($0["status"]!) \($0["handle_result"] ?? "-")" }
        XCTAssertEqual(rows, ["1 RESOLVED AUTO: condition cleared", "2 RESOLVED auto-closed: within budget"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.resolved, 2)
    }

    // DATA-MODEL §4.4: PM, then active holders of FIN, CFO, FI, FINANCE.
    func testRecipientsArePMAndFinanceRoles() async throws {
        try await h.exec("""
            INSERT INTO roles (id, role_code, role_name) VALUES (1, 'FIN', '财务'), (2, 'CFO', '财务总监'),
              (3, 'FI', '会计'), (4, 'FINANCE', '财务部'), (5, 'PM', '项目经理');
            INSERT INTO roles (id, role_code, role_name, is_active) VALUES (6, 'FINANCE_OLD', '旧财务', false);
            INSERT INTO user_roles (user_id, role_id) VALUES (9, 1), (11, 2), (10, 3), (7, 4), (1, 5), (9, 6);
            """)
        try await project(1, budget: "1000000.00")
        try await cost(1, "1080000.00")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let people = try await h.recipients()
        XCTAssertEqual(people, ["7:PM", "9:ROLE", "11:ROLE"], "inactive user 10 and other roles are left out")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.notified, 3)
    }

    // DECISIONS "Inactive or archived": an inactive PM falls through to the role holders; nobody = unrouted.
    func testInactivePMFallsThroughAndAnAlertWithoutRecipientIsUnrouted() async throws {
        try await project(1, budget: "1000000.00", pm: 10)
        try await cost(1, "1080000.00")
        try await project(2, budget: "1000000.00", pm: nil)
        try await cost(2, "1080000.00")
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        var result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 2)
        XCTAssertEqual(result?.unrouted, 2)
        try await h.exec("""
            INSERT INTO roles (id, role_code, role_name) VALUES (1, 'CFO', '财务总监');
            INSERT INTO user_roles (user_id, role_id) VALUES (11, 1);
            """)
        let second = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(second)
        let people = try await h.recipients()
        XCTAssertEqual(people, ["11:ROLE", "11:ROLE"])
        result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.unrouted, 0)
    }

    func testNumbersContinueAfterTheDaysExistingAlerts() async throws {
        try await project(1, budget: "1000000.00")
        try await cost(1, "1080000.00")
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        try await project(2, budget: "1000000.00")
        try await cost(2, "1500000.00")
        let second = await h.run(job, at: "2026-01-09T14:00")
        XCTAssertSucceeded(second)
        let numbers = try await h.alertRecords().map { $0["alert_no"]! }
        XCTAssertEqual(numbers, ["CO202601090001", "CO202601090002"])
    }

    func testRedeliveredTickRunsOnce() async throws {
        try await project(1, budget: "1000000.00")
        try await cost(1, "1080000.00")
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T10:00", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T10:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 1)
    }

    func testDisabledRuleWritesNothing() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'COST_OVERRUN'")
        try await project(1, budget: "1000000.00")
        try await cost(1, "1080000.00")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let count = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(count, 0)
        let recipientCount = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipientCount, 0)
        let events = try await h.alertEvents()
        XCTAssertEqual(events.count, 0)
        let rules = try await h.count("SELECT 1 FROM alert_rules WHERE rule_code = 'COST_OVERRUN'")
        XCTAssertEqual(rules, 1, "the job never creates rules")
        let note = try await h.lastResult(jobID)?.note
        XCTAssertEqual(note, "rule disabled")
    }
}
