import Foundation
import NotificationsService
import PMSBus
import PMSTestSupport
import XCTest

/// Who gets what: stored recipients, handler, rule users, subscriptions with their filters and channels,
/// channel and type preferences, targets per channel, silences.
final class RoutingTests: XCTestCase {
    var fixture: NotificationsFixture!

    override func setUp() async throws {
        fixture = try await NotificationsFixture.make()
        try await fixture.harness.exec("""
            INSERT INTO users (id, username, email, phone, is_active) VALUES (20, 'sub20', 's@x.cn', '13900000020', true),
                (21, 'off21', 'off@x.cn', NULL, false), (22, 'owner22', NULL, NULL, true);
            UPDATE alert_rules SET notify_channels = '["SYSTEM"]', notify_users = '[12, "x", 21]' WHERE rule_code = 'BLOCKING_ISSUE';
            """)
    }

    override func tearDown() async throws { await fixture.close() }

    func route(_ ids: [Int64], at local: String = "2026-01-09T10:15") async throws -> AlertRouter.Outcome {
        let now = try AsOf.parse(local, timeZone: NotificationsFixture.zone)
        let router = fixture.router
        return try await fixture.harness.db.transaction { db in
            try await router.route(alertIDs: ids, event: .raised, now: now, on: db)
        }
    }

    func testRecipientsAreStoredOnesPMHandlerAndRuleUsersActiveOnly() async throws {
        try await fixture.alert(1, triggered: "2026-01-09 10:00", handler: 22)
        try await fixture.harness.exec("INSERT INTO alert_recipients (alert_id, user_id, reason) VALUES (1, 20, 'OWNER'), (1, 21, 'ROLE')")
        let outcome = try await route([1])
        XCTAssertEqual(outcome.created, 4)
        let rows = try await fixture.deliveries()
        XCTAssertEqual(rows, ["1 SYSTEM 12 12 RAISED 0 PENDING 0", "1 SYSTEM 20 20 RAISED 0 PENDING 0",
                              "1 SYSTEM 22 22 RAISED 0 PENDING 0", "1 SYSTEM 9 9 RAISED 0 PENDING 0"],
                       "inactive user 21 and the non-numeric rule entry are dropped")
        let again = try await route([1])
        XCTAssertEqual(again.created, 0, "routing the same alert again writes nothing")
    }

    func testSubscriptionsAddUsersWithTheirChannelsByTypeProjectAndLevel() async throws {
        try await fixture.harness.exec("""
            INSERT INTO alert_subscriptions (user_id, alert_type, project_id, min_level, notify_channels) VALUES
              (20, 'QUALITY_ISSUE', 3, 'CRITICAL', '["EMAIL","DINGTALK"]'),
              (22, 'COST_OVERRUN', NULL, 'INFO', '["SYSTEM"]');
            """)
        try await fixture.alert(2, level: "WARNING", triggered: "2026-01-09 10:00")
        try await fixture.alert(3, level: "CRITICAL", triggered: "2026-01-09 10:00")
        _ = try await route([2, 3])
        let rows = try await fixture.deliveries().filter { $0.contains(" 20 ") || $0.contains(" 22 ") }
        XCTAssertEqual(rows, ["3 DINGTALK 13900000020 20 RAISED 0 PENDING 0", "3 EMAIL s@x.cn 20 RAISED 0 PENDING 0"],
                       "below min_level and other alert types get nothing")
    }

    func testSettingsForbidChannelsAndAlertNotificationsAndMissingTargetsAreSkipped() async throws {
        try await fixture.harness.exec("""
            UPDATE alert_rules SET notify_channels = '["SYSTEM","EMAIL","SMS"]', notify_users = '[12, 22]' WHERE rule_code = 'BLOCKING_ISSUE';
            UPDATE notification_settings SET alert_notifications = false WHERE user_id = 12;
            """)
        try await fixture.alert(4, level: "URGENT", triggered: "2026-01-09 10:00")
        _ = try await route([4])
        let rows = try await fixture.deliveries()
        XCTAssertEqual(rows, ["4 EMAIL pm@x.cn 9 RAISED 0 PENDING 0", "4 SMS 13800000009 9 RAISED 0 PENDING 0",
                              "4 SYSTEM 22 22 RAISED 0 PENDING 0", "4 SYSTEM 9 9 RAISED 0 PENDING 0"],
                       "user 12 turned alert notifications off; user 22 has no e-mail or phone")
    }

