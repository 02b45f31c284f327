import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ReceivablesService
import XCTest

/// services-receivables-cost.md, check_milestone_status_and_adjust_payments: every acceptance scenario with the
/// corrected expectations (watermark window, DELAYED via the re-planned date, late completions, PARTIAL plans,
/// history table, finance roles CFO/FI/FINANCE/FIN, active users only) and DECISIONS ("Payment adjustment
/// notices": source_type 'milestone', source_id = the milestone id, where the spec's scenario 1 says P1).
/// D = 2026-01-09; the runs are at 10:00 with watermark 09:00 unless a test says otherwise.
final class CheckMilestoneStatusAndAdjustPaymentsTests: XCTestCase {
    var h: JobHarness!
    let job = CheckMilestoneStatusAndAdjustPayments()
    let jobID = "check_milestone_status_and_adjust_payments"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .receivables)
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (2, 'sales2', '销售甲', true), (3, 'pm3', '项目经理', true), (4, 'sales4', '销售乙', true),
              (9, 'fin9', '财务', true), (31, 'off31', '离职', false);
            INSERT INTO roles (id, role_code, role_name) VALUES (1, 'FI', '财务'), (2, 'GM', '总经理');
            INSERT INTO user_roles (user_id, role_id) VALUES (9, 1), (31, 1), (4, 2);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (1, 'PRJ-001', '一号线', 3);
            INSERT INTO contracts (id, contract_code, project_id, owner_id, status) VALUES (21, 'HT-021', 1, 2, 'ACTIVE');
            UPDATE projects SET contract_id = 21 WHERE id = 1;
            UPDATE scheduler_job_state SET last_success_started_at = '2026-01-09 09:00+08'
             WHERE job_id = 'check_milestone_status_and_adjust_payments';
            """)
    }

    override func tearDown() async throws { await h.close() }

    // MARK: - fixtures and readers

    func milestone(_ id: Int, _ name: String = "出厂验收", status: String, planned: String = "2026-01-15",
                   actual: String?, updated: String, project: Int = 1) async throws {
        try await h.db.execute(
            """
            INSERT INTO project_milestones (id, project_id, milestone_code, milestone_name, planned_date, actual_date,
                                            status, updated_at)
            VALUES ($1, $2, $3, $4, $5::date, $6::date, $7, ('2026-01-09 ' || $8)::timestamp AT TIME ZONE 'Asia/Shanghai')
            """, [id, project, "MS-\(id)", name, planned, actual, status, updated])
    }

    func plan(_ id: Int, milestone: Int?, name: String = "验收款", status: String = "PENDING", planned: String?,
              contract: Int? = 21, remark: String? = nil) async throws {
        try await h.db.execute(
            """
            INSERT INTO project_payment_plans (id, project_id, contract_id, payment_name, payment_type, planned_amount,
                                               planned_date, milestone_id, status, remark, updated_at)
            VALUES ($1, 1, $2, $3, 'ACCEPTANCE', 300000.00, $4::date, $5, $6, $7, '2026-01-01 08:00+08')
            """, [id, contract, name, planned, milestone, status, remark])
    }

    /// "id planned_date updated_at(local)" of every plan.
    func plans() async throws -> [String] {
        try await h.rows("""
            SELECT id, coalesce(to_char(planned_date, 'YYYY-MM-DD'), '-') AS d,
                   to_char(updated_at AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI') AS u
              FROM project_payment_plans ORDER BY id
            """).map { "\($0["id"]!) \($0["d"]!) \($0["u"]!)" }
    }

    func history() async throws -> [PostgresRow] {
        try await h.rows("""
            SELECT plan_id, milestone_id, milestone_status, to_char(milestone_date, 'YYYY-MM-DD') AS milestone_date,
                   field_name, old_value, new_value, reason, adjusted_by,
                   to_char(adjusted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS adjusted_at
              FROM payment_plan_adjustments ORDER BY id
            """)
    }

    func watermark() async throws -> String? {
        try await h.rows("""
            SELECT to_char(last_success_started_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS w
              FROM scheduler_job_state WHERE job_id = $1
            """, [jobID]).first?["w"]
    }

    func remarkEquals(_ plan: Int, _ json: String) async throws -> Bool {
        try await h.rows("SELECT remark::jsonb = $2::jsonb AS same FROM project_payment_plans WHERE id = $1",
                         [plan, json]).first?["same"] == "t"
    }

    func content(_ project: String = "PRJ-001", milestone: String = "出厂验收", plans: String, status: String) -> String {
        "项目 \(project) 的收款计划已调整：\n里程碑：\(milestone)\n调整的收款计划：\(plans)\n"
            + "调整原因：里程碑状态变更为 \(status)，自动调整收款计划\n请及时关注收款计划变更。"
    }

    /// Scenario 1's data: M1 = 11 (COMPLETED D−2, updated 09:40), P1 = 101 (PENDING, D+10), P2 = 102 (COMPLETED).
    func scenario1() async throws {
        try await milestone(11, status: "COMPLETED", actual: "2026-01-07", updated: "09:40")
        try await plan(101, milestone: 11, planned: "2026-01-19")
        try await plan(102, milestone: 11, name: "预付款", status: "COMPLETED", planned: "2026-01-19")
    }

    // MARK: - acceptance scenarios

    // Scenario 1, corrected: U9 (role FI) is notified too; DECISIONS: source_id is the milestone (the spec says P1).
    func testScenario1EarlyCompletionPullsThePlanEarlierAndNotifiesOwnerPMAndFinance() async throws {
        try await scenario1()
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let planRows = try await plans()
        XCTAssertEqual(planRows, ["101 2026-01-07 01-09 10:00", "102 2026-01-19 01-01 08:00"])
        let entries = try await history()
        XCTAssertEqual(entries.count, 1)
        let e = try XCTUnwrap(entries.first)
        XCTAssertEqual(e["plan_id"], "101")
        XCTAssertEqual(e["milestone_id"], "11")
        XCTAssertEqual(e["milestone_status"], "COMPLETED")
        XCTAssertEqual(e["milestone_date"], "2026-01-07")
        XCTAssertEqual(e["field_name"], "planned_date")
        XCTAssertEqual(e["old_value"], "2026-01-19")
        XCTAssertEqual(e["new_value"], "2026-01-07")
        XCTAssertEqual(e["reason"], "里程碑提前完成，允许提前开票: 里程碑状态变更为 COMPLETED，自动调整收款计划")
        XCTAssertNil(e["adjusted_by"])
        XCTAssertEqual(e["adjusted_at"], "2026-01-09 10:00")
        let remarkOK = try await remarkEquals(101, """
            [{"field": "planned_date", "old_value": "2026-01-19", "new_value": "2026-01-07",
              "reason": "里程碑提前完成，允许提前开票: 里程碑状态变更为 COMPLETED，自动调整收款计划",
              "adjusted_by": null, "adjusted_at": "2026-01-09T10:00:00+08:00"}]
            """)
        XCTAssertTrue(remarkOK)

        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["user_id"]! }, ["2", "3", "9"])
        for n in rows {
            XCTAssertEqual(n["notification_type"], "PAYMENT_ADJUSTMENT")
            XCTAssertEqual(n["source_type"], "milestone")
            XCTAssertEqual(n["source_id"], "11")
            XCTAssertEqual(n["title"], "收款计划调整通知")
            XCTAssertEqual(n["content"], content(plans: "验收款", status: "COMPLETED"))
            XCTAssertNil(n["link_url"])
            XCTAssertNil(n["extra"])
            XCTAssertEqual(n["priority"], "NORMAL")
            XCTAssertEqual(n["is_read"], "f")
            XCTAssertEqual(n["created"], "2026-01-09 10:00")
            XCTAssertEqual(n["dedupe_key"], "PAYMENT_ADJUSTMENT|milestone|11|\(n["user_id"]!)|COMPLETED|2026-01-07")
        }
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["receivables pms/v1/inbox/2", "receivables pms/v1/inbox/3", "receivables pms/v1/inbox/9"])
        let w = try await watermark()
        XCTAssertEqual(w, "2026-01-09 10:00")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.created, 3)
        XCTAssertEqual(result?.notified, 3)
        XCTAssertEqual(result?.skipped, 0)
        XCTAssertEqual(result?.unrouted, 0)
    }

    // Scenario 2, corrected: DELAYED without actual_date moves the plan to the re-planned date (the original: nothing).
    func testScenario2DelayedMilestoneMovesThePlanToTheReplannedDate() async throws {
        try await milestone(12, "设备到货", status: "DELAYED", planned: "2026-01-29", actual: nil, updated: "09:15")
        try await plan(103, milestone: 12, name: "发货款", planned: "2026-01-14")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let planRows = try await plans()
        XCTAssertEqual(planRows, ["103 2026-01-29 01-09 10:00"])
        let entries = try await history()
        XCTAssertEqual(entries.map { "\($0["old_value"]!)>\($0["new_value"]!) \($0["milestone_status"]!) \($0["milestone_date"]!)" },
                       ["2026-01-14>2026-01-29 DELAYED 2026-01-29"])
        XCTAssertEqual(entries.first?["reason"], "里程碑状态变更为 DELAYED，自动调整收款计划")
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["user_id"]! }, ["2", "3", "9"])
        XCTAssertEqual(rows.first?["content"], content(milestone: "设备到货", plans: "发货款", status: "DELAYED"))
        XCTAssertEqual(rows.first?["dedupe_key"], "PAYMENT_ADJUSTMENT|milestone|12|2|DELAYED|2026-01-29")
    }

    // Scenario 3: before the watermark, not DELAYED/COMPLETED, or already on the date → nothing.
    func testScenario3NegativeCasesChangeNothing() async throws {
        try await milestone(13, status: "COMPLETED", actual: "2026-01-07", updated: "07:30")
        try await plan(104, milestone: 13, planned: "2026-01-19")
        try await milestone(14, status: "IN_PROGRESS", actual: "2026-01-07", updated: "09:50")
        try await plan(105, milestone: 14, planned: "2026-01-19")
        try await milestone(15, status: "COMPLETED", actual: "2026-01-19", updated: "09:30")
        try await plan(106, milestone: 15, planned: "2026-01-19")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let planRows = try await plans()
        XCTAssertEqual(planRows, ["104 2026-01-19 01-01 08:00", "105 2026-01-19 01-01 08:00", "106 2026-01-19 01-01 08:00"])
        let entries = try await history()
        XCTAssertEqual(entries.count, 0)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1, "only milestone 15 is in the window")
        XCTAssertEqual(result?.updated, 0)
        let w = try await watermark()
        XCTAssertEqual(w, "2026-01-09 10:00")
    }

    // Scenario 4: 10:20 and 11:00 change nothing; re-processing the same window (watermark put back) neither.
    func testScenario4ReRunsWriteNothingNew() async throws {
        try await scenario1()
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T10:20")
        XCTAssertSucceeded(second)
        let third = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(third)
        let thirdResult = try await h.lastResult(jobID)
        XCTAssertEqual(thirdResult?.checked, 0)
        // A manual re-run over the same window: M1 is seen again, the history says it is done.
        try await h.exec("""
            UPDATE scheduler_job_state SET last_success_started_at = '2026-01-09 09:00+08'
             WHERE job_id = 'check_milestone_status_and_adjust_payments'
            """)
        let again = await h.run(job, at: "2026-01-09T11:10")
        XCTAssertSucceeded(again)
        let againResult = try await h.lastResult(jobID)
        XCTAssertEqual(againResult?.checked, 1)
        XCTAssertEqual(againResult?.updated, 0)
        XCTAssertEqual(againResult?.created, 0)
        let planRows = try await plans()
        XCTAssertEqual(planRows, ["101 2026-01-07 01-09 10:00", "102 2026-01-19 01-01 08:00"])
        let entries = try await history()
        XCTAssertEqual(entries.count, 1)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 3)
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages.count, 3)
        let w = try await watermark()
        XCTAssertEqual(w, "2026-01-09 11:10")
    }

    // Scenario 5, corrected: a manual plan date survives a later edit of the milestone (the original resets it).
    func testScenario5ManualOverrideIsPreserved() async throws {
        try await scenario1()
        let first = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(first)
        try await h.exec("""
            UPDATE project_payment_plans SET planned_date = '2026-01-12' WHERE id = 101;
            UPDATE project_milestones SET updated_at = '2026-01-09 10:30+08' WHERE id = 11;
            """)
        let second = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(second)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.updated, 0)
        let d = try await h.rows("SELECT to_char(planned_date, 'YYYY-MM-DD') AS d FROM project_payment_plans WHERE id = 101")
        XCTAssertEqual(d.first?["d"], "2026-01-12")
        let entries = try await history()
        XCTAssertEqual(entries.count, 1)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 3)
    }

    // MARK: - corrected rules

    // Late completion moves the plan later; INVOICED and PARTIAL plans move too; names in id order.
    func testLateCompletionMovesOpenPlansLaterWithNamesInIdOrder() async throws {
        try await milestone(16, "终验收", status: "COMPLETED", actual: "2026-01-08", updated: "09:05")
        try await plan(108, milestone: 16, name: "验收款", status: "PARTIAL", planned: "2026-01-02")
        try await plan(107, milestone: 16, name: "到货款", status: "INVOICED", planned: "2026-01-05")
        try await plan(109, milestone: 16, name: "质保金", status: "COMPLETED", planned: "2026-01-05")
        try await plan(110, milestone: nil, name: "无关款", planned: "2026-01-05")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let planRows = try await plans()
        XCTAssertEqual(planRows, ["107 2026-01-08 01-09 10:00", "108 2026-01-08 01-09 10:00",
                                  "109 2026-01-05 01-01 08:00", "110 2026-01-05 01-01 08:00"])
        let entries = try await history()
        XCTAssertEqual(entries.map { $0["reason"]! }, ["里程碑状态变更为 COMPLETED，自动调整收款计划",
                                                       "里程碑状态变更为 COMPLETED，自动调整收款计划"])
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 3, "one notice per recipient for the milestone, not per plan")
        XCTAssertEqual(rows.first?["content"], content(milestone: "终验收", plans: "到货款, 验收款", status: "COMPLETED"))
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.updated, 2)
    }

    // allowEarlyInvoice = false: an early completion leaves the plan where it is; a late one still moves it.
    func testEarlyInvoiceFlagOffKeepsEarlierDates() async throws {
        var strict = CheckMilestoneStatusAndAdjustPayments()
        strict.allowEarlyInvoice = false
        try await scenario1()
        try await milestone(16, "终验收", status: "COMPLETED", actual: "2026-01-08", updated: "09:05")
        try await plan(107, milestone: 16, name: "到货款", planned: "2026-01-05")
        let outcome = await h.run(strict, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let planRows = try await plans()
        XCTAssertEqual(planRows, ["101 2026-01-19 01-01 08:00", "102 2026-01-19 01-01 08:00", "107 2026-01-08 01-09 10:00"])
        let rows = try await h.notifications()
        XCTAssertEqual(Set(rows.map { $0["source_id"]! }), ["16"])
    }

    // DELAYED with an actual date uses it; a plan already after the expected date is not pulled earlier.
    func testDelayedNeverPullsEarlier() async throws {
        try await milestone(17, status: "DELAYED", planned: "2026-01-20", actual: "2026-01-25", updated: "09:10")
        try await plan(111, milestone: 17, name: "一期款", planned: "2026-01-22")
        try await plan(112, milestone: 17, name: "二期款", planned: "2026-02-10")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let planRows = try await plans()
        XCTAssertEqual(planRows, ["111 2026-01-25 01-09 10:00", "112 2026-02-10 01-01 08:00"])
    }

    // The remark gets the JSON entry only when empty or already a JSON array; free text and broken JSON stay.
    func testRemarkIsAppendedOnlyWhenEmptyOrAJSONArray() async throws {
        try await milestone(18, status: "COMPLETED", actual: "2026-01-08", updated: "09:20")
        let old = #"[{"field": "planned_date", "old_value": "2025-12-01", "new_value": "2026-01-01", "reason": "x", "adjusted_by": null, "adjusted_at": "2025-12-01T10:00:00+08:00"}]"#
        try await plan(121, milestone: 18, name: "A", planned: "2026-01-02", remark: "客户要求按月支付")
        try await plan(122, milestone: 18, name: "B", planned: "2026-01-02", remark: old)
        try await plan(123, milestone: 18, name: "C", planned: "2026-01-02", remark: "[not json")
        try await plan(124, milestone: 18, name: "D", planned: "2026-01-02", remark: "  ")
        try await plan(125, milestone: 18, name: "E", planned: "2026-01-02", remark: #"{"a": 1}"#)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let remarks = try await h.rows("SELECT id, remark FROM project_payment_plans ORDER BY id")
        XCTAssertEqual(remarks[0]["remark"], "客户要求按月支付")
        XCTAssertEqual(remarks[2]["remark"], "[not json")
        XCTAssertEqual(remarks[4]["remark"], #"{"a": 1}"#)
        let entry = #"{"field": "planned_date", "old_value": "2026-01-02", "new_value": "2026-01-08", "reason": "里程碑状态变更为 COMPLETED，自动调整收款计划", "adjusted_by": null, "adjusted_at": "2026-01-09T10:00:00+08:00"}"#
        let appended = try await remarkEquals(122, String(old.dropLast()) + ", " + entry + "]")
        XCTAssertTrue(appended)
        let fresh = try await remarkEquals(124, "[" + entry + "]")
        XCTAssertTrue(fresh)
        let planRows = try await plans()
        XCTAssertEqual(planRows.map { String($0.prefix(14)) },
                       ["121 2026-01-08", "122 2026-01-08", "123 2026-01-08", "124 2026-01-08", "125 2026-01-08"],
                       "every plan moves, whatever its remark")
    }

    // Recipients: plan contract owner, project contract owner, PM, role holders; active only, each once.
    func testRecipientsAreActiveOwnersPMAndFinanceRolesEachOnce() async throws {
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES (5, 'cfo5', true), (6, 'fin6', true), (7, 'pm7', true);
            INSERT INTO roles (id, role_code, is_active) VALUES (3, 'CFO', true), (4, 'FINANCE', false), (5, 'FIN', true);
            INSERT INTO user_roles (user_id, role_id) VALUES (5, 3), (6, 4), (2, 5);
            INSERT INTO contracts (id, contract_code, project_id, owner_id) VALUES (22, 'HT-022', 1, 4), (23, 'HT-023', 1, 31);
            """)
        try await milestone(11, status: "COMPLETED", actual: "2026-01-07", updated: "09:40")
        try await plan(101, milestone: 11, planned: "2026-01-19", contract: 22)
        try await plan(102, milestone: 11, name: "尾款", planned: "2026-01-19", contract: 23)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        // 4 plan contract owner, (31 inactive), 2 project contract owner (also FIN), 3 PM, 5 CFO, 9 FI;
        // 6 holds only an inactive role, 31 is inactive.
        XCTAssertEqual(rows.map { $0["user_id"]! }, ["4", "2", "3", "5", "9"])
        XCTAssertEqual(rows.first?["content"], content(plans: "验收款, 尾款", status: "COMPLETED"))
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.notified, 5)
        XCTAssertEqual(result?.unrouted, 0)
    }

    // Inactive recipients only: the plan still moves; the milestone is counted as unrouted (no fallback user).
    func testMilestoneWithoutActiveRecipientIsUnrouted() async throws {
        try await h.exec("""
            DELETE FROM user_roles;
            UPDATE users SET is_active = false WHERE id IN (2, 3);
            """)
        try await scenario1()
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let planRows = try await plans()
        XCTAssertEqual(planRows.first, "101 2026-01-07 01-09 10:00")
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.unrouted, 1)
        XCTAssertEqual(result?.created, 0)
    }

    // Inactive and archived projects are skipped.
    func testInactiveOrArchivedProjectsAreSkipped() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active) VALUES (2, 'PRJ-002', '停用', 3, false);
            INSERT INTO projects (id, project_code, project_name, pm_id, is_archived) VALUES (3, 'PRJ-003', '归档', 3, true);
            """)
        try await milestone(31, status: "COMPLETED", actual: "2026-01-07", updated: "09:40", project: 2)
        try await milestone(32, status: "COMPLETED", actual: "2026-01-07", updated: "09:40", project: 3)
        try await plan(131, milestone: 31, planned: "2026-01-19")
        try await plan(132, milestone: 32, planned: "2026-01-19")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let planRows = try await plans()
        XCTAssertEqual(planRows, ["131 2026-01-19 01-01 08:00", "132 2026-01-19 01-01 08:00"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 0)
    }

    // No watermark yet: the last hour (now − 1 h, now].
    func testWithoutWatermarkTheLastHourIsProcessed() async throws {
        try await h.exec("""
            UPDATE scheduler_job_state SET last_success_started_at = NULL
             WHERE job_id = 'check_milestone_status_and_adjust_payments'
            """)
        try await milestone(11, status: "COMPLETED", actual: "2026-01-07", updated: "09:30")
        try await plan(101, milestone: 11, planned: "2026-01-19")
        try await milestone(12, status: "COMPLETED", actual: "2026-01-07", updated: "08:50")
        try await plan(102, milestone: 12, planned: "2026-01-19")
        try await milestone(13, status: "COMPLETED", actual: "2026-01-07", updated: "10:05")
        try await plan(103, milestone: 13, planned: "2026-01-19")
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(outcome)
        let planRows = try await plans()
        XCTAssertEqual(planRows, ["101 2026-01-07 01-09 10:00", "102 2026-01-19 01-01 08:00", "103 2026-01-19 01-01 08:00"])
        let w = try await watermark()
        XCTAssertEqual(w, "2026-01-09 10:00")
    }

    // The watermark is the effective now: params.as_of wins over the slot.
    func testWatermarkIsTheEffectiveNow() async throws {
        try await scenario1()
        let outcome = await h.run(job, at: "2026-01-09T12:00", params: ["as_of": .string("2026-01-09T10:00")])
        XCTAssertSucceeded(outcome)
        let w = try await watermark()
        XCTAssertEqual(w, "2026-01-09 10:00")
        let planRows = try await plans()
        XCTAssertEqual(planRows.first, "101 2026-01-07 01-09 10:00")
    }

    // A redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await scenario1()
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T10:00", runID: runID)
        XCTAssertSucceeded(first)
        try await h.exec("""
            UPDATE scheduler_job_state SET last_success_started_at = '2026-01-09 09:00+08'
             WHERE job_id = 'check_milestone_status_and_adjust_payments';
            UPDATE project_payment_plans SET planned_date = '2026-01-19' WHERE id = 101;
            DELETE FROM payment_plan_adjustments;
            """)
        let second = await h.run(job, at: "2026-01-09T10:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let planRows = try await plans()
        XCTAssertEqual(planRows.first, "101 2026-01-19 01-09 10:00", "the redelivery did not run")
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 3)
    }

    // Failure isolation: a plan that cannot be updated fails only its milestone; the others are kept, the run is
    // reported failed with skipped = 1, and the watermark stays so the next run retries it (history prevents
    // re-applying the ones that went through).
    func testFailingMilestoneIsIsolatedAndRetriedNextRun() async throws {
        try await scenario1()
        try await milestone(12, "设备到货", status: "DELAYED", planned: "2026-01-29", actual: nil, updated: "09:15")
        try await plan(103, milestone: 12, name: "发货款", planned: "2026-01-14")
        try await h.exec("""
            CREATE FUNCTION test_fail_plan_103() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.id = 103 THEN RAISE EXCEPTION 'plan 103 is locked'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER test_fail_plan_103 BEFORE UPDATE ON project_payment_plans
                FOR EACH ROW EXECUTE FUNCTION test_fail_plan_103();
            """)
        let outcome = await h.run(job, at: "2026-01-09T10:00")
        guard case .failed(let reason) = outcome else { return XCTFail("expected a failed run, got \(outcome)") }
        XCTAssertTrue(reason.contains("12"), reason)
        let failedEvent = try await h.rows("""
            SELECT payload->'result'->>'skipped' AS skipped, payload->'result'->>'updated' AS updated
              FROM outbox WHERE topic = 'pms/v1/run/check_milestone_status_and_adjust_payments/failed'
            """)
        XCTAssertEqual(failedEvent.first?["skipped"], "1")
        XCTAssertEqual(failedEvent.first?["updated"], "1")
        var planRows = try await plans()
        XCTAssertEqual(planRows, ["101 2026-01-07 01-09 10:00", "102 2026-01-19 01-01 08:00", "103 2026-01-14 01-01 08:00"])
        var entries = try await history()
        XCTAssertEqual(entries.map { $0["plan_id"]! }, ["101"])
        var rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["source_id"]! }, ["11", "11", "11"])
        var w = try await watermark()
        XCTAssertEqual(w, "2026-01-09 09:00", "not advanced")

        try await h.exec("DROP TRIGGER test_fail_plan_103 ON project_payment_plans")
        let retry = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(retry)
        planRows = try await plans()
        XCTAssertEqual(planRows, ["101 2026-01-07 01-09 10:00", "102 2026-01-19 01-01 08:00", "103 2026-01-29 01-09 11:00"])
        entries = try await history()
        XCTAssertEqual(entries.map { $0["plan_id"]! }, ["101", "103"])
        rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["source_id"]! }, ["11", "11", "11", "12", "12", "12"])
        w = try await watermark()
        XCTAssertEqual(w, "2026-01-09 11:00")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 2)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.skipped, 0)
    }
}
