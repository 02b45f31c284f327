import Foundation
import NotificationsService
import PMSBus
import PMSTestSupport
import XCTest

/// check_alert_escalation: the spec's scenarios with the DECISIONS ladder (one level per limit up to URGENT,
/// then the PM's department manager, then role GM; ACKNOWLEDGED alerts on twice the limit from acknowledgement).
final class CheckAlertEscalationTests: XCTestCase {
    var fixture: NotificationsFixture!

    override func setUp() async throws {
        fixture = try await NotificationsFixture.make()
        try await fixture.harness.exec("UPDATE alert_rules SET notify_channels = NULL, notify_users = NULL WHERE rule_code = 'BLOCKING_ISSUE'")
    }

    override func tearDown() async throws { await fixture.close() }

    var job: CheckAlertEscalationJob { CheckAlertEscalationJob(router: fixture.router) }

    func alertState(_ id: Int64) async throws -> [String: String] {
        let row = try await fixture.harness.rows(
            """
            SELECT alert_level, is_escalated::text AS is_escalated, escalation_count::text AS escalation_count,
                   escalation_stage, alert_title, alert_content, coalesce(escalated_to::text, '-') AS escalated_to,
                   coalesce(to_char(escalated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), '-') AS escalated_at
              FROM alert_records WHERE id = $1
            """, [id]).first!
        return Dictionary(uniqueKeysWithValues: row.columns.map { ($0, row[$0] ?? "") })
    }

