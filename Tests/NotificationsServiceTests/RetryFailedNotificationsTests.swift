import Foundation
import NotificationsService
import PMSBus
import PMSTestSupport
import XCTest

/// retry_failed_notifications: the acceptance scenarios of services-issues-notifications.md with DECISIONS
/// applied (4 retries at 5/15/30/60 minutes, then DEAD). E-mail goes to a real aiosmtpd on loopback.
final class RetryFailedNotificationsTests: XCTestCase {
    var fixture: NotificationsFixture!
    var sink: SMTPSink?

    override func setUp() async throws { fixture = try await NotificationsFixture.make() }

    override func tearDown() async throws {
        sink?.stop()
        await fixture.close()
    }

    /// A FAILED row as an earlier send left it; `due` is Shanghai local time.
    func failedRow(_ id: Int64, channel: String = "EMAIL", target: String = "pm@x.cn", user: Int64? = 9, retries: Int,
                   due: String, status: String = "FAILED") async throws {
        _ = try await fixture.harness.rows(
            """
            INSERT INTO alert_notifications (id, alert_id, notify_channel, notify_target, notify_user_id, notify_title,
                notify_content, status, retry_count, next_retry_at, error_message)
            VALUES ($1, 601, $2, $3, $4, 'X', 'Y', $5, $6, ($7 || '+08')::timestamptz, 'earlier failure')
            """, [id, channel, target, user, status, retries, due])
    }

    func emailChannels(_ sink: SMTPSink) -> [any DeliveryChannel] {
        NotificationsFixture.channels([
            EmailChannel(configuration: SMTPConfiguration(host: "127.0.0.1", port: sink.port, from: "PMS 预警 <pms@factory.local>",
                                                          starttls: .never, timeout: 5),
                         timeZone: NotificationsFixture.zone),
        ])
    }

    func testScenario1RetrySucceedsOnceSMTPWorks() async throws {
        let sink = try SMTPSink()
        self.sink = sink
        try await fixture.alert(601, triggered: "2026-01-09 10:05")
        try await failedRow(701, retries: 1, due: "2026-01-09 10:20")
        XCTAssertSucceeded(await fixture.harness.run(fixture.retryJob(emailChannels(sink)), at: "2026-01-09T10:30"))

        let row = try await fixture.delivery("EMAIL", "pm@x.cn")
        XCTAssertEqual(row, ["status": "SENT", "retry_count": "1", "error_message": "-", "sent_at": "2026-01-09 10:30",
                             "next_retry_at": "-"])
        let mails = try sink.messages()
        XCTAssertEqual(mails.map(\.subject), ["[WARNING] X"])
        XCTAssertEqual(mails.first?.to, "pm@x.cn")
        XCTAssertTrue(mails.first?.plain?.contains("http://pms.test/alerts/601") ?? false, mails.first?.plain ?? "")
        let result = try await fixture.harness.lastResult("retry_failed_notifications")
        XCTAssertEqual(result?.details?["success_count"], .number(1))
    }

    func testScenario2AThirdFailureWaitsThirtyMinutes() async throws {
        try await fixture.alert(601, triggered: "2026-01-09 08:00")
        try await failedRow(702, channel: "WECHAT", target: "pm9", retries: 2, due: "2026-01-09 10:00")
        XCTAssertSucceeded(await fixture.harness.run(fixture.retryJob(), at: "2026-01-09T10:30"))
        let row = try await fixture.delivery("WECHAT", "pm9")
        XCTAssertEqual(row, ["status": "FAILED", "retry_count": "3", "error_message": "WeCom channel disabled", "sent_at": "-",
                             "next_retry_at": "2026-01-09 11:00"])
    }

    func testScenario3ADeletedRecipientIsAbandonedUnsent() async throws {
        let sink = try SMTPSink()
        self.sink = sink
        try await fixture.alert(601, triggered: "2026-01-09 08:00")
        try await failedRow(703, target: "gone@x.cn", user: 77, retries: 1, due: "2026-01-09 10:00")
        XCTAssertSucceeded(await fixture.harness.run(fixture.retryJob(emailChannels(sink)), at: "2026-01-09T10:30"))
        let row = try await fixture.delivery("EMAIL", "gone@x.cn")
        XCTAssertEqual(row["status"], "ABANDONED")
        XCTAssertEqual(row["error_message"], "Alert or user not found")
        XCTAssertEqual(try sink.messages().count, 0, "no send is attempted")
    }

    func testAnInactiveRecipientIsAbandonedToo() async throws {
        try await fixture.alert(601, triggered: "2026-01-09 08:00")
        try await fixture.harness.exec("UPDATE users SET is_active = false WHERE id = 9")
        try await failedRow(708, retries: 1, due: "2026-01-09 10:00")
        XCTAssertSucceeded(await fixture.harness.run(fixture.retryJob(), at: "2026-01-09T10:30"))
        let row = try await fixture.delivery("EMAIL", "pm@x.cn")
        XCTAssertEqual(row["status"], "ABANDONED")
        XCTAssertEqual(row["error_message"], "Alert or user not found")
    }

    func testScenario4QuietHoursKeepTheRowFailedUntilTheWindowEnds() async throws {
        try await fixture.alert(601, triggered: "2026-01-09 08:00")
        try await fixture.harness.exec(
            "INSERT INTO notification_settings (user_id, quiet_hours_start, quiet_hours_end) VALUES (9, '12:00', '14:00')")
        try await failedRow(704, retries: 1, due: "2026-01-09 12:00")
        XCTAssertSucceeded(await fixture.harness.run(fixture.retryJob(), at: "2026-01-09T12:30"))
        let row = try await fixture.delivery("EMAIL", "pm@x.cn")
        XCTAssertEqual(row, ["status": "FAILED", "retry_count": "1", "error_message": "Delayed due to quiet hours", "sent_at": "-",
                             "next_retry_at": "2026-01-09 14:00"])
    }

    func testScenario5RowsNotDueAndDeadRowsAreLeftAlone() async throws {
        try await fixture.alert(601, triggered: "2026-01-09 08:00")
        try await failedRow(705, retries: 1, due: "2026-01-09 10:45")
        try await failedRow(706, target: "q@x.cn", user: 12, retries: 5, due: "2026-01-09 09:00", status: "DEAD")
        XCTAssertSucceeded(await fixture.harness.run(fixture.retryJob(), at: "2026-01-09T10:30"))
        let notDue = try await fixture.delivery("EMAIL", "pm@x.cn")
        XCTAssertEqual(notDue, ["status": "FAILED", "retry_count": "1", "error_message": "earlier failure", "sent_at": "-",
                                "next_retry_at": "2026-01-09 10:45"])
        let dead = try await fixture.delivery("EMAIL", "q@x.cn")
        XCTAssertEqual(dead["status"], "DEAD")
        XCTAssertEqual(dead["retry_count"], "5")
    }

    func testPendingRowsAreLeftToThePushJob() async throws {
        try await fixture.alert(601, triggered: "2026-01-09 08:00")
        try await failedRow(709, retries: 0, due: "2026-01-09 09:00", status: "PENDING")
        XCTAssertSucceeded(await fixture.harness.run(fixture.retryJob(), at: "2026-01-09T10:30"))
        let row = try await fixture.delivery("EMAIL", "pm@x.cn")
        XCTAssertEqual(row["status"], "PENDING")
    }
}
