import Foundation
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ReceivablesService
import XCTest

/// services-receivables-cost.md, sales_reminder_scan: the milestone and payment steps (scenarios 1, 2, the
/// milestone/payment parts of 4 and 5) with the corrected expectations: one pass per item and day (no 7d/3d
/// duplicates), open milestone statuses, the DECISIONS overdue cadence {1, 7, 15, 30, 60, +30…}, NULL actual = 0,
/// finance roles on payment steps, inactive-owner fallback and the milestone key shared with the alert pipeline.
/// D = 2026-01-09, 09:00 Shanghai. The other steps are written elsewhere, so the scan is built with these three.
final class SalesReminderScanPaymentAndMilestoneTests: XCTestCase {
    var h: JobHarness!
    let job = SalesReminderScan(steps: [MilestoneReminders(), PaymentUpcomingReminders(), PaymentOverdueReminders()])
    let jobID = "sales_reminder_scan"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .receivables)
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (1, 'owner1', '负责人', true), (2, 'sales2', '销售', true), (3, 'pm3', '项目经理', true),
              (6, 'off6', '离职', false);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES
              (1, 'PJ-1', '一号线', 3), (2, 'PJ-2', '二号线', NULL);
            INSERT INTO contracts (id, contract_code, owner_id, project_id, status) VALUES
              (1, 'HT-1', 2, 1, 'SIGNED'), (2, 'HT-2', 6, 1, 'SIGNED');
            """)
    }

    override func tearDown() async throws { await h.close() }

    func milestone(_ id: Int, project: Int = 1, code: String, name: String, offset: Int, status: String = "PENDING",
                   owner: Int? = 1) async throws {
        try await h.db.execute(
            """
            INSERT INTO project_milestones (id, project_id, milestone_code, milestone_name, planned_date, status, owner_id)
            VALUES ($1, $2, $3, $4, '2026-01-09'::date + $5::int, $6, $7)
            """, [id, project, code, name, offset, status, owner])
    }

    func plan(_ id: Int, project: Int = 1, contract: Int? = 1, name: String = "首付款", type: String = "ADVANCE",
              planned: String = "300000.00", actual: String? = "0", offset: Int, status: String = "PENDING") async throws {
        try await h.db.execute(
            """
            INSERT INTO project_payment_plans (id, project_id, contract_id, payment_name, payment_type, planned_amount,
                actual_amount, planned_date, status)
            VALUES ($1, $2, $3, $4, $5, $6::numeric, $7::numeric, '2026-01-09'::date + $8::int, $9)
            """, [id, project, contract, name, type, planned, actual, offset, status])
    }

    func financeRole(user: Int) async throws {
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES (\(user), 'fin\(user)', '财务', true);
            INSERT INTO roles (id, role_code, role_name) VALUES (1, 'FIN', '财务') ON CONFLICT DO NOTHING;
            INSERT INTO user_roles (user_id, role_id) VALUES (\(user), 1);
            """)
    }

    func keys() async throws -> [String] {
        try await h.notifications().map { $0["dedupe_key"] ?? "" }
    }

    // Scenario 1 (corrected): M1 due D+2 → exactly ONE MILESTONE_UPCOMING, HIGH (the original sends NORMAL and
    // HIGH); P1 due D+5 → one PAYMENT_PLAN_UPCOMING, NORMAL, for the contract owner.
    func testScenario1UpcomingMilestoneAndPaymentOnePassEach() async throws {
        try await milestone(11, code: "MS-001", name: "设计评审", offset: 2)
        try await plan(101, offset: 5)
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 2)
        let m = rows[0]
        XCTAssertEqual(m["user_id"], "1")
        XCTAssertEqual(m["notification_type"], "MILESTONE_UPCOMING")
        XCTAssertEqual(m["source_type"], "milestone")
        XCTAssertEqual(m["source_id"], "11")
        XCTAssertEqual(m["title"], "里程碑即将到期：设计评审")
        XCTAssertEqual(m["content"], "里程碑 MS-001 将在 2026-01-11 到期，请及时处理。")
        XCTAssertEqual(m["link_url"], "/projects/1/milestones/11")
        XCTAssertEqual(m["priority"], "HIGH")
        XCTAssertEqual(m["is_read"], "f")
        XCTAssertEqual(m["dedupe_key"], "MILESTONE|11|1|2026-01-09")
        XCTAssertEqual(m["created"], "2026-01-09 09:00")
        let mExtra = try await h.extraDataMatches(#"{"milestone_code": "MS-001", "planned_date": "2026-01-11", "days_left": 2}"#,
                                            dedupe: "MILESTONE|11|1|2026-01-09")
        XCTAssertTrue(mExtra, "extra_data was \(m["extra"] ?? "NULL")")
        let p = rows[1]
        XCTAssertEqual(p["user_id"], "2")
        XCTAssertEqual(p["notification_type"], "PAYMENT_PLAN_UPCOMING")
        XCTAssertEqual(p["source_type"], "payment_plan")
        XCTAssertEqual(p["source_id"], "101")
        XCTAssertEqual(p["title"], "收款计划即将到期：首付款")
        XCTAssertEqual(p["content"], "收款计划 首付款（金额：300000.00，未收：300000.00）将在 2026-01-14 到期，请及时跟进。")
        XCTAssertEqual(p["link_url"], "/projects/1/payment-plans")
        XCTAssertEqual(p["priority"], "NORMAL")
        XCTAssertEqual(p["dedupe_key"], "PAYMENT_PLAN_UPCOMING|payment_plan|101|2|2026-01-09")
        let pExtra = try await h.extraDataMatches("""
            {"payment_name": "首付款", "payment_type": "ADVANCE", "planned_amount": 300000.00,
             "unpaid_amount": 300000.00, "planned_date": "2026-01-14", "days_left": 5}
            """, dedupe: "PAYMENT_PLAN_UPCOMING|payment_plan|101|2|2026-01-09")
        XCTAssertTrue(pExtra, "extra_data was \(p["extra"] ?? "NULL")")
        let inbox = try await h.rows("SELECT producer, topic FROM outbox WHERE topic LIKE 'pms/v1/inbox/%' ORDER BY id")
        XCTAssertEqual(inbox.map { "\($0["producer"]!) \($0["topic"]!)" },
                       ["receivables pms/v1/inbox/1", "receivables pms/v1/inbox/2"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 2)
        XCTAssertEqual(result?.created, 2)
        XCTAssertEqual(result?.notified, 2)
        XCTAssertEqual(result?.unrouted, 0)
        XCTAssertEqual(result?.details?["milestone_reminders"],
                       .object(["checked": .number(1), "created": .number(1), "skipped": .number(0), "unrouted": .number(0)]))
    }

    // Upcoming milestone window: D+4…D+7 NORMAL, D+8 nothing; IN_PROGRESS / DELAYED / BLOCKED count (corrected),
    // an overdue milestone is URGENT with its overdue days; inactive or archived projects are skipped.
    func testMilestoneWindowStatusesAndOverdue() async throws {
        try await milestone(21, code: "MS-021", name: "出厂验收", offset: 7, status: "IN_PROGRESS")
        try await milestone(22, code: "MS-022", name: "装配完成", offset: 8)
        try await milestone(23, code: "MS-023", name: "物料齐套", offset: -3, status: "DELAYED")
        try await milestone(24, code: "MS-024", name: "调试", offset: 0, status: "BLOCKED")
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active, is_archived) VALUES
              (3, 'PJ-3', '停用', 3, false, false), (4, 'PJ-4', '归档', 3, true, true);
            """)
        try await milestone(25, project: 3, code: "MS-025", name: "停用项目", offset: 1)
        try await milestone(26, project: 4, code: "MS-026", name: "归档项目", offset: -1)
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.rows("""
            SELECT dedupe_key, notification_type, title, content, priority, extra_data::text AS extra
              FROM notifications ORDER BY source_id
            """)
        XCTAssertEqual(rows.map { $0["dedupe_key"] }, [
            "MILESTONE|21|1|2026-01-09", "MILESTONE|23|1|2026-01-09", "MILESTONE|24|1|2026-01-09",
        ])
        XCTAssertEqual(rows.map { $0["priority"] }, ["NORMAL", "URGENT", "HIGH"])
        XCTAssertEqual(rows[1]["notification_type"], "MILESTONE_OVERDUE")
        XCTAssertEqual(rows[1]["title"], "里程碑已逾期：物料齐套")
        XCTAssertEqual(rows[1]["content"], "里程碑 MS-023 已逾期 3 天，请尽快处理。")
        let overdueExtra = try await h.extraDataMatches(
            #"{"milestone_code": "MS-023", "planned_date": "2026-01-06", "overdue_days": 3}"#,
            dedupe: "MILESTONE|23|1|2026-01-09")
        XCTAssertTrue(overdueExtra, "extra_data was \(rows[1]["extra"] ?? "NULL")")
        XCTAssertEqual(rows[2]["content"], "里程碑 MS-024 将在 2026-01-09 到期，请及时处理。")
    }

    // Scenario 2 (corrected): P2 overdue 15 days, 100000.00 planned, 40000.00 collected → one PAYMENT_OVERDUE each
    // for the contract owner U2 and the PM U3, HIGH, unpaid 60000.00; P3 overdue 10 days → nothing (the original
    // sends NORMAL every day from day 7).
    func testScenario2OverduePaymentOwnerAndPM() async throws {
        try await plan(102, name: "发货款", type: "DELIVERY", planned: "100000.00", actual: "40000.00", offset: -15,
                       status: "INVOICED")
        try await plan(103, name: "验收款", type: "ACCEPTANCE", offset: -10)
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["dedupe_key"] }, [
            "PAYMENT_OVERDUE|payment_plan|102|2|2026-01-09", "PAYMENT_OVERDUE|payment_plan|102|3|2026-01-09",
        ])
        for n in rows {
            XCTAssertEqual(n["notification_type"], "PAYMENT_OVERDUE")
            XCTAssertEqual(n["source_type"], "payment_plan")
            XCTAssertEqual(n["source_id"], "102")
            XCTAssertEqual(n["title"], "收款已逾期：发货款（15天）")
            XCTAssertEqual(n["content"], "收款计划 发货款 已逾期 15 天，未收金额：60000.00，请尽快跟进。")
            XCTAssertEqual(n["link_url"], "/projects/1/payment-plans")
            XCTAssertEqual(n["priority"], "HIGH")
        }
        let extraOK = try await h.extraDataMatches("""
            {"payment_name": "发货款", "payment_type": "DELIVERY", "planned_amount": 100000.00, "actual_amount": 40000.00,
             "unpaid_amount": 60000.00, "planned_date": "2025-12-25", "overdue_days": 15}
            """, dedupe: "PAYMENT_OVERDUE|payment_plan|102|2|2026-01-09")
        XCTAssertTrue(extraOK, "extra_data was \(rows.first?["extra"] ?? "NULL")")
        let unpaid = try await h.rows("SELECT DISTINCT extra_data->>'unpaid_amount' AS unpaid FROM notifications")
        XCTAssertEqual(unpaid.map { $0["unpaid"] }, ["60000.00"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 2)
        XCTAssertEqual(result?.notified, 2)
    }

    // DECISIONS cadence: overdue days 1, 7, 15, 30, 60, 90 (and 120) send; 10 and 61 do not. Priority ≥ 60 URGENT,
    // ≥ 15 HIGH, else NORMAL. NULL actual counts as 0; a fully paid PARTIAL plan and a COMPLETED plan are skipped.
    func testOverdueCadenceAndPriorities() async throws {
        for (id, days) in [(201, 1), (202, 7), (203, 15), (204, 30), (205, 60), (206, 90), (207, 120), (208, 10), (209, 61)] {
            try await plan(id, contract: nil, name: "款\(days)", actual: nil, offset: -days)
        }
        try await plan(210, contract: nil, planned: "100.00", actual: "100.00", offset: -7, status: "PARTIAL")
        try await plan(211, contract: nil, offset: -7, status: "COMPLETED")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.rows("""
            SELECT source_id, user_id, priority, title, extra_data->>'overdue_days' AS days,
                   extra_data->>'actual_amount' AS actual, content
              FROM notifications ORDER BY source_id
            """)
        XCTAssertEqual(rows.map { $0["source_id"] }, ["201", "202", "203", "204", "205", "206", "207"])
        XCTAssertEqual(rows.map { $0["user_id"] }, ["3", "3", "3", "3", "3", "3", "3"])
        XCTAssertEqual(rows.map { $0["days"] }, ["1", "7", "15", "30", "60", "90", "120"])
        XCTAssertEqual(rows.map { $0["priority"] }, ["NORMAL", "NORMAL", "HIGH", "HIGH", "URGENT", "URGENT", "URGENT"])
        XCTAssertEqual(rows.first?["title"], "收款已逾期：款1（1天）")
        XCTAssertEqual(rows.first?["actual"], "0")
        XCTAssertEqual(rows.first?["content"], "收款计划 款1 已逾期 1 天，未收金额：300000.00，请尽快跟进。")
    }

    // DECISIONS "sales_reminder_scan recipients": payment steps also tell the finance role holders (active users,
    // active role); a user who is both owner and finance gets one row; inactive roles route to nobody.
    func testPaymentStepsAlsoTellFinanceRoles() async throws {
        try await financeRole(user: 9)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES (10, 'fin10', false), (11, 'cfo11', true);
            INSERT INTO roles (id, role_code, role_name, is_active) VALUES (2, 'CFO', '财务总监', false);
            INSERT INTO user_roles (user_id, role_id) VALUES (10, 1), (11, 2), (2, 1);
            """)
        try await plan(101, offset: 5)
        try await plan(102, planned: "100000.00", actual: "40000.00", offset: -15, status: "INVOICED")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let keys = try await keys()
        XCTAssertEqual(keys, [
            "PAYMENT_PLAN_UPCOMING|payment_plan|101|2|2026-01-09", "PAYMENT_PLAN_UPCOMING|payment_plan|101|9|2026-01-09",
            "PAYMENT_OVERDUE|payment_plan|102|2|2026-01-09", "PAYMENT_OVERDUE|payment_plan|102|3|2026-01-09",
            "PAYMENT_OVERDUE|payment_plan|102|9|2026-01-09",
        ])
    }

    // DECISIONS "Inactive or archived": an inactive or missing milestone owner falls back to the PM; an inactive
    // contract owner falls back to the PM (upcoming) or leaves the PM alone (overdue); nobody → unrouted.
    func testInactiveOwnersFallBackToThePM() async throws {
        try await milestone(31, code: "MS-031", name: "离职负责人", offset: 1, owner: 6)
        try await milestone(32, code: "MS-032", name: "无负责人", offset: -2, owner: nil)
        try await milestone(33, project: 2, code: "MS-033", name: "无人", offset: 1, owner: 6)
        try await plan(301, contract: 2, offset: 3)
        try await plan(302, contract: 2, offset: -7)
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let keys = try await keys()
        XCTAssertEqual(keys, [
            "MILESTONE|31|3|2026-01-09", "MILESTONE|32|3|2026-01-09",
            "PAYMENT_PLAN_UPCOMING|payment_plan|301|3|2026-01-09", "PAYMENT_OVERDUE|payment_plan|302|3|2026-01-09",
        ])
        let stored = try await h.count("SELECT 1 FROM notifications WHERE user_id = 6")
        XCTAssertEqual(stored, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.unrouted, 1)
        XCTAssertEqual(result?.details?["milestone_reminders"],
                       .object(["checked": .number(3), "created": .number(2), "skipped": .number(0), "unrouted": .number(1)]))
    }

    // DECISIONS "Same milestone from two jobs": the alert pipeline already wrote the PM's in-app row with the
    // MILESTONE|… key today → the scan writes no second row for that user (the owner still gets hers).
    func testMilestoneKeySharedWithTheAlertPipeline() async throws {
        try await milestone(41, code: "MS-041", name: "共享键", offset: 2, owner: nil)
        try await h.exec("""
            INSERT INTO notifications (user_id, notification_type, source_type, source_id, title, priority, dedupe_key,
                created_at)
            VALUES (3, 'ALERT_NOTIFICATION', 'alert', 9001, '里程碑即将到期：共享键', 'WARNING', 'MILESTONE|41|3|2026-01-09',
                    '2026-01-09 08:00+08');
            """)
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.rows("SELECT notification_type, dedupe_key FROM notifications ORDER BY id")
        XCTAssertEqual(rows.map { $0["notification_type"] }, ["ALERT_NOTIFICATION"])
        let published = try await h.count("SELECT 1 FROM outbox WHERE topic LIKE 'pms/v1/inbox/%'")
        XCTAssertEqual(published, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.skipped, 1)
    }

    // Scenario 4 (milestone part): COMPLETED and CANCELLED milestones → nothing.
    func testScenario4CompletedAndCancelledMilestonesAreSkipped() async throws {
        try await milestone(51, code: "MS-051", name: "已完成", offset: 2, status: "COMPLETED")
        try await milestone(52, code: "MS-052", name: "已取消", offset: -5, status: "CANCELLED")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 0)
    }

    // Scenario 5: a second run at 11:00 the same day creates zero new notifications.
    func testScenario5RerunSameDayWritesNothing() async throws {
        try await milestone(11, code: "MS-001", name: "设计评审", offset: 2)
        try await milestone(12, code: "MS-002", name: "逾期", offset: -1)
        try await plan(101, offset: 5)
        try await plan(102, planned: "100000.00", actual: "40000.00", offset: -15, status: "INVOICED")
        let first = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(first)
        let before = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(before, 5)
        let second = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(second)
        let after = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(after, 5)
        let published = try await h.count("SELECT 1 FROM outbox WHERE topic LIKE 'pms/v1/inbox/%'")
        XCTAssertEqual(published, 5)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 4)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.skipped, 5)
    }

    // Scenario 5 (second half): a failing step (as the quote step might) is rolled back alone; the milestone and
    // payment steps still commit, and the run is reported failed naming the step.
    func testScenario5AFailingStepDoesNotStopTheOthers() async throws {
        try await milestone(11, code: "MS-001", name: "设计评审", offset: 2)
        try await plan(101, offset: 5)
        let scan = SalesReminderScan(steps: [MilestoneReminders(), FailingStep(), PaymentUpcomingReminders(),
                                             PaymentOverdueReminders()])
        let outcome = await h.run(scan, at: "2026-01-09T09:00")
        guard case .failed(let reason) = outcome else { return XCTFail("expected a failed run, got \(outcome)") }
        XCTAssertTrue(reason.contains("quote_expiry"), reason)
        let keys = try await keys()
        XCTAssertEqual(keys, ["MILESTONE|11|1|2026-01-09", "PAYMENT_PLAN_UPCOMING|payment_plan|101|2|2026-01-09"])
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await milestone(11, code: "MS-001", name: "设计评审", offset: 2)
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T09:00", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T09:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 1)
    }
}

/// A step that fails after writing, to show the savepoint rolls back only its own rows.
private struct FailingStep: SalesReminderStep {
    let name = "quote_expiry"

    func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        _ = try await context.connection.execute("""
            INSERT INTO notifications (user_id, notification_type, source_type, source_id, title, dedupe_key)
            VALUES (1, 'QUOTE_EXPIRED', 'quote', 1, '报价已过期：Q-1', 'QUOTE_EXPIRED|quote|1|1|2026-01-09')
            """)
        throw JobFailure("quote step broke")
    }
}
