import Foundation
import NotificationsService
import PMSBus
import PMSTestSupport
import XCTest

/// send_alert_notifications: the acceptance scenarios of services-issues-notifications.md with DECISIONS applied
/// (4 retries at 5/15/30/60 min, then DEAD).
final class SendAlertNotificationsTests: XCTestCase {
    var fixture: NotificationsFixture!

    override func setUp() async throws { fixture = try await NotificationsFixture.make() }
    override func tearDown() async throws { await fixture.close() }

    func testScenario1RaiseAndDispatch() async throws {
        try await fixture.alert(601, triggered: "2026-01-09 10:05")
        let outcome = await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T10:15")
        XCTAssertSucceeded(outcome)

        let rows = try await fixture.deliveries()
        XCTAssertEqual(rows, [
            "601 EMAIL pm@x.cn 9 RAISED 0 FAILED 1",
            "601 SYSTEM 12 12 RAISED 0 SENT 0",
            "601 SYSTEM 9 9 RAISED 0 SENT 0",
        ])
        let system = try await fixture.delivery("SYSTEM", "9")
        XCTAssertEqual(system["sent_at"], "2026-01-09 10:15")
        let email = try await fixture.delivery("EMAIL", "pm@x.cn")
        XCTAssertEqual(email, ["status": "FAILED", "retry_count": "1", "error_message": "Email channel disabled",
                               "sent_at": "-", "next_retry_at": "2026-01-09 10:20"])
        let inbox = try await fixture.inbox()
        XCTAssertEqual(inbox.sorted(), ["12 ALERT_NOTIFICATION X /alerts/601 WARNING", "9 ALERT_NOTIFICATION X /alerts/601 WARNING"])
        let inboxTopics = try await fixture.outboxTopics().filter { $0.hasPrefix("pms/v1/inbox/") }
        XCTAssertEqual(inboxTopics.sorted(), ["pms/v1/inbox/12", "pms/v1/inbox/9"])

        let result = try await fixture.harness.lastResult("send_alert_notifications")
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 3)
        XCTAssertEqual(result?.notified, 2)
        XCTAssertEqual(result?.details?["channel_stats"],
                       .object(["SYSTEM": .object(["success": .number(2), "failed": .number(0), "dead": .number(0)]),
                                "EMAIL": .object(["success": .number(0), "failed": .number(1), "dead": .number(0)])]))
    }

    func testScenario2QuietHoursDeferUntilTheWindowEnds() async throws {
        try await fixture.harness.exec(
            "INSERT INTO notification_settings (user_id, quiet_hours_start, quiet_hours_end) VALUES (9, '22:00', '08:00')")
        try await fixture.alert(602, triggered: "2026-01-09 23:00")
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T23:15"))

        let deferred = try await fixture.delivery("SYSTEM", "9")
        XCTAssertEqual(deferred, ["status": "PENDING", "retry_count": "0", "error_message": "Delayed due to quiet hours",
                                  "sent_at": "-", "next_retry_at": "2026-01-10 08:00"])
        let deferredEmail = try await fixture.delivery("EMAIL", "pm@x.cn")
        XCTAssertEqual(deferredEmail["status"], "PENDING", "nothing is tried for user 9 inside the window")
        let inboxAtNight = try await fixture.inbox()
        XCTAssertEqual(inboxAtNight, ["12 ALERT_NOTIFICATION X /alerts/602 WARNING"], "user 12 has no quiet hours")

        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(), at: "2026-01-10T08:15"))
        let released = try await fixture.delivery("SYSTEM", "9")
        XCTAssertEqual(released["status"], "SENT")
        XCTAssertEqual(released["sent_at"], "2026-01-10 08:15")
        let inbox = try await fixture.inbox()
        XCTAssertEqual(inbox.count, 2)
    }

    func testUrgentAlertsIgnoreQuietHours() async throws {
        try await fixture.harness.exec(
            "INSERT INTO notification_settings (user_id, quiet_hours_start, quiet_hours_end) VALUES (9, '22:00', '08:00')")
        try await fixture.alert(603, level: "URGENT", triggered: "2026-01-09 23:00")
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T23:15"))
        let system = try await fixture.delivery("SYSTEM", "9")
        XCTAssertEqual(system["status"], "SENT")
    }

    func testScenario3ReRunCreatesNothingAndRetriesTheDueRow() async throws {
        try await fixture.alert(601, triggered: "2026-01-09 10:05")
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T10:15"))
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T11:15"))

        let rows = try await fixture.deliveries()
        XCTAssertEqual(rows.count, 3, "no new row")
        let email = try await fixture.delivery("EMAIL", "pm@x.cn")
        XCTAssertEqual(email["retry_count"], "2")
        XCTAssertEqual(email["next_retry_at"], "2026-01-09 11:30")
        let system = try await fixture.delivery("SYSTEM", "9")
        XCTAssertEqual(system["sent_at"], "2026-01-09 10:15", "SENT rows are untouched")
        let inbox = try await fixture.inbox()
        XCTAssertEqual(inbox.count, 2)
        let result = try await fixture.harness.lastResult("send_alert_notifications")
        XCTAssertEqual(result?.created, 0)
    }

    func testScenario4TheFifthFailureIsDeadWithAnErrorEvent() async throws {
        try await fixture.alert(604, triggered: "2026-01-09 08:00")
        try await fixture.harness.exec("""
            INSERT INTO alert_notifications (alert_id, notify_channel, notify_target, notify_user_id, notify_title, notify_content,
                status, retry_count, next_retry_at, error_message)
            VALUES (604, 'EMAIL', 'pm@x.cn', 9, 'X', 'Y', 'FAILED', 3, '2026-01-09 09:00+08', 'Email channel disabled'),
                   (604, 'EMAIL', 'q@x.cn', 12, 'X', 'Y', 'FAILED', 4, '2026-01-09 09:00+08', 'Email channel disabled');
            """)
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T10:15"))

        let fourth = try await fixture.delivery("EMAIL", "pm@x.cn")
        XCTAssertEqual(fourth["status"], "FAILED", "a legacy count of 3 is still retried (DECISIONS: 4 retries)")
        XCTAssertEqual(fourth["retry_count"], "4")
        XCTAssertEqual(fourth["next_retry_at"], "2026-01-09 11:15")
        let fifth = try await fixture.delivery("EMAIL", "q@x.cn")
        XCTAssertEqual(fifth, ["status": "DEAD", "retry_count": "5", "error_message": "Email channel disabled",
                               "sent_at": "-", "next_retry_at": "-"])
        let errors = try await fixture.harness.rows(
            "SELECT payload::text AS payload FROM outbox WHERE topic = 'pms/v1/errors/notifications'")
        XCTAssertEqual(errors.count, 1)
        let event = try BusCoding.decode(ErrorEventMessage.self, from: Array(errors[0]["payload"]!.utf8))
        XCTAssertTrue(event.reason.hasPrefix("dead letter: notification "), event.reason)
        XCTAssertTrue(event.reason.hasSuffix("(EMAIL to q@x.cn) for alert AL604 failed 5 times; last error: Email channel disabled"), event.reason)
        let result = try await fixture.harness.lastResult("send_alert_notifications")
        XCTAssertEqual(result?.details?["dead_count"], .number(1))

        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T16:15"))
        let stillDead = try await fixture.delivery("EMAIL", "q@x.cn")
        XCTAssertEqual(stillDead["retry_count"], "5", "a DEAD row is never tried again")
    }

    func testScenario5AlertClosedBeforeSending() async throws {
        try await fixture.alert(605, status: "RESOLVED", triggered: "2026-01-09 08:00")
        try await fixture.harness.exec("""
            INSERT INTO alert_notifications (alert_id, notify_channel, notify_target, notify_user_id, notify_title, status)
            VALUES (605, 'SYSTEM', '9', 9, 'X', 'PENDING');
            """)
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T10:15"))
        let row = try await fixture.delivery("SYSTEM", "9")
        XCTAssertEqual(row["status"], "ABANDONED")
        XCTAssertEqual(row["error_message"], "Alert closed")
        let inbox = try await fixture.inbox()
        XCTAssertEqual(inbox, [])
    }

    func testEveryPendingAlertIsQueuedNotOnlyTheNewest50() async throws {
        for id in Int64(1000)..<1130 { try await fixture.alert(id, triggered: "2026-01-09 0\(id % 9):00") }
        var job = fixture.sendJob()
        job.batchSize = 40
        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T10:15"))
        let routed = try await fixture.harness.count(
            "SELECT DISTINCT alert_id FROM alert_notifications WHERE notify_channel = 'SYSTEM' AND status = 'SENT'")
        XCTAssertEqual(routed, 130)
        let result = try await fixture.harness.lastResult("send_alert_notifications")
        XCTAssertEqual(result?.checked, 130)
    }

    func testAnAlertWithNobodyToTellIsCountedUnroutedAndNobodyElseGetsIt() async throws {
        try await fixture.harness.exec("UPDATE alert_rules SET notify_users = NULL WHERE rule_code = 'BLOCKING_ISSUE'")
        try await fixture.harness.exec("INSERT INTO users (id, username) VALUES (1, 'admin')")
        try await fixture.alert(606, triggered: "2026-01-09 08:00", project: nil)
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T10:15"))
        let rows = try await fixture.deliveries()
        XCTAssertEqual(rows, [], "user 1 is never a silent fallback")
        let result = try await fixture.harness.lastResult("send_alert_notifications")
        XCTAssertEqual(result?.unrouted, 1)
    }

    func testARedeliveredTickRunsOnce() async throws {
        try await fixture.alert(601, triggered: "2026-01-09 10:05")
        let runID = UUID()
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T10:15", runID: runID))
        let again = await fixture.harness.run(fixture.sendJob(), at: "2026-01-09T10:15", runID: runID)
        XCTAssertEqual(again, .duplicate)
        let email = try await fixture.delivery("EMAIL", "pm@x.cn")
        XCTAssertEqual(email["retry_count"], "1")
    }
}
