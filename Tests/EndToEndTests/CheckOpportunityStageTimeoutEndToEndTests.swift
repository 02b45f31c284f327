import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 7: check_opportunity_stage_timeout END TO END over the real broker. No alert rule: pms-receivables writes
/// the reminder itself and its outbox publishes it to the owner's inbox.
final class CheckOpportunityStageTimeoutEndToEndTests: JobsEndToEndTestCase {
    // CheckOpportunityStageTimeoutTests scenario 1: opportunity 1 (PROPOSAL, entered 2025-12-28, owner 21) has
    // stayed 12 days > 10 at 2026-01-09 15:30 → one NORMAL reminder for the owner.
    func testStageTimeoutReachesTheOwnerInbox() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (21, 'sales21', '销售一', true), (22, 'sales22', '销售二', true), (23, 'off23', '离职', false);
            INSERT INTO opportunities (id, opp_code, opp_name, stage, owner_id, stage_changed_at, updated_at)
            VALUES (1, 'OPP-1', '华东产线改造', 'PROPOSAL', 21, '2025-12-28 10:00+08', '2026-01-09 09:00+08');
            """)
        let (seen, run) = try await runJob("check_opportunity_stage_timeout", asOf: "2026-01-09T15:30",
                                           until: "\(p)/inbox/21")
        XCTAssertEqual(run?.domain, .receivables)
        XCTAssertEqual(run?.result?.created, 1)
        let inbox = seen.filter { $0.topic.hasPrefix("\(p)/inbox/") }
        XCTAssertEqual(inbox.map(\.topic), ["\(p)/inbox/21"])
        let message = try BusCoding.decode(InboxMessage.self, from: try XCTUnwrap(inbox.first).payload)
        XCTAssertEqual(message.userID, 21)
        XCTAssertEqual(message.notificationType, "OPPORTUNITY_STAGE_TIMEOUT")
        XCTAssertEqual(message.title, "商机阶段停留超时：华东产线改造")
        XCTAssertEqual(message.content, "商机 华东产线改造 在 PROPOSAL 阶段已停留 12 天，超过标准时间 10 天，请及时推进。")
        XCTAssertEqual(message.priority, "NORMAL")
        XCTAssertEqual(message.linkURL, "/sales/opportunities/1")
        XCTAssertEqual(message.sourceType, "opportunity")
        XCTAssertEqual(message.sourceID, 1)
        XCTAssertEqual(message.createdAt, RFC3339.parse("2026-01-09T15:30:00+08:00"))
        let notes = try await cluster.rows("SELECT id, dedupe_key FROM notifications WHERE user_id = 21")
        XCTAssertEqual(notes.map { $0["id"] }, ["\(message.notificationID)"])
        XCTAssertEqual(notes.map { $0["dedupe_key"] }, ["OPPORTUNITY_STAGE_TIMEOUT|opportunity|1|21|2026-01-09"])
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") }.count, 0, "a reminder, not an alert")
    }
}
