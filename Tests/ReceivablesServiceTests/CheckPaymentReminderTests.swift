import Foundation
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ReceivablesService
import XCTest

/// services-receivables-cost.md, check_payment_reminder: every acceptance scenario with the corrected
/// expectations (PARTIAL plans and the unpaid amount, HIGH when days_left ≤ 3, N1 key shared with
/// sales_reminder_scan), plus the inactive-owner fallback, inactive projects, unrouted plans and a redelivered tick.
/// D = 2026-01-09, 09:30 Shanghai. Notification-only (no alert rule), so there is no "rule disabled" case.
final class CheckPaymentReminderTests: XCTestCase {
    var h: JobHarness!
    let job = CheckPaymentReminder()
    let jobID = "check_payment_reminder"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .receivables)
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (3, 'pm3', '项目经理', true), (7, 'sales7', '销售', true), (8, 'off8', '离职销售', false),
              (9, 'fin9', '财务', true);
            INSERT INTO roles (id, role_code, role_name) VALUES (1, 'FIN', '财务');
            INSERT INTO user_roles (user_id, role_id) VALUES (9, 1);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES
              (1, 'PJ-1', '一号线', 3), (2, 'PJ-2', '二号线', NULL);
            INSERT INTO contracts (id, contract_code, owner_id, project_id, status) VALUES
              (1, 'HT-1', 7, 1, 'SIGNED'), (2, 'HT-2', 8, 1, 'SIGNED'), (3, 'HT-3', NULL, 2, 'SIGNED');
            """)
    }

    override func tearDown() async throws { await h.close() }

    /// A plan due `offset` days after D (nil: no planned date).
    func plan(_ id: Int, project: Int = 1, contract: Int? = 1, name: String = "首付款", type: String = "ADVANCE",
              planned: String = "300000.00", actual: String? = "0", offset: Int?, status: String = "PENDING") async throws {
        try await h.db.execute(
            """
            INSERT INTO project_payment_plans (id, project_id, contract_id, payment_name, payment_type, planned_amount,
                actual_amount, planned_date, status)
            VALUES ($1, $2, $3, $4, $5, $6::numeric, $7::numeric, '2026-01-09'::date + $8::int, $9)
            """, [id, project, contract, name, type, planned, actual, offset, status])
    }

    // Scenario 1: P1 due D+5, contract owner U7 → one NORMAL reminder, days_left 5. Corrected content: the
    // spec's text plus the unpaid amount ('，未收：…' inside the brackets).
    func testScenario1ContractOwnerGetsTheReminder() async throws {
        try await plan(101, offset: 5)
        let outcome = await h.run(job, at: "2026-01-09T09:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 1)
        let n = try XCTUnwrap(rows.first)
        XCTAssertEqual(n["user_id"], "7")
        XCTAssertEqual(n["notification_type"], "PAYMENT_PLAN_UPCOMING")
        XCTAssertEqual(n["source_type"], "payment_plan")
        XCTAssertEqual(n["source_id"], "101")
        XCTAssertEqual(n["title"], "收款计划即将到期：首付款")
        XCTAssertEqual(n["content"], "收款计划 首付款（金额：300000.00，未收：300000.00）将在 2026-01-14 到期，请及时跟进。")
        XCTAssertEqual(n["link_url"], "/projects/1/payment-plans")
        XCTAssertEqual(n["priority"], "NORMAL")
        XCTAssertEqual(n["is_read"], "f")
        XCTAssertEqual(n["dedupe_key"], "PAYMENT_PLAN_UPCOMING|payment_plan|101|7|2026-01-09")
        XCTAssertEqual(n["created"], "2026-01-09 09:30")
        let extraOK = try await h.extraDataMatches("""
            {"payment_name": "首付款", "payment_type": "ADVANCE", "planned_amount": 300000.00,
             "unpaid_amount": 300000.00, "planned_date": "2026-01-14", "days_left": 5}
            """, dedupe: "PAYMENT_PLAN_UPCOMING|payment_plan|101|7|2026-01-09")
        XCTAssertTrue(extraOK, "extra_data was \(n["extra"] ?? "NULL")")
        let amounts = try await h.rows(
            "SELECT extra_data->>'planned_amount' AS planned, extra_data->>'unpaid_amount' AS unpaid FROM notifications")
        XCTAssertEqual(amounts.first?["planned"], "300000.00")
        XCTAssertEqual(amounts.first?["unpaid"], "300000.00")
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["receivables pms/v1/inbox/7"])
        let payload = try await h.rows(
            "SELECT payload->>'title' AS title, payload->>'priority' AS priority FROM outbox WHERE topic = 'pms/v1/inbox/7'")
        XCTAssertEqual(payload.first?["title"], "收款计划即将到期：首付款")
        XCTAssertEqual(payload.first?["priority"], "NORMAL")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 1)
        XCTAssertEqual(result?.skipped, 0)
        XCTAssertEqual(result?.unrouted, 0)
    }

    // Scenario 2: no contract → the PM (U3); neither contract owner nor PM → nothing, counted unrouted.
    // Single recipient: the finance role holder (U9) is not told by this job.
    func testScenario2FallsBackToThePMAndSkipsPlansWithoutRecipient() async throws {
        try await plan(102, contract: nil, name: "发货款", type: "DELIVERY", offset: 2)
        try await plan(103, project: 2, contract: 3, name: "验收款", type: "ACCEPTANCE", offset: 4)
        let outcome = await h.run(job, at: "2026-01-09T09:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["dedupe_key"] }, ["PAYMENT_PLAN_UPCOMING|payment_plan|102|3|2026-01-09"])
        XCTAssertEqual(rows.first?["user_id"], "3")
        XCTAssertEqual(rows.first?["priority"], "HIGH", "days_left 2 ≤ 3")
        XCTAssertEqual(rows.first?["content"], "收款计划 发货款（金额：300000.00，未收：300000.00）将在 2026-01-11 到期，请及时跟进。")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 2)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.unrouted, 1)
    }

    // DECISIONS "Inactive or archived": an inactive contract owner falls back to the PM.
    func testInactiveContractOwnerFallsBackToThePM() async throws {
        try await plan(104, contract: 2, offset: 6)
        let outcome = await h.run(job, at: "2026-01-09T09:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["dedupe_key"] }, ["PAYMENT_PLAN_UPCOMING|payment_plan|104|3|2026-01-09"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.unrouted, 0)
    }

    // Scenario 3: D+8, D−1, COMPLETED, NULL date → nothing. Corrected: a fully collected plan → nothing;
    // a PARTIAL plan is reminded with its unpaid amount; NULL actual counts as 0; inactive or archived
    // projects are skipped.
    func testScenario3NegativesAndPartialPlans() async throws {
        try await plan(111, offset: 8)
        try await plan(112, offset: -1)
        try await plan(113, offset: 3, status: "COMPLETED")
        try await plan(114, offset: nil)
        try await plan(115, planned: "1000.00", actual: "1000.00", offset: 3, status: "PARTIAL")
        try await plan(116, name: "进度款", planned: "120000.50", actual: "20000.25", offset: 7, status: "PARTIAL")
        try await plan(117, name: "尾款", planned: "5000.00", actual: nil, offset: 1, status: "INVOICED")
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active, is_archived) VALUES
              (3, 'PJ-3', '停用', 3, false, false), (4, 'PJ-4', '归档', 3, true, true);
            """)
        try await plan(118, project: 3, contract: nil, offset: 3)
        try await plan(119, project: 4, contract: nil, offset: 3)
        let outcome = await h.run(job, at: "2026-01-09T09:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["dedupe_key"] }, [
            "PAYMENT_PLAN_UPCOMING|payment_plan|116|7|2026-01-09",
            "PAYMENT_PLAN_UPCOMING|payment_plan|117|7|2026-01-09",
        ])
        XCTAssertEqual(rows[0]["content"], "收款计划 进度款（金额：120000.50，未收：100000.25）将在 2026-01-16 到期，请及时跟进。")
        XCTAssertEqual(rows[0]["priority"], "NORMAL")
        XCTAssertEqual(rows[1]["content"], "收款计划 尾款（金额：5000.00，未收：5000.00）将在 2026-01-10 到期，请及时跟进。")
        XCTAssertEqual(rows[1]["priority"], "HIGH")
        let unpaid = try await h.rows(
            "SELECT extra_data->>'unpaid_amount' AS unpaid, extra_data->>'days_left' AS days FROM notifications ORDER BY id")
        XCTAssertEqual(unpaid.map { $0["unpaid"] }, ["100000.25", "5000.00"])
        XCTAssertEqual(unpaid.map { $0["days"] }, ["7", "1"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 2)
    }

    // Scenario 4: a re-run the same day writes nothing; on D+1 the plan (days_left 4) is reminded again.
    func testScenario4RerunSameDayWritesNothingNextDayRemindsAgain() async throws {
        try await plan(101, offset: 5)
        let first = await h.run(job, at: "2026-01-09T09:30")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T15:00")
        XCTAssertSucceeded(second)
        let sameDay = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(sameDay, 1)
        let inboxSameDay = try await h.inboxMessages()
        XCTAssertEqual(inboxSameDay.count, 1, "nothing published for the duplicate")
        let rerun = try await h.lastResult(jobID)
        XCTAssertEqual(rerun?.created, 0)
        XCTAssertEqual(rerun?.skipped, 1)
        let next = await h.run(job, at: "2026-01-10T09:30")
        XCTAssertSucceeded(next)
        let rows = try await h.rows(
            "SELECT dedupe_key, extra_data->>'days_left' AS days, priority FROM notifications ORDER BY id")
        XCTAssertEqual(rows.map { $0["dedupe_key"] }, [
            "PAYMENT_PLAN_UPCOMING|payment_plan|101|7|2026-01-09", "PAYMENT_PLAN_UPCOMING|payment_plan|101|7|2026-01-10",
        ])
        XCTAssertEqual(rows.last?["days"], "4")
        XCTAssertEqual(rows.last?["priority"], "NORMAL")
    }

    // Scenario 4 (second half): the 09:00 scan already wrote the row for the plan, user and day (same N1 key)
    // → check_payment_reminder at 09:30 adds zero rows.
    func testScenario4AfterTheScanCreatedTheRowNothingNew() async throws {
        try await plan(101, offset: 5)
        let scan = await h.run(SalesReminderScan(steps: [PaymentUpcomingReminders()]), at: "2026-01-09T09:00")
        XCTAssertSucceeded(scan)
        // the scan also tells finance (U9); this job has a single recipient and its row exists already
        let afterScan = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(afterScan, 2)
        let outcome = await h.run(job, at: "2026-01-09T09:30")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 2)
        let owner = try await h.count("SELECT 1 FROM notifications WHERE user_id = 7")
        XCTAssertEqual(owner, 1)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.skipped, 1)
    }

    // Scenario 5: planned_date = D → one reminder with days_left 0, HIGH (corrected; the original says NORMAL).
    func testScenario5DueTodayIsHigh() async throws {
        try await plan(105, offset: 0)
        let outcome = await h.run(job, at: "2026-01-09T09:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.rows(
            "SELECT user_id, priority, extra_data->>'days_left' AS days, content FROM notifications")
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?["priority"], "HIGH")
        XCTAssertEqual(rows.first?["days"], "0")
        XCTAssertEqual(rows.first?["content"], "收款计划 首付款（金额：300000.00，未收：300000.00）将在 2026-01-09 到期，请及时跟进。")
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await plan(101, offset: 5)
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T09:30", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T09:30", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 1)
    }
}
