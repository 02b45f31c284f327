import AsyncHTTPClient
import Foundation
import NotificationsService
import PMSBus
import PMSTestSupport
import PMSWebhookReceiver
import XCTest

/// The pipeline against real servers on loopback: WeCom and DingTalk robots and an SMS gateway (HTTP
/// receivers), a receiver that fails or never answers, and the retry schedule to DEAD.
final class ChannelDeliveryTests: XCTestCase {
    var fixture: NotificationsFixture!
    var http: HTTPClient!
    var receivers: [WebhookReceiver] = []

    override func setUp() async throws {
        fixture = try await NotificationsFixture.make()
        http = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    override func tearDown() async throws {
        for receiver in receivers { await receiver.stop() }
        try await http.shutdown()
        await fixture.close()
    }

    func receiver(_ behaviour: WebhookReceiver.Behaviour = .ok) async throws -> WebhookReceiver {
        let receiver = try await WebhookReceiver.start(behaviour: behaviour)
        receivers.append(receiver)
        return receiver
    }

    func rule(channels: String, users: String = "[12]") async throws {
        try await fixture.harness.exec(
            "UPDATE alert_rules SET notify_channels = '\(channels)', notify_users = '\(users)' WHERE rule_code = 'BLOCKING_ISSUE'")
    }

    func json(_ request: ReceivedRequest) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    func testWeComGetsOnePostPerAlertForAllItsRecipients() async throws {
        let wecom = try await receiver()
        try await rule(channels: #"["SYSTEM","WECHAT"]"#)
        try await fixture.alert(801, level: "CRITICAL", triggered: "2026-01-09 10:00", title: "阻塞问题：夹具", content: "焊装夹具缺件")
        let channels = NotificationsFixture.channels([
            WeComRobotChannel(configuration: WeComRobotConfiguration(webhookURL: wecom.url(path: "/cgi-bin/webhook/send?key=k1")),
                              client: http, timeZone: NotificationsFixture.zone),
        ])
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(channels), at: "2026-01-09T10:15"))

        let requests = await wecom.requests()
        XCTAssertEqual(requests.count, 1, "one post per alert per group, not per recipient")
        XCTAssertEqual(requests.first?.uri, "/cgi-bin/webhook/send?key=k1")
        let body = try json(try XCTUnwrap(requests.first))
        XCTAssertEqual(body["msgtype"] as? String, "markdown", "CRITICAL alerts are a card-style markdown")
        let markdown = try XCTUnwrap((body["markdown"] as? [String: Any])?["content"] as? String)
        XCTAssertTrue(markdown.contains("阻塞问题：夹具"), markdown)
        XCTAssertTrue(markdown.contains("http://pms.test/alerts/801"), markdown)
        XCTAssertTrue(markdown.contains("<@pm9>") && markdown.contains("<@q12>"), markdown)
        let rows = try await fixture.deliveries()
        XCTAssertEqual(rows, ["801 SYSTEM 12 12 RAISED 0 SENT 0", "801 SYSTEM 9 9 RAISED 0 SENT 0",
                              "801 WECHAT pm9 9 RAISED 0 SENT 0", "801 WECHAT q12 12 RAISED 0 SENT 0"])
    }

    func testDingTalkPostsAreSignedWhenASecretIsSet() async throws {
        let dingtalk = try await receiver()
        try await rule(channels: #"["DINGTALK"]"#, users: "[]")
        try await fixture.alert(802, triggered: "2026-01-09 10:00")
        let channels = NotificationsFixture.channels([
            DingTalkRobotChannel(configuration: DingTalkRobotConfiguration(webhookURL: dingtalk.url(path: "/robot/send?access_token=t1"),
                                                                           secret: "SEC-test"),
                                 client: http, timeZone: NotificationsFixture.zone),
        ])
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(channels), at: "2026-01-09T10:15"))