    func testASilenceDefersDeliveriesUntilItEnds() async throws {
        try await fixture.harness.exec("""
            INSERT INTO alert_silences (rule_code, starts_at, ends_at, comment)
            VALUES ('BLOCKING_ISSUE', '2026-01-09 09:00+08', '2026-01-09 12:00+08', '停线检修');
            """)
        try await fixture.alert(5, triggered: "2026-01-09 10:00")
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T10:15"))
        let silenced = try await fixture.delivery("SYSTEM", "9")
        XCTAssertEqual(silenced["status"], "PENDING")
        XCTAssertEqual(silenced["error_message"], "Silenced until 2026-01-09 12:00")
        XCTAssertEqual(silenced["next_retry_at"], "2026-01-09 12:00")
        let inbox = try await fixture.inbox()
        XCTAssertEqual(inbox, [], "notifications are suppressed, the alert is not")

        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T12:15"))
        let released = try await fixture.delivery("SYSTEM", "9")
        XCTAssertEqual(released["status"], "SENT")
    }

    func testASilenceOfAnotherTargetDoesNotApply() async throws {
        try await fixture.harness.exec("""
            INSERT INTO alert_silences (target_type, target_id, starts_at, ends_at)
            VALUES ('ISSUE', 999, '2026-01-09 09:00+08', '2026-01-09 12:00+08');
            """)
        try await fixture.alert(6, triggered: "2026-01-09 10:00")
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T10:15"))
        let row = try await fixture.delivery("SYSTEM", "9")
        XCTAssertEqual(row["status"], "SENT")
    }

    func testASubscriptionQuietWindowDefersOnlyWhatOnlyTheSubscriptionAsksFor() async throws {
        try await fixture.harness.exec("""
            INSERT INTO alert_subscriptions (user_id, alert_type, min_level, notify_channels, quiet_start, quiet_end)
            VALUES (20, NULL, 'INFO', '["SYSTEM"]', '10:00', '11:00');
            """)
        try await fixture.alert(7, triggered: "2026-01-09 10:00")
        _ = try await route([7])
        let row = try await fixture.harness.rows(
            "SELECT error_message, to_char(next_retry_at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') AS at FROM alert_notifications WHERE notify_target = '20'")
        XCTAssertEqual(row.first?["error_message"], "Delayed due to quiet hours")
        XCTAssertEqual(row.first?["at"], "11:00")
    }

    func testQuietWindowHelperIsHalfOpenAndWrapsMidnight() async throws {
        let rows = try await fixture.harness.rows("""
            SELECT to_char(pms_quiet_until('22:00', '08:00', '2026-01-09 23:00+08', 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI') AS late,
                   to_char(pms_quiet_until('22:00', '08:00', '2026-01-10 07:59+08', 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI') AS early,
                   pms_quiet_until('22:00', '08:00', '2026-01-10 08:00+08', 'Asia/Shanghai') IS NULL AS at_end,
                   pms_quiet_until('12:00', '14:00', '2026-01-10 11:59+08', 'Asia/Shanghai') IS NULL AS before_start,
                   pms_quiet_until('12:00', '12:00', '2026-01-10 12:00+08', 'Asia/Shanghai') IS NULL AS empty_window
            """)
        let row = try XCTUnwrap(rows.first)
        XCTAssertEqual(row["late"], "01-10 08:00")
        XCTAssertEqual(row["early"], "01-10 08:00")
        XCTAssertEqual(row["at_end"], "t")
        XCTAssertEqual(row["before_start"], "t")
        XCTAssertEqual(row["empty_window"], "t")
    }
}
