import Foundation
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ReceivablesService
import XCTest

/// services-receivables-cost.md, check_opportunity_stage_timeout: every acceptance scenario with the corrected
/// rule (real stage codes, COALESCE(stage_changed_at, updated_at) as the stage-entry time, owner only, N1 dedupe
/// keyed by user), plus the configured limits in texts, the zone of the stage-entry day, inactive owners and
/// redelivery. D = 2026-01-09, 15:30 Shanghai. No alert rule (notification-only), so no "rule disabled" case.
/// U1 of the spec is user 21.
final class CheckOpportunityStageTimeoutTests: XCTestCase {
    var h: JobHarness!
    let job = CheckOpportunityStageTimeout()
    let jobID = "check_opportunity_stage_timeout"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .receivables)
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (21, 'sales21', '销售一', true), (22, 'sales22', '销售二', true), (23, 'off23', '离职', false);
            """)
    }

    override func tearDown() async throws { await h.close() }

    /// `changed` and `updated` are Shanghai local times; `updated` defaults to the run day so only `changed` counts.
    func opportunity(_ id: Int, _ name: String, stage: String?, owner: Int? = 21, changed: String?,
                     updated: String = "2026-01-09 09:00") async throws {
        try await h.db.execute(
            """
            INSERT INTO opportunities (id, opp_code, opp_name, stage, owner_id, stage_changed_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, ($6::timestamp AT TIME ZONE 'Asia/Shanghai'),
                    ($7::timestamp AT TIME ZONE 'Asia/Shanghai'))
            """, [id, "OPP-\(id)", name, stage, owner, changed, updated])
    }

    // Scenario 1: PROPOSAL entered D−12 → NORMAL (12 > 10, 12 <= 15); the texts name 12 and 10 days.
    func testScenario1OverThresholdIsNormal() async throws {
        try await opportunity(1, "华东产线改造", stage: "PROPOSAL", changed: "2025-12-28 10:00")
        let outcome = await h.run(job, at: "2026-01-09T15:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 1)
        let n = try XCTUnwrap(rows.first)
        XCTAssertEqual(n["user_id"], "21")
        XCTAssertEqual(n["notification_type"], "OPPORTUNITY_STAGE_TIMEOUT")
        XCTAssertEqual(n["source_type"], "opportunity")
        XCTAssertEqual(n["source_id"], "1")
        XCTAssertEqual(n["title"], "商机阶段停留超时：华东产线改造")
        XCTAssertEqual(n["content"], "商机 华东产线改造 在 PROPOSAL 阶段已停留 12 天，超过标准时间 10 天，请及时推进。")
        XCTAssertEqual(n["link_url"], "/sales/opportunities/1")
        XCTAssertEqual(n["priority"], "NORMAL")
        XCTAssertEqual(n["is_read"], "f")
        XCTAssertEqual(n["dedupe_key"], "OPPORTUNITY_STAGE_TIMEOUT|opportunity|1|21|2026-01-09")
        XCTAssertEqual(n["created"], "2026-01-09 15:30")
        let extraOK = try await h.extraDataMatches("""
            {"opportunity_name": "华东产线改造", "stage": "PROPOSAL", "days_in_stage": 12, "timeout_days": 10}
            """, dedupe: "OPPORTUNITY_STAGE_TIMEOUT|opportunity|1|21|2026-01-09")
        XCTAssertTrue(extraOK, "extra_data was \(n["extra"] ?? "NULL")")
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["receivables pms/v1/inbox/21"])
        let payload = try await h.rows(
            "SELECT payload->>'content' AS content, payload->>'title' AS title FROM outbox WHERE topic = 'pms/v1/inbox/21'")
        XCTAssertEqual(payload.first?["title"], "商机阶段停留超时：华东产线改造")
        XCTAssertEqual(payload.first?["content"], "商机 华东产线改造 在 PROPOSAL 阶段已停留 12 天，超过标准时间 10 天，请及时推进。")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 1)
        XCTAssertEqual(result?.skipped, 0)
        XCTAssertEqual(result?.unrouted, 0)
    }

    // Scenario 2: NEGOTIATION entered D−22 → HIGH (22 > 21 = 1.5 × 14); exactly 1.5 × (PROPOSAL D−15) stays NORMAL.
    func testScenario2HighPriorityAboveOneAndAHalfTimesTheLimit() async throws {
        try await opportunity(2, "西南仓储项目", stage: "NEGOTIATION", changed: "2025-12-18 10:00")
        try await opportunity(8, "边界商机", stage: "PROPOSAL", owner: 22, changed: "2025-12-25 10:00")
        let outcome = await h.run(job, at: "2026-01-09T15:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { "\($0["source_id"]!):\($0["user_id"]!):\($0["priority"]!)" }, ["2:21:HIGH", "8:22:NORMAL"])
        XCTAssertEqual(rows.map { $0["content"]! }, [
            "商机 西南仓储项目 在 NEGOTIATION 阶段已停留 22 天，超过标准时间 14 天，请及时推进。",
            "商机 边界商机 在 PROPOSAL 阶段已停留 15 天，超过标准时间 10 天，请及时推进。",
        ])
    }

    // Scenario 3: WON and ON_HOLD (and LOST, and no stage) are out; 10 days in PROPOSAL is not > 10; a QUALIFIED
    // opportunity 30 days over without an owner gets nothing, raises no error, and is counted unrouted.
    func testScenario3Negatives() async throws {
        try await opportunity(3, "已赢单", stage: "WON", changed: "2025-10-01 10:00")
        try await opportunity(4, "搁置", stage: "ON_HOLD", changed: "2025-11-30 10:00")
        try await opportunity(9, "已丢单", stage: "LOST", changed: "2025-11-30 10:00")
        try await opportunity(10, "无阶段", stage: nil, changed: "2025-11-30 10:00")
        try await opportunity(5, "刚好十天", stage: "PROPOSAL", changed: "2025-12-30 10:00")
        try await opportunity(6, "无负责人", stage: "QUALIFIED", owner: nil, changed: "2025-12-10 10:00")
        let outcome = await h.run(job, at: "2026-01-09T15:30")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 0)
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, [])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.unrouted, 1)
    }

    // Scenario 4: a second run on D writes nothing; on D+1 O1 is reminded again with 13 days.
    func testScenario4RerunSameDayNothingNextDayAgain() async throws {
        try await opportunity(1, "华东产线改造", stage: "PROPOSAL", changed: "2025-12-28 10:00")
        let first = await h.run(job, at: "2026-01-09T15:30")
        XCTAssertSucceeded(first)
        let again = await h.run(job, at: "2026-01-09T17:00")
        XCTAssertSucceeded(again)
        let sameDay = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(sameDay, 1)
        let rerun = try await h.lastResult(jobID)
        XCTAssertEqual(rerun?.created, 0)
        XCTAssertEqual(rerun?.skipped, 1)
        let sameDayInbox = try await h.inboxMessages()
        XCTAssertEqual(sameDayInbox.count, 1)
        let next = await h.run(job, at: "2026-01-10T15:30")
        XCTAssertSucceeded(next)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows.last?["content"], "商机 华东产线改造 在 PROPOSAL 阶段已停留 13 天，超过标准时间 10 天，请及时推进。")
        XCTAssertEqual(rows.last?["priority"], "NORMAL")
        XCTAssertEqual(rows.last?["dedupe_key"], "OPPORTUNITY_STAGE_TIMEOUT|opportunity|1|21|2026-01-10")
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages.count, 2)
    }

    // Scenario 5: stage_changed_at NULL → updated_at (D−15) is the proxy: DISCOVERY 15 > 14.
    func testScenario5UpdatedAtIsTheProxy() async throws {
        try await opportunity(7, "代理日期", stage: "DISCOVERY", changed: nil, updated: "2025-12-25 10:00")
        // stage_changed_at wins over a recent updated_at (an edit does not reset the stage clock)
        try await opportunity(11, "近期编辑", stage: "DISCOVERY", owner: 22, changed: "2025-12-20 10:00",
                              updated: "2026-01-09 08:00")
        let outcome = await h.run(job, at: "2026-01-09T15:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["content"]! }, [
            "商机 代理日期 在 DISCOVERY 阶段已停留 15 天，超过标准时间 14 天，请及时推进。",
            "商机 近期编辑 在 DISCOVERY 阶段已停留 20 天，超过标准时间 14 天，请及时推进。",
        ])
        XCTAssertEqual(rows.map { $0["priority"]! }, ["NORMAL", "NORMAL"])
    }

    // DECISIONS "Recipients" / "Inactive or archived": an inactive owner gets nothing and nobody replaces them.
    func testInactiveOwnerIsUnroutedWithoutFallback() async throws {
        try await opportunity(12, "离职负责人", stage: "NEGOTIATION", owner: 23, changed: "2025-12-01 10:00")
        try await opportunity(1, "华东产线改造", stage: "PROPOSAL", changed: "2025-12-28 10:00")
        let outcome = await h.run(job, at: "2026-01-09T15:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { "\($0["source_id"]!):\($0["user_id"]!)" }, ["1:21"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 2)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.unrouted, 1)
    }

    // DECISIONS "Texts with thresholds": a configured limit is the one applied and shown.
    func testConfiguredLimitsAreAppliedAndShown() async throws {
        try await opportunity(1, "华东产线改造", stage: "PROPOSAL", changed: "2026-01-01 10:00")   // 8 days
        try await opportunity(13, "资格确认", stage: "QUALIFIED", owner: 22, changed: "2026-01-01 10:00")
        let configured = CheckOpportunityStageTimeout(limits: .init(qualified: 8, proposal: 5))
        let outcome = await h.run(configured, at: "2026-01-09T15:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        // 8 > 5 and 8 > 7.5 → HIGH; QUALIFIED 8 is not > 8 → nothing
        XCTAssertEqual(rows.map { $0["content"]! }, ["商机 华东产线改造 在 PROPOSAL 阶段已停留 8 天，超过标准时间 5 天，请及时推进。"])
        XCTAssertEqual(rows.map { $0["priority"]! }, ["HIGH"])
        let extraOK = try await h.extraDataMatches("""
            {"opportunity_name": "华东产线改造", "stage": "PROPOSAL", "days_in_stage": 8, "timeout_days": 5}
            """, dedupe: "OPPORTUNITY_STAGE_TIMEOUT|opportunity|1|21|2026-01-09")
        XCTAssertTrue(extraOK)
    }

    // DECISIONS "Time": the stage-entry day is the Shanghai day (07:00 +08 on 12-29 is still 12-28 in UTC).
    func testStageEntryDayIsTakenInTheConfiguredZone() async throws {
        try await opportunity(1, "跨日商机", stage: "PROPOSAL", changed: "2025-12-29 07:00")   // 11 days, not 12
        try await opportunity(14, "午夜前", stage: "PROPOSAL", owner: 22, changed: "2025-12-30 23:50")   // 10 days
        let outcome = await h.run(job, at: "2026-01-09T15:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["content"]! }, ["商机 跨日商机 在 PROPOSAL 阶段已停留 11 天，超过标准时间 10 天，请及时推进。"])
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await opportunity(1, "华东产线改造", stage: "PROPOSAL", changed: "2025-12-28 10:00")
        try await opportunity(2, "西南仓储项目", stage: "NEGOTIATION", changed: "2025-12-18 10:00")
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T15:30", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T15:30", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 2)
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages.count, 2)
    }
}
