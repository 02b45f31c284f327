import AsyncHTTPClient
import Foundation
import NotificationsService
import PMSBus
import PMSCore
import PMSMQTT
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import PMSWebhookReceiver
import XCTest

/// The whole service over the real broker: an alert event published on `<prefix>/alert/...` reaches the
/// WeCom robot and the user's inbox topic; the same event again delivers nothing new; an ended quiet window
/// is released by the sweep; the dead letter appears on `<prefix>/errors/notifications`.
final class LiveAlertPathTests: XCTestCase {
    var db: PostgresConnection!
    var topics: Topics!
    var runtime: ServiceRuntime!
    var serviceTask: Task<Void, Never>!
    var observer: BusObserver!
    var wecom: WebhookReceiver!
    var http: HTTPClient!
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    override func setUp() async throws {
        let (url, connection) = try await TestDatabase.connect()
        db = connection
        topics = Topics(prefix: "live\(UUID().uuidString.prefix(8).lowercased())/pms/v1")
        observer = try await BusObserver(brokerURL: MosquittoTestServer.shared.url, filter: topics.prefix + "/#")
        wecom = try await WebhookReceiver.start()
        http = HTTPClient(eventLoopGroupProvider: .singleton)
        runtime = ServiceRuntime(configuration: ServiceConfiguration(
            service: "notifications", instance: "live", mqttURL: MosquittoTestServer.shared.url, databaseURL: url,
            topics: topics, timeZone: Self.zone, logLevel: .critical), poolSize: 8, cleanSession: true)
        let settings = ChannelSettings(wecom: WeComRobotConfiguration(webhookURL: wecom.url(path: "/wecom"), timeoutSeconds: 2))
        let service = NotificationsAssembly.service(
            runtime: runtime, channels: settings.channels(client: http, timeZone: Self.zone), linkBase: "http://pms.test",
            sweepInterval: .milliseconds(300))
        serviceTask = Task { try? await service.run() }
        _ = await runtime.mqtt.waitUntilConnected(timeout: 10)
        try await Task.sleep(nanoseconds: 300_000_000)
        try await db.executeScript("""
            INSERT INTO users (id, username, real_name, email, phone) VALUES (9, 'pm9', '王经理', 'pm@x.cn', '13800000009');
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (3, 'P-3', '焊装线', 9);
            UPDATE alert_rules SET notify_channels = '["SYSTEM","WECHAT"]' WHERE rule_code = 'MATERIAL_SHORTAGE';
            """)
    }

    override func tearDown() async throws {
        serviceTask.cancel()
        await runtime.stop()
        await observer.close()
        await wecom.stop()
        try await http.shutdown()
        db.close()
    }

    /// An alert row as a producing job commits it, and its `raised` event.
    func raise(_ id: Int64, level: String = "WARNING") async throws -> String {
        try await db.executeScript("""
            INSERT INTO alert_records (id, alert_no, rule_id, target_type, target_id, project_id, alert_level, alert_title,
                                       alert_content, triggered_at)
            SELECT \(id), 'SA20260109\(id)', r.id, 'MATERIAL_SHORTAGE', \(id), 3, '\(level)', '缺料预警：气缸', '气缸缺 4 件',
                   now() FROM alert_rules r WHERE r.rule_code = 'MATERIAL_SHORTAGE';
            """)
        return """
            {"alert_id": \(id), "alert_no": "SA20260109\(id)", "rule_code": "MATERIAL_SHORTAGE", "level": "\(level)",
             "project_id": 3, "target_type": "MATERIAL_SHORTAGE", "target_id": \(id), "title": "缺料预警：气缸",
             "content": "气缸缺 4 件", "triggered_at": "2026-01-09T02:00:00Z", "dedup_key": "MATERIAL_SHORTAGE:MATERIAL_SHORTAGE:\(id)",
             "event": "raised"}
            """
    }

    func testAnAlertEventReachesTheRobotAndTheInboxOnceEvenWhenDeliveredTwice() async throws {
        let event = try await raise(901)
        let topic = topics.alert(level: .warning, domain: .shortage, ruleCode: "MATERIAL_SHORTAGE")
        try await observer.publish(topic, event)
        let inboxTopic = topics.inbox(userID: 9)
        let seen = await observer.waitFor { $0.contains { $0.topic == inboxTopic } }
        let inbox = try XCTUnwrap(seen.first { $0.topic == inboxTopic })
        let message = try BusCoding.decode(InboxMessage.self, from: inbox.payload)
        XCTAssertEqual(message.title, "缺料预警：气缸")
        XCTAssertEqual(message.linkURL, "/alerts/901")
        let posts = try await wecom.waitForRequests(count: 1)
        XCTAssertTrue(posts[0].bodyText.contains("缺料预警：气缸"), posts[0].bodyText)

        try await observer.publish(topic, event)
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let postsAfter = await wecom.requestCount()
        XCTAssertEqual(postsAfter, 1, "the same event twice: one delivery")
        let inboxes = await observer.messages(onTopic: inboxTopic)
        XCTAssertEqual(inboxes.count, 1)
        let rows = try await db.query("SELECT notify_channel, status FROM alert_notifications ORDER BY notify_channel")
        XCTAssertEqual(rows.map { "\($0["notify_channel"]!) \($0["status"]!)" }, ["SYSTEM SENT", "WECHAT SENT"])
    }

