import Foundation
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ReceivablesService
import XCTest

/// services-receivables-cost.md, check_presale_workorder_timeout: every acceptance scenario (tickets without a
/// deadline, type limits), plus the DECISIONS "Presales tickets" rule (own deadline or expected_date at 23:59 wins,
/// urgency, REVIEW included), N1 dedupe keyed by user, recipient fall-through, configured limits and redelivery.
/// D = 2026-01-09, 16:00 Shanghai. No alert rule (notification-only), so no "rule disabled" case.
/// U1, U2, U3 of the spec are users 31, 32, 33.
final class CheckPresaleWorkorderTimeoutTests: XCTestCase {
    var h: JobHarness!
    let job = CheckPresaleWorkorderTimeout()
    let jobID = "check_presale_workorder_timeout"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .receivables)
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (31, 'pre31', '售前一', true), (32, 'sales32', '销售二', true), (33, 'pre33', '售前三', true),
              (34, 'sales34', '销售四', true), (39, 'off39', '离职', false), (40, 'off40', '离职二', false);
            """)
    }

    override func tearDown() async throws { await h.close() }

    /// `created` and `deadline` are Shanghai local times.
    func ticket(_ id: Int, _ no: String, title: String = "方案咨询", type: String?, status: String,
                applicant: Int = 34, assignee: Int? = 31, created: String, urgency: String = "NORMAL",
                deadline: String? = nil, expected: String? = nil) async throws {
        try await h.db.execute(
            """
            INSERT INTO presale_support_ticket (id, ticket_no, title, ticket_type, urgency, status, applicant_id,
                assignee_id, expected_date, deadline, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::date, ($10::timestamp AT TIME ZONE 'Asia/Shanghai'),
                    ($11::timestamp AT TIME ZONE 'Asia/Shanghai'))
            """, [id, no, title, type, urgency, status, applicant, assignee, expected, deadline, created])
    }

    // Scenario 1: CONSULT, ACCEPTED, created D−4, assignee U1 → NORMAL (4 > 3, 4 <= 4.5).
    func testScenario1AssignedTicketGoesToTheAssignee() async throws {
        try await ticket(1, "PS-001", type: "CONSULT", status: "ACCEPTED", created: "2026-01-05 10:00")
        let outcome = await h.run(job, at: "2026-01-09T16:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 1)
        let n = try XCTUnwrap(rows.first)
        XCTAssertEqual(n["user_id"], "31")
        XCTAssertEqual(n["notification_type"], "PRESALE_TICKET_TIMEOUT")
        XCTAssertEqual(n["source_type"], "presale_ticket")
        XCTAssertEqual(n["source_id"], "1")
        XCTAssertEqual(n["title"], "售前工单处理超时：PS-001")
        XCTAssertEqual(n["content"], "售前工单 PS-001（方案咨询）已创建 4 天，超过标准处理时间 3 天，请及时处理。")
        XCTAssertEqual(n["link_url"], "/presale/tickets/1")
        XCTAssertEqual(n["priority"], "NORMAL")
        XCTAssertEqual(n["is_read"], "f")
        XCTAssertEqual(n["dedupe_key"], "PRESALE_TICKET_TIMEOUT|presale_ticket|1|31|2026-01-09")
        XCTAssertEqual(n["created"], "2026-01-09 16:00")
        let extraOK = try await h.extraDataMatches("""
            {"ticket_no": "PS-001", "title": "方案咨询", "ticket_type": "CONSULT", "days_since_created": 4,
             "timeout_days": 3}
            """, dedupe: "PRESALE_TICKET_TIMEOUT|presale_ticket|1|31|2026-01-09")
        XCTAssertTrue(extraOK, "extra_data was \(n["extra"] ?? "NULL")")
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["receivables pms/v1/inbox/31"])
        let payload = try await h.rows(
            "SELECT payload->>'content' AS content, payload->>'title' AS title FROM outbox WHERE topic = 'pms/v1/inbox/31'")
        XCTAssertEqual(payload.first?["title"], "售前工单处理超时：PS-001")
        XCTAssertEqual(payload.first?["content"], "售前工单 PS-001（方案咨询）已创建 4 天，超过标准处理时间 3 天，请及时处理。")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 1)
        XCTAssertEqual(result?.skipped, 0)
        XCTAssertEqual(result?.unrouted, 0)
    }

    // Scenario 2: TENDER, PENDING, created D−16, unassigned → the applicant U2, HIGH (16 > 15).
    func testScenario2UnassignedTicketGoesToTheApplicant() async throws {
        try await ticket(2, "PS-002", title: "招标支持", type: "TENDER", status: "PENDING", applicant: 32, assignee: nil,
                         created: "2025-12-24 10:00")
        let outcome = await h.run(job, at: "2026-01-09T16:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { "\($0["user_id"]!):\($0["priority"]!)" }, ["32:HIGH"])
        XCTAssertEqual(rows.map { $0["content"]! }, ["售前工单 PS-002（招标支持）已创建 16 天，超过标准处理时间 10 天，请及时处理。"])
        XCTAssertEqual(rows.map { $0["dedupe_key"]! }, ["PRESALE_TICKET_TIMEOUT|presale_ticket|2|32|2026-01-09"])
    }

    // Scenario 3: SOLUTION 7 days is not > 7; COMPLETED, CLOSED and CANCELLED tickets are never reminded.
    func testScenario3Negatives() async throws {
        try await ticket(3, "PS-003", type: "SOLUTION", status: "PROCESSING", created: "2026-01-02 10:00")
        try await ticket(4, "PS-004", type: "CONSULT", status: "COMPLETED", created: "2025-12-10 10:00")
        try await ticket(14, "PS-014", type: "CONSULT", status: "CLOSED", created: "2025-12-10 10:00")
        try await ticket(15, "PS-015", type: "CONSULT", status: "CANCELLED", created: "2025-12-10 10:00",
                         deadline: "2025-12-20 10:00")
        let outcome = await h.run(job, at: "2026-01-09T16:00")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 0)
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, [])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 0)
        XCTAssertEqual(result?.unrouted, 0)
    }

    // Scenario 4: SURVEY (and a NULL type, and OTHER) use the default limit 5: 6 days → NORMAL.
    func testScenario4DefaultThreshold() async throws {
        try await ticket(5, "PS-005", title: "现场勘察", type: "SURVEY", status: "PROCESSING", assignee: 33,
                         created: "2026-01-03 10:00")
        try await ticket(16, "PS-016", title: "未分类", type: nil, status: "PROCESSING", assignee: 33,
                         created: "2026-01-03 10:00")
        try await ticket(17, "PS-017", title: "其他", type: "OTHER", status: "PROCESSING", assignee: 33,
                         created: "2026-01-04 10:00")   // 5 days: not > 5
        let outcome = await h.run(job, at: "2026-01-09T16:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { "\($0["source_id"]!):\($0["user_id"]!):\($0["priority"]!)" }, ["5:33:NORMAL", "16:33:NORMAL"])
        XCTAssertEqual(rows.map { $0["content"]! }, [
            "售前工单 PS-005（现场勘察）已创建 6 天，超过标准处理时间 5 天，请及时处理。",
            "售前工单 PS-016（未分类）已创建 6 天，超过标准处理时间 5 天，请及时处理。",
        ])
        let extraOK = try await h.extraDataMatches("""
            {"ticket_no": "PS-016", "title": "未分类", "ticket_type": null, "days_since_created": 6, "timeout_days": 5}
            """, dedupe: "PRESALE_TICKET_TIMEOUT|presale_ticket|16|33|2026-01-09")
        XCTAssertTrue(extraOK)
    }

    // Scenario 5: a re-run on D adds nothing; on D+1 T1 is reminded with 5 days (5 > 4.5: HIGH).
    func testScenario5RerunSameDayNothingNextDayAgain() async throws {
        try await ticket(1, "PS-001", type: "CONSULT", status: "ACCEPTED", created: "2026-01-05 10:00")
        let first = await h.run(job, at: "2026-01-09T16:00")
        XCTAssertSucceeded(first)
        let again = await h.run(job, at: "2026-01-09T18:00")
        XCTAssertSucceeded(again)
        let sameDay = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(sameDay, 1)
        let rerun = try await h.lastResult(jobID)
        XCTAssertEqual(rerun?.created, 0)
        XCTAssertEqual(rerun?.skipped, 1)
        let next = await h.run(job, at: "2026-01-10T16:00")
        XCTAssertSucceeded(next)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows.last?["content"], "售前工单 PS-001（方案咨询）已创建 5 天，超过标准处理时间 3 天，请及时处理。")
        XCTAssertEqual(rows.last?["priority"], "HIGH")
        XCTAssertEqual(rows.last?["dedupe_key"], "PRESALE_TICKET_TIMEOUT|presale_ticket|1|31|2026-01-10")
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages.count, 2)
    }

    // DECISIONS "Presales tickets": REVIEW is included and reminds the assignee.
    func testReviewStatusIsIncluded() async throws {
        try await ticket(6, "PS-006", type: "QUOTATION", status: "REVIEW", assignee: 33, created: "2026-01-01 10:00")
        let outcome = await h.run(job, at: "2026-01-09T16:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { "\($0["user_id"]!):\($0["priority"]!)" }, ["33:HIGH"])   // 8 > 7.5
        XCTAssertEqual(rows.map { $0["content"]! }, ["售前工单 PS-006（方案咨询）已创建 8 天，超过标准处理时间 5 天，请及时处理。"])
    }

    // DECISIONS "Presales tickets": the ticket's own deadline wins over the type limits. Overdue when now >
    // deadline; days = D − the deadline's day; HIGH with urgency URGENT / VERY_URGENT or more than 2 days over.
    func testOwnDeadlineWinsOverTheTypeLimits() async throws {
        // passed yesterday, young ticket (inside its type limit): reminded, NORMAL, 1 day
        try await ticket(7, "PS-007", title: "报价支持", type: "CONSULT", status: "ACCEPTED",
                         created: "2026-01-08 09:00", deadline: "2026-01-08 18:00")
        // 4 days over → HIGH
        try await ticket(8, "PS-008", title: "方案编制", type: "SOLUTION", status: "PROCESSING", assignee: 33,
                         created: "2026-01-03 09:00", deadline: "2026-01-05 12:00")
        // passed at 12:00 today, URGENT → HIGH with 0 days
        try await ticket(9, "PS-009", title: "紧急答疑", type: "CONSULT", status: "PENDING", assignee: nil,
                         created: "2026-01-09 08:00", urgency: "URGENT", deadline: "2026-01-09 12:00")
        // deadline tomorrow: nothing, although 30 days exceed the CONSULT limit
        try await ticket(10, "PS-010", title: "长期工单", type: "CONSULT", status: "PROCESSING",
                         created: "2025-12-10 09:00", deadline: "2026-01-10 12:00")
        // deadline later today (17:00 > now 16:00): not yet overdue
        try await ticket(18, "PS-018", title: "今日截止", type: "CONSULT", status: "PROCESSING",
                         created: "2025-12-10 09:00", urgency: "VERY_URGENT", deadline: "2026-01-09 17:00")
        let outcome = await h.run(job, at: "2026-01-09T16:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { "\($0["source_id"]!):\($0["user_id"]!):\($0["priority"]!)" },
                       ["7:31:NORMAL", "8:33:HIGH", "9:34:HIGH"])
        XCTAssertEqual(rows.map { $0["title"]! }, ["售前工单处理超时：PS-007", "售前工单处理超时：PS-008", "售前工单处理超时：PS-009"])
        XCTAssertEqual(rows.map { $0["content"]! }, [
            "售前工单 PS-007（报价支持）已超过截止时间 1 天，请及时处理。",
            "售前工单 PS-008（方案编制）已超过截止时间 4 天，请及时处理。",
            "售前工单 PS-009（紧急答疑）已超过截止时间 0 天，请及时处理。",
        ])
        let extraOK = try await h.extraDataMatches("""
            {"ticket_no": "PS-008", "title": "方案编制", "ticket_type": "SOLUTION", "urgency": "NORMAL",
             "deadline": "2026-01-05 12:00", "days_overdue": 4}
            """, dedupe: "PRESALE_TICKET_TIMEOUT|presale_ticket|8|33|2026-01-09")
        XCTAssertTrue(extraOK, "extra_data was \(rows[1]["extra"] ?? "NULL")")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 3)
        XCTAssertEqual(result?.created, 3)
    }

    // expected_date counts as a deadline at 23:59 of that day when deadline is NULL; deadline wins over it.
    func testExpectedDateCountsAsDeadlineAt2359() async throws {
        try await ticket(11, "PS-011", title: "期望昨日", type: "CONSULT", status: "ACCEPTED",
                         created: "2026-01-08 09:00", expected: "2026-01-08")
        try await ticket(12, "PS-012", title: "期望今日", type: "CONSULT", status: "ACCEPTED",
                         created: "2025-12-01 09:00", expected: "2026-01-09")
        try await ticket(13, "PS-013", title: "截止优先", type: "CONSULT", status: "ACCEPTED",
                         created: "2025-12-01 09:00", deadline: "2026-01-20 18:00", expected: "2026-01-01")
        let outcome = await h.run(job, at: "2026-01-09T16:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { "\($0["source_id"]!):\($0["priority"]!)" }, ["11:NORMAL"])
        XCTAssertEqual(rows.map { $0["content"]! }, ["售前工单 PS-011（期望昨日）已超过截止时间 1 天，请及时处理。"])
        let extraOK = try await h.extraDataMatches("""
            {"ticket_no": "PS-011", "title": "期望昨日", "ticket_type": "CONSULT", "urgency": "NORMAL",
             "deadline": "2026-01-08 23:59", "days_overdue": 1}
            """, dedupe: "PRESALE_TICKET_TIMEOUT|presale_ticket|11|31|2026-01-09")
        XCTAssertTrue(extraOK, "extra_data was \(rows.first?["extra"] ?? "NULL")")
        // the day after, 00:30 is past 2026-01-09 23:59: PS-012 becomes overdue by 1 day
        let next = await h.run(job, at: "2026-01-10T00:30")
        XCTAssertSucceeded(next)
        let later = try await h.notifications()
        XCTAssertEqual(Array(later.dropFirst()).map { $0["content"]! }, [
            "售前工单 PS-011（期望昨日）已超过截止时间 2 天，请及时处理。",
            "售前工单 PS-012（期望今日）已超过截止时间 1 天，请及时处理。",
        ])
    }

    // DECISIONS "Inactive or archived": an inactive assignee falls through to the applicant; with neither active
    // the ticket is counted unrouted and nobody else (no user 1) gets it.
    func testInactiveAssigneeFallsThroughToTheApplicant() async throws {
        try await ticket(1, "PS-001", type: "CONSULT", status: "ACCEPTED", applicant: 32, assignee: 39,
                         created: "2026-01-05 10:00")
        try await ticket(19, "PS-019", type: "CONSULT", status: "ACCEPTED", applicant: 40, assignee: 39,
                         created: "2026-01-05 10:00")
        try await ticket(20, "PS-020", type: "CONSULT", status: "PENDING", applicant: 40, assignee: nil,
                         created: "2026-01-05 10:00")
        let outcome = await h.run(job, at: "2026-01-09T16:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { "\($0["source_id"]!):\($0["user_id"]!)" }, ["1:32"])
        XCTAssertEqual(rows.map { $0["dedupe_key"]! }, ["PRESALE_TICKET_TIMEOUT|presale_ticket|1|32|2026-01-09"])
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["receivables pms/v1/inbox/32"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 3)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.unrouted, 2)
    }

    // N1 keyed by user: a ticket reassigned during the day reaches the new assignee the same day.
    func testReassignedTicketReachesTheNewAssigneeTheSameDay() async throws {
        try await ticket(1, "PS-001", type: "CONSULT", status: "ACCEPTED", created: "2026-01-05 10:00")
        let first = await h.run(job, at: "2026-01-09T16:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE presale_support_ticket SET assignee_id = 33 WHERE id = 1")
        let second = await h.run(job, at: "2026-01-09T17:00")
        XCTAssertSucceeded(second)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["user_id"]! }, ["31", "33"])
    }

    // DECISIONS "Texts with thresholds": configured type limits are applied and shown.
    func testConfiguredLimitsAreAppliedAndShown() async throws {
        try await ticket(1, "PS-001", type: "CONSULT", status: "ACCEPTED", created: "2026-01-05 10:00")   // 4 days
        try await ticket(21, "PS-021", type: "MEETING", status: "ACCEPTED", created: "2026-01-05 10:00")
        let configured = CheckPresaleWorkorderTimeout(limits: .init(consult: 2, other: 4))
        let outcome = await h.run(configured, at: "2026-01-09T16:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["content"]! }, ["售前工单 PS-001（方案咨询）已创建 4 天，超过标准处理时间 2 天，请及时处理。"])
        XCTAssertEqual(rows.map { $0["priority"]! }, ["HIGH"])   // 4 > 3
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await ticket(1, "PS-001", type: "CONSULT", status: "ACCEPTED", created: "2026-01-05 10:00")
        try await ticket(2, "PS-002", type: "TENDER", status: "PENDING", applicant: 32, assignee: nil,
                         created: "2025-12-24 10:00")
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T16:00", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T16:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 2)
    }
}
