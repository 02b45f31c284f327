import Foundation
import NotificationsService
import PMSBus
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest

/// A migrated database with the people of the spec's scenarios (PM 9 of project 3, user 12), and the
/// notification pipeline built on it with the channels a test chooses.
final class NotificationsFixture: Sendable {
    let harness: JobHarness
    let pool: PostgresPool
    static let zone = JobHarness.zone

    static let disabledChannels: [any DeliveryChannel] = [
        DisabledChannel(code: .email, reason: "Email channel disabled"),
        DisabledChannel(code: .wechat, reason: "WeCom channel disabled"),
        DisabledChannel(code: .dingtalk, reason: "DingTalk channel disabled"),
        DisabledChannel(code: .sms, reason: "SMS channel disabled"),
    ]

    private init(harness: JobHarness) {
        self.harness = harness
        self.pool = PostgresPool(url: harness.url, size: 6, logger: testLogger())
    }

    static func make() async throws -> NotificationsFixture {
        let fixture = NotificationsFixture(harness: try await JobHarness.make(domain: .notifications))
        try await fixture.harness.exec("""
            INSERT INTO users (id, username, real_name, email, phone, is_active) VALUES
              (9, 'pm9', '王经理', 'pm@x.cn', '13800000009', true),
              (12, 'q12', '质检', 'q@x.cn', '13800000012', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (3, 'P-3', '焊装线', 9);
            INSERT INTO notification_settings (user_id, email_enabled) VALUES (12, false);
            UPDATE alert_rules SET notify_channels = '["SYSTEM","EMAIL"]', notify_users = '[12]'
             WHERE rule_code = 'BLOCKING_ISSUE';
            """)
        return fixture
    }

    func close() async {
        await pool.close()
        await harness.close()
    }

    /// Replaces one external channel of the disabled set.
    static func channels(_ live: [any DeliveryChannel]) -> [any DeliveryChannel] {
        disabledChannels.map { disabled in live.first { $0.code == disabled.code } ?? disabled }
    }

    func dispatcher(_ channels: [any DeliveryChannel] = NotificationsFixture.disabledChannels,
                    sms: SMSLimits = SMSLimits()) -> NotificationDispatcher {
        NotificationDispatcher(pool: pool, channels: channels, smsLimits: sms, linkBase: "http://pms.test",
                               topics: Topics(), instance: "test", timeZone: Self.zone, logger: testLogger())
    }

    var router: AlertRouter { AlertRouter(timeZone: Self.zone) }

    func sendJob(_ channels: [any DeliveryChannel] = NotificationsFixture.disabledChannels) -> SendAlertNotificationsJob {
        SendAlertNotificationsJob(router: router, dispatcher: dispatcher(channels))
    }

    func retryJob(_ channels: [any DeliveryChannel] = NotificationsFixture.disabledChannels) -> RetryFailedNotificationsJob {
        RetryFailedNotificationsJob(dispatcher: dispatcher(channels))
    }

    /// An alert as a producing job leaves it; `triggered` is Shanghai local time "2026-01-09 10:00".
    func alert(_ id: Int64, level: String = "WARNING", status: String = "PENDING", triggered: String,
               title: String = "X", content: String = "Y", project: Int64? = 3, handler: Int64? = nil,
               rule: String = "BLOCKING_ISSUE") async throws {
        _ = try await harness.rows(
            """
            INSERT INTO alert_records (id, alert_no, rule_id, target_type, target_id, project_id, alert_level, alert_title,
                alert_content, triggered_at, status, handler_id, created_at)
            VALUES ($1, $10, (SELECT id FROM alert_rules WHERE rule_code = $2), 'ISSUE', $1, $3, $4, $5, $6,
                    ($7 || '+08')::timestamptz, $8, $9, ($7 || '+08')::timestamptz)
            """, [id, rule, project, level, title, content, triggered, status, handler, "AL\(id)"])
    }

    /// Delivery rows as "alert channel target user event step status retries", by id.
    func deliveries() async throws -> [String] {
        try await harness.rows(
            """
            SELECT alert_id, notify_channel, notify_target, notify_user_id, event, escalation_step, status, retry_count
              FROM alert_notifications ORDER BY id
            """).map { row in
            ["alert_id", "notify_channel", "notify_target", "notify_user_id", "event", "escalation_step", "status", "retry_count"]
                .map { row[$0] ?? "-" }.joined(separator: " ")
        }
    }

    /// One delivery row's state: status, sent_at, next_retry_at (Shanghai local "yyyy-MM-dd HH:mm"), retries, error.
    func delivery(_ channel: String, _ target: String, event: String = "RAISED") async throws -> [String: String] {
        let row = try await harness.rows(
            """
            SELECT status, retry_count::text AS retry_count, coalesce(error_message, '-') AS error_message,
                   coalesce(to_char(sent_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), '-') AS sent_at,
                   coalesce(to_char(next_retry_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), '-') AS next_retry_at
              FROM alert_notifications WHERE notify_channel = $1 AND notify_target = $2 AND event = $3
            """, [channel, target, event]).first
        guard let row else { return [:] }
        return Dictionary(uniqueKeysWithValues: ["status", "retry_count", "error_message", "sent_at", "next_retry_at"].map { ($0, row[$0] ?? "") })
    }

    /// In-app notifications as "user type title link priority".
    func inbox() async throws -> [String] {
        try await harness.rows("SELECT user_id, notification_type, title, link_url, priority FROM notifications ORDER BY id")
            .map { "\($0["user_id"]!) \($0["notification_type"]!) \($0["title"]!) \($0["link_url"]!) \($0["priority"]!)" }
    }

    /// Topics of the outbox rows after `afterID`.
    func outboxTopics() async throws -> [String] {
        try await harness.rows("SELECT topic FROM outbox ORDER BY id").map { $0["topic"]! }
    }
}