    func testTheSweepSendsAQuietHoursDeferralOnceTheWindowEnds() async throws {
        let event = try await raise(902)
        // A window that ends in two seconds (Shanghai time), set right before the event arrives.
        try await db.executeScript("""
            INSERT INTO notification_settings (user_id, quiet_hours_start, quiet_hours_end)
            SELECT 9, ((now() - interval '1 hour') AT TIME ZONE 'Asia/Shanghai')::time,
                      ((now() + interval '2 seconds') AT TIME ZONE 'Asia/Shanghai')::time;
            """)
        try await observer.publish(topics.alert(level: .warning, domain: .shortage, ruleCode: "MATERIAL_SHORTAGE"), event)
        let deferred = await waitForRows("SELECT 1 FROM alert_notifications WHERE error_message = 'Delayed due to quiet hours'", count: 2)
        XCTAssertEqual(deferred, 2, "both of user 9's rows wait")
        let sent = await waitForRows("SELECT 1 FROM alert_notifications WHERE status = 'SENT'", count: 2, timeout: 15)
        XCTAssertEqual(sent, 2, "released by the sweep after the window")
        let posts = await wecom.requestCount()
        XCTAssertEqual(posts, 1)
    }

    func testTheDeadLetterIsPublishedOnTheErrorsTopic() async throws {
        wecom.setBehaviour(.respond(status: 500, body: "down"))
        _ = try await raise(903)
        try await db.executeScript("""
            INSERT INTO alert_notifications (alert_id, notify_channel, notify_target, notify_user_id, notify_title,
                notify_content, status, retry_count, next_retry_at)
            VALUES (903, 'WECHAT', 'pm9', 9, '缺料预警：气缸', '气缸缺 4 件', 'FAILED', 4, now() - interval '1 minute');
            """)
        let errorsTopic = topics.errors(service: "notifications")
        let seen = await observer.waitFor { $0.contains { $0.topic == errorsTopic } }
        let error = try XCTUnwrap(seen.first { $0.topic == errorsTopic })
        let event = try BusCoding.decode(ErrorEventMessage.self, from: error.payload)
        XCTAssertTrue(event.reason.contains("(WECHAT to pm9) for alert SA20260109903 failed 5 times; last error: HTTP 500"), event.reason)
        let status = try await db.query("SELECT status FROM alert_notifications WHERE alert_id = 903").first?["status"]
        XCTAssertEqual(status, "DEAD")
    }

    func testAnEscalationTickedOverTheBusReachesTheRobotAfterCommit() async throws {
        _ = try await raise(904)
        try await db.executeScript("UPDATE alert_records SET triggered_at = now() - interval '9 hours' WHERE id = 904")
        let tick = TickMessage(runID: UUID(), jobID: "check_alert_escalation", scheduledFor: Date(), trigger: .manual)
        try await observer.publish(topics.tick(domain: .notifications, jobID: "check_alert_escalation"),
                                   String(decoding: try BusCoding.encode(tick, timeZone: Self.zone), as: UTF8.self))
        let succeeded = topics.run(jobID: "check_alert_escalation", event: .succeeded)
        let escalatedTopic = topics.alert(level: .critical, domain: .shortage, ruleCode: "MATERIAL_SHORTAGE")
        let seen = await observer.waitFor { all in
            all.contains { $0.topic == succeeded } && all.contains { $0.topic == escalatedTopic }
        }
        let event = try BusCoding.decode(AlertMessage.self, from: try XCTUnwrap(seen.first { $0.topic == escalatedTopic }).payload)
        XCTAssertEqual(event.event, .escalated)
        XCTAssertEqual(event.title, "[已升级] 缺料预警：气缸")
        let posts = try await wecom.waitForRequests(count: 1, timeout: .seconds(10))
        XCTAssertTrue(posts[0].bodyText.contains("[已升级] 缺料预警：气缸"), posts[0].bodyText)
        // The row is settled in the transaction that sent it, a moment after the robot got the post.
        _ = await waitForRows("SELECT 1 FROM alert_notifications WHERE status = 'SENT'", count: 2)
        let rows = try await db.query("SELECT notify_channel, event, escalation_step, status FROM alert_notifications ORDER BY notify_channel")
        XCTAssertEqual(rows.map { "\($0["notify_channel"]!) \($0["event"]!) \($0["escalation_step"]!) \($0["status"]!)" },
                       ["SYSTEM ESCALATED 1 SENT", "WECHAT ESCALATED 1 SENT"])
    }

    private func waitForRows(_ sql: String, count: Int, timeout: Double = 10) async -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var found = 0
        while Date() < deadline {
            found = (try? await db.query("SELECT count(*)::int AS n FROM (\(sql)) q").first?.decode(Int.self, "n")) ?? 0
            if found >= count { return found }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        return found
    }
}