        let received = await dingtalk.requests()
        let request = try XCTUnwrap(received.first)
        let query = request.queryItems
        XCTAssertEqual(query["access_token"], "t1")
        let timestamp = try XCTUnwrap(query["timestamp"].flatMap { Int64($0) })
        let expected = Data(HMACSHA256.authenticationCode(key: "SEC-test", data: "\(timestamp)\nSEC-test")).base64EncodedString()
        XCTAssertEqual(query["sign"], expected, "base64(HMAC-SHA256(secret, timestamp + \"\\n\" + secret)), URL-decoded")
        let body = try json(request)
        XCTAssertEqual((body["at"] as? [String: Any])?["atMobiles"] as? [String], ["13800000009"])
        let row = try await fixture.delivery("DINGTALK", "13800000009")
        XCTAssertEqual(row["status"], "SENT")
    }

    func testSMSGoesToUrgentAlertsOnlyAndKeepsItsHourlyLimitInTheDatabase() async throws {
        let gateway = try await receiver(.respond(status: 200, body: #"{"ok":true}"#))
        try await rule(channels: #"["SMS"]"#, users: "[]")
        try await fixture.alert(803, level: "WARNING", triggered: "2026-01-09 10:00")
        try await fixture.alert(804, level: "URGENT", triggered: "2026-01-09 10:01", title: "停线")
        try await fixture.alert(805, level: "URGENT", triggered: "2026-01-09 10:02", title: "停线2")
        let sms = SMSGatewayChannel(configuration: SMSGatewayConfiguration(url: gateway.url(path: "/sms"), token: "tok"), client: http)
        let job = SendAlertNotificationsJob(router: fixture.router,
                                            dispatcher: fixture.dispatcher(NotificationsFixture.channels([sms]),
                                                                           sms: SMSLimits(perHour: 1, perDay: 10)))
        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T10:15"))

        let rows = try await fixture.deliveries()
        XCTAssertEqual(rows, ["804 SMS 13800000009 9 RAISED 0 SENT 0", "805 SMS 13800000009 9 RAISED 0 PENDING 0"],
                       "no SMS row for the WARNING alert")
        let limited = try await fixture.harness.rows(
            "SELECT error_message, to_char(next_retry_at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') AS next FROM alert_notifications WHERE alert_id = 805")
        XCTAssertEqual(limited.first?["error_message"], "SMS hourly limit (1) reached")
        XCTAssertEqual(limited.first?["next"], "11:15")
        let requests = await gateway.requests()
        XCTAssertEqual(requests.count, 1)
        XCTAssertEqual(requests.first?.header("Authorization"), "Bearer tok")
        XCTAssertEqual(try json(requests[0])["phone"] as? String, "13800000009")

        XCTAssertSucceeded(await fixture.harness.run(job, at: "2026-01-09T11:15"))
        let later = try await fixture.delivery("SMS", "13800000009")
        XCTAssertEqual(later["status"], "SENT")
        let afterAnHour = await gateway.requestCount()
        XCTAssertEqual(afterAnHour, 2)
    }

    func testAFailingReceiverIsRetriedOnScheduleUntilDeadWhileOtherChannelsDeliver() async throws {
        let failing = try await receiver(.respond(status: 500, body: "boom"))
        let working = try await receiver()
        try await rule(channels: #"["SYSTEM","WECHAT","DINGTALK"]"#, users: "[]")
        try await fixture.alert(806, triggered: "2026-01-09 10:00")
        let channels = NotificationsFixture.channels([
            WeComRobotChannel(configuration: WeComRobotConfiguration(webhookURL: failing.url(path: "/wecom")), client: http,
                              timeZone: NotificationsFixture.zone),
            DingTalkRobotChannel(configuration: DingTalkRobotConfiguration(webhookURL: working.url(path: "/ding")), client: http,
                                 timeZone: NotificationsFixture.zone),
        ])
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(channels), at: "2026-01-09T10:15"))
        let first = try await fixture.delivery("WECHAT", "pm9")
        XCTAssertEqual(first["status"], "FAILED")
        XCTAssertEqual(first["retry_count"], "1")
        XCTAssertEqual(first["next_retry_at"], "2026-01-09 10:20")
        XCTAssertTrue(first["error_message"]!.hasPrefix("HTTP 500 from 127.0.0.1"), first["error_message"]!)
        let others = try await fixture.deliveries()
        XCTAssertEqual(others.filter { !$0.contains("WECHAT") }, ["806 DINGTALK 13800000009 9 RAISED 0 SENT 0", "806 SYSTEM 9 9 RAISED 0 SENT 0"])

        let retry = fixture.retryJob(channels)
        let schedule = [("2026-01-09T10:19", "1", "2026-01-09 10:20", "FAILED"),  // not due yet
                        ("2026-01-09T10:20", "2", "2026-01-09 10:35", "FAILED"),
                        ("2026-01-09T10:35", "3", "2026-01-09 11:05", "FAILED"),
                        ("2026-01-09T11:05", "4", "2026-01-09 12:05", "FAILED"),
                        ("2026-01-09T12:05", "5", "-", "DEAD")]
        for (at, count, next, status) in schedule {
            XCTAssertSucceeded(await fixture.harness.run(retry, at: at))
            let row = try await fixture.delivery("WECHAT", "pm9")
            XCTAssertEqual([row["retry_count"], row["next_retry_at"], row["status"]], [count, next, status], "after the run at \(at)")
        }
        let posts = await failing.requestCount()
        XCTAssertEqual(posts, 5, "five attempts in all")
        let dead = try await fixture.harness.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/errors/notifications'")
        XCTAssertEqual(dead, 1)
        XCTAssertSucceeded(await fixture.harness.run(retry, at: "2026-01-09T20:00"))
        let postsAfter = await failing.requestCount()
        XCTAssertEqual(postsAfter, 5, "a DEAD row is never sent again")
    }

    func testAReceiverThatNeverAnswersTimesOutWithoutBlockingTheOthers() async throws {
        let hanging = try await receiver(.hang)
        let working = try await receiver()
        try await rule(channels: #"["SYSTEM","WECHAT","DINGTALK"]"#, users: "[]")
        try await fixture.alert(807, triggered: "2026-01-09 10:00")
        let channels = NotificationsFixture.channels([
            WeComRobotChannel(configuration: WeComRobotConfiguration(webhookURL: hanging.url(path: "/wecom"), timeoutSeconds: 1),
                              client: http, timeZone: NotificationsFixture.zone),
            DingTalkRobotChannel(configuration: DingTalkRobotConfiguration(webhookURL: working.url(path: "/ding")), client: http,
                                 timeZone: NotificationsFixture.zone),
        ])
        XCTAssertSucceeded(await fixture.harness.run(fixture.sendJob(channels), at: "2026-01-09T10:15"))
        let timedOut = try await fixture.delivery("WECHAT", "pm9")
        XCTAssertEqual(timedOut["status"], "FAILED")
        XCTAssertEqual(timedOut["error_message"], "WeCom webhook timed out after 1 s")
        let delivered = try await fixture.delivery("DINGTALK", "13800000009")
        XCTAssertEqual(delivered["status"], "SENT")
        let system = try await fixture.delivery("SYSTEM", "9")
        XCTAssertEqual(system["status"], "SENT")
    }
}