    func testScenario1WarningAfterEightHoursEvenInQuietHours() async throws {
        try await fixture.harness.exec(
            "INSERT INTO notification_settings (user_id, quiet_hours_start, quiet_hours_end) VALUES (9, '08:00', '12:00')")
        try await fixture.alert(501, triggered: "2026-01-09 00:30")
        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T09:10"))

        let state = try await alertState(501)
        XCTAssertEqual(state["alert_level"], "CRITICAL")
        XCTAssertEqual(state["is_escalated"], "true")
        XCTAssertEqual(state["escalation_count"], "1")
        XCTAssertEqual(state["escalated_at"], "2026-01-09 09:10")
        XCTAssertEqual(state["alert_title"], "[已升级] X")
        XCTAssertEqual(state["alert_content"], "Y\n\n【自动升级】\n预警已超时 8.7 小时未处理，级别从 WARNING 自动提升至 CRITICAL")

        let rows = try await fixture.deliveries()
        XCTAssertEqual(rows, ["501 SYSTEM 9 9 ESCALATED 1 SENT 0"])
        let inbox = try await fixture.inbox()
        XCTAssertEqual(inbox, ["9 ALERT_NOTIFICATION [已升级] X /alerts/501 CRITICAL"])
        let events = try await fixture.harness.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/CRITICAL/issues/BLOCKING_ISSUE"])
        XCTAssertEqual(events.first?.alert.event, .escalated)
        XCTAssertEqual(events.first?.alert.title, "[已升级] X")
        let result = try await fixture.harness.lastResult("check_alert_escalation")
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.notified, 1)
    }

    func testScenario2BelowTheLimitNothingChanges() async throws {
        try await fixture.alert(502, triggered: "2026-01-09 01:30")
        try await fixture.alert(503, level: "URGENT", triggered: "2026-01-09 08:40")
        try await fixture.alert(504, level: "INFO", status: "RESOLVED", triggered: "2026-01-06 08:00")
        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T09:10"))
        for id: Int64 in [502, 503, 504] {
            let state = try await alertState(id)
            XCTAssertEqual(state["escalation_count"], "0", "alert \(id)")
        }
        let events = try await fixture.harness.alertEvents()
        XCTAssertEqual(events.count, 0)
    }

    func testScenario3OneStepPerLimitNotPerRun() async throws {
        try await fixture.alert(501, triggered: "2026-01-09 00:30")
        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T09:10"))
        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T10:10"))
        let afterAnHour = try await alertState(501)
        XCTAssertEqual(afterAnHour["alert_level"], "CRITICAL", "CRITICAL waits 4 h from the last step")
        XCTAssertEqual(afterAnHour["escalation_count"], "1")

        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T13:10"))
        let urgent = try await alertState(501)
        XCTAssertEqual(urgent["alert_level"], "URGENT")
        XCTAssertEqual(urgent["escalation_count"], "2")
        XCTAssertEqual(urgent["alert_title"], "[已升级] X", "the prefix is not repeated")
        XCTAssertEqual(urgent["alert_content"],
                       "Y\n\n【自动升级】\n预警已超时 8.7 小时未处理，级别从 WARNING 自动提升至 CRITICAL"
                       + "\n\n【自动升级】\n预警已超时 12.7 小时未处理，级别从 CRITICAL 自动提升至 URGENT")
        let rows = try await fixture.deliveries()
        XCTAssertEqual(rows, ["501 SYSTEM 9 9 ESCALATED 1 SENT 0", "501 SYSTEM 9 9 ESCALATED 2 SENT 0"])
    }

    func testAfterUrgentTheDepartmentManagerThenGM() async throws {
        try await fixture.harness.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES (20, 'mgr20', '李部长', true), (30, 'gm30', '总经理', true),
                                                                         (31, 'gm31-off', '前总', false);
            INSERT INTO departments (id, dept_name, manager_id) VALUES (4, '项目部', 20);
            UPDATE users SET department_id = 4 WHERE id = 9;
            INSERT INTO roles (id, role_code, role_name) VALUES (70, 'GM', '总经理');
            INSERT INTO user_roles (user_id, role_id) VALUES (30, 70), (31, 70);
            """)
        try await fixture.alert(510, level: "URGENT", triggered: "2026-01-09 08:00")
        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T09:10"))
        let manager = try await alertState(510)
        XCTAssertEqual(manager["escalation_stage"], "DEPT_MANAGER")
        XCTAssertEqual(manager["alert_level"], "URGENT")
        XCTAssertEqual(manager["escalated_to"], "20")
        XCTAssertTrue(manager["alert_content"]!.hasSuffix("预警已超时 1.2 小时未处理，已升级至部门经理 李部长"), manager["alert_content"]!)

        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T10:10"))
        let gm = try await alertState(510)
        XCTAssertEqual(gm["escalation_stage"], "GM")
        XCTAssertTrue(gm["alert_content"]!.hasSuffix("预警已超时 2.2 小时未处理，已升级至总经理（GM）"), gm["alert_content"]!)

        let recipients = try await fixture.harness.recipients()
        XCTAssertEqual(recipients, ["20:ESCALATION", "30:ESCALATION"], "the inactive GM holder is skipped")
        let rows = try await fixture.deliveries()
        XCTAssertEqual(rows, [
            "510 SYSTEM 20 20 ESCALATED 1 SENT 0", "510 SYSTEM 9 9 ESCALATED 1 SENT 0",
            "510 SYSTEM 20 20 ESCALATED 2 SENT 0", "510 SYSTEM 30 30 ESCALATED 2 SENT 0", "510 SYSTEM 9 9 ESCALATED 2 SENT 0",
        ])

        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T20:10"))
        let final = try await alertState(510)
        XCTAssertEqual(final["escalation_count"], "2", "GM is the last step")
    }

    func testWithoutAManagerUrgentGoesStraightToGM() async throws {
        try await fixture.alert(511, level: "URGENT", triggered: "2026-01-09 08:00")
        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T09:10"))
        let state = try await alertState(511)
        XCTAssertEqual(state["escalation_stage"], "GM")
        XCTAssertEqual(state["escalated_to"], "-")
    }

    func testScenario4AcknowledgedAlertsClimbOnTheResolutionLimit() async throws {
        try await fixture.alert(520, level: "INFO", status: "ACKNOWLEDGED", triggered: "2026-01-08 08:00")
        try await fixture.harness.exec("UPDATE alert_records SET acknowledged_at = '2026-01-08 09:00+08', acknowledged_by = 9 WHERE id = 520")
        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T09:10"))
        let responded = try await alertState(520)
        XCTAssertEqual(responded["alert_level"], "INFO", "acknowledged 24 h 10 min ago: the 48 h resolution limit is not reached")

        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-10T09:10"))
        let late = try await alertState(520)
        XCTAssertEqual(late["alert_level"], "WARNING")
        XCTAssertEqual(late["alert_content"], "Y\n\n【自动升级】\n预警已超时 49.2 小时未处理，级别从 INFO 自动提升至 WARNING")
    }

    func testEscalationNotifiesEveryChannelOfTheRuleAndTheLivePipelineSendsThem() async throws {
        try await fixture.harness.exec("UPDATE alert_rules SET notify_channels = '[\"SYSTEM\",\"WECHAT\"]' WHERE rule_code = 'BLOCKING_ISSUE'")
        try await fixture.alert(530, triggered: "2026-01-09 00:30")
        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T09:10"))
        let wechat = try await fixture.delivery("WECHAT", "pm9", event: "ESCALATED")
        XCTAssertEqual(wechat["status"], "PENDING", "external sends happen after the run commits")
    }
}
