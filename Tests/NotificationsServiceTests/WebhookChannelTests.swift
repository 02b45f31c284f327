import AsyncHTTPClient
import Foundation
import NotificationsService
import PMSWebhookReceiver
import XCTest

/// The webhook channels against a real HTTP server on loopback: what arrives, and how failures read.
final class WebhookChannelTests: XCTestCase {
    private let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    /// 2026-01-09 02:30 UTC = 10:30 in Shanghai.
    private let triggeredAt = Date(timeIntervalSince1970: 1_767_925_800)
    private let link = "http://localhost:3000/alerts/42"

    private func message(level: String, title: String = "缺料预警：主楼钢筋", projectName: String? = "滨江花园",
                         triggeredAt: Date?? = nil, recipients: [String] = ["zhangsan", "13800138000"]) -> ChannelMessage {
        ChannelMessage(alertID: 42, alertNo: "SA202601090001", level: level, title: title, content: "HRB400 库存低于安全库存",
                       projectName: projectName, triggeredAt: triggeredAt ?? self.triggeredAt, link: link, escalated: false,
                       recipients: recipients.enumerated().map { ChannelRecipient(userID: Int64($0.offset + 1), target: $0.element) })
    }

    /// A receiver and a client for one test, both shut down whatever the test does.
    private func withServer(_ behaviour: WebhookReceiver.Behaviour = .ok,
                            _ body: (WebhookReceiver, HTTPClient) async throws -> Void) async throws {
        let receiver = try await WebhookReceiver.start(behaviour: behaviour)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await body(receiver, client)
        } catch {
            try await client.shutdown()
            await receiver.stop()
            throw error
        }
        try await client.shutdown()
        await receiver.stop()
    }

    private func failure(_ channel: some DeliveryChannel, _ message: ChannelMessage) async -> String? {
        do {
            try await channel.deliver(message)
            return nil
        } catch {
            return "\(error)"
        }
    }

    private func json(_ request: ReceivedRequest) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: request.body) as? [String: Any])
    }

    // MARK: WeCom

    func testWeComWarningIsOnePlainTextPostMentioningEveryRecipient() async throws {
        try await withServer { receiver, client in
            let channel = WeComRobotChannel(
                configuration: .init(webhookURL: receiver.url(path: "/cgi-bin/webhook/send?key=robot-key-1")),
                client: client, timeZone: shanghai)
            XCTAssertEqual(channel.code, .wechat)
            XCTAssertTrue(channel.isGroup)
            try await channel.deliver(message(level: "WARNING"))

            let requests = await receiver.requests()
            XCTAssertEqual(requests.count, 1)
            let request = try XCTUnwrap(requests.first)
            XCTAssertEqual(request.method, "POST")
            XCTAssertEqual(request.path, "/cgi-bin/webhook/send")
            XCTAssertEqual(request.queryItems, ["key": "robot-key-1"])
            XCTAssertEqual(request.header("content-type")?.hasPrefix("application/json"), true)
            let body = try json(request)
            XCTAssertEqual(body["msgtype"] as? String, "text")
            let text = try XCTUnwrap(body["text"] as? [String: Any])
            XCTAssertEqual((text["content"] as? String)?.components(separatedBy: "\n"), [
                "【缺料预警：主楼钢筋】", "", "HRB400 库存低于安全库存", "", "预警编号：SA202601090001", "项目：滨江花园",
                "触发时间：2026-01-09 10:30", "详情：http://localhost:3000/alerts/42",
            ])
            XCTAssertEqual(text["mentioned_list"] as? [String], ["zhangsan", "13800138000"])
            XCTAssertEqual(text["mentioned_mobile_list"] as? [String], ["13800138000"])
        }
    }

    func testWeComInfoWithoutProjectAndTimeOmitsThoseLines() async throws {
        try await withServer { receiver, client in
            let channel = WeComRobotChannel(configuration: .init(webhookURL: receiver.url(path: "/send?key=k")),
                                            client: client, timeZone: shanghai)
            try await channel.deliver(message(level: "INFO", projectName: nil, triggeredAt: .some(nil), recipients: ["lisi"]))
            let first = await receiver.requests().first
            let request = try XCTUnwrap(first)
            let text = try XCTUnwrap(try json(request)["text"] as? [String: Any])
            XCTAssertEqual(text["content"] as? String,
                           "【缺料预警：主楼钢筋】\n\nHRB400 库存低于安全库存\n\n预警编号：SA202601090001\n详情：\(link)")
            XCTAssertEqual(text["mentioned_list"] as? [String], ["lisi"])
            XCTAssertNil(text["mentioned_mobile_list"])
        }
    }

    func testWeComUrgentIsAMarkdownCard() async throws {
        try await withServer { receiver, client in
            let channel = WeComRobotChannel(configuration: .init(webhookURL: receiver.url(path: "/send?key=k")),
                                            client: client, timeZone: shanghai)
            try await channel.deliver(message(level: "URGENT"))
            let first = await receiver.requests().first
            let request = try XCTUnwrap(first)
            let body = try json(request)
            XCTAssertEqual(body["msgtype"] as? String, "markdown")
            let markdown = try XCTUnwrap(body["markdown"] as? [String: Any])
            XCTAssertEqual((markdown["content"] as? String)?.components(separatedBy: "\n"), [
                "## <font color=\"warning\">缺料预警：主楼钢筋</font>", "> 级别：紧急（URGENT）", "> 项目：滨江花园",
                "> 预警编号：SA202601090001", "> 触发时间：2026-01-09 10:30", "", "HRB400 库存低于安全库存", "",
                "[查看详情](http://localhost:3000/alerts/42)", "<@zhangsan> <@13800138000>",
            ])
        }
    }

    func testWeComNonZeroErrcodeIsAFailure() async throws {
        try await withServer(.respond(status: 200, body: #"{"errcode":93000,"errmsg":"invalid webhook url"}"#)) { receiver, client in
            let channel = WeComRobotChannel(configuration: .init(webhookURL: receiver.url(path: "/send?key=k")),
                                            client: client, timeZone: shanghai)
            let error = await failure(channel, message(level: "WARNING"))
            XCTAssertEqual(error, "WeCom robot errcode 93000: invalid webhook url")
        }
    }

    func testWeComHTTP500ReportsStatusHostAndBodyStartWithoutTheKey() async throws {
        let longBody = "robot-key-secret " + String(repeating: "x", count: 300)
        try await withServer(.respond(status: 500, body: longBody)) { receiver, client in
            let channel = WeComRobotChannel(
                configuration: .init(webhookURL: receiver.url(path: "/send?key=robot-key-secret")),
                client: client, timeZone: shanghai)
            let outcome = await failure(channel, message(level: "WARNING"))
            let error = try XCTUnwrap(outcome)
            XCTAssertEqual(error, "HTTP 500 from 127.0.0.1: *** " + String(repeating: "x", count: 200 - 17))
            XCTAssertFalse(error.contains("robot-key-secret"))
        }
    }

    func testWeComHangingRobotTimesOut() async throws {
        try await withServer(.hang) { receiver, client in
            let channel = WeComRobotChannel(
                configuration: .init(webhookURL: receiver.url(path: "/send?key=k"), timeoutSeconds: 1),
                client: client, timeZone: shanghai)
            let error = await failure(channel, message(level: "WARNING"))
            XCTAssertEqual(error, "WeCom webhook timed out after 1 s")
            let arrived = await receiver.requestCount()
            XCTAssertEqual(arrived, 1)
        }
    }

    func testClosedPortIsUnreachable() async throws {
        try await withServer { receiver, client in
            let closed = try await WebhookReceiver.start()
            let url = closed.url(path: "/send?key=robot-key-secret")
            await closed.stop()
            let channel = WeComRobotChannel(configuration: .init(webhookURL: url, timeoutSeconds: 2),
                                            client: client, timeZone: shanghai)
            let outcome = await failure(channel, message(level: "WARNING"))
            let error = try XCTUnwrap(outcome)
            XCTAssertTrue(error.hasPrefix("WeCom webhook unreachable: Connection refused"), error)
            XCTAssertFalse(error.contains("robot-key-secret"), error)
        }
    }

    // MARK: DingTalk

    func testDingTalkSignedMarkdownMentionsPhones() async throws {
        try await withServer { receiver, client in
            let secret = "SECb6f0a8e2c3d4"
            let channel = DingTalkRobotChannel(
                configuration: .init(webhookURL: receiver.url(path: "/robot/send?access_token=tok-123"), secret: secret),
                client: client, timeZone: shanghai)
            XCTAssertEqual(channel.code, .dingtalk)
            XCTAssertTrue(channel.isGroup)
            try await channel.deliver(message(level: "CRITICAL"))

            let requests = await receiver.requests()
            XCTAssertEqual(requests.count, 1)
            let request = try XCTUnwrap(requests.first)
            XCTAssertEqual(request.path, "/robot/send")
            let query = request.queryItems
            XCTAssertEqual(query["access_token"], "tok-123")
            let timestamp = try XCTUnwrap(Int64(query["timestamp"] ?? ""))
            XCTAssertLessThan(abs(Double(timestamp) / 1000 - Date().timeIntervalSince1970), 60)
            let expected = Data(HMACSHA256.authenticationCode(key: secret, data: "\(timestamp)\n\(secret)")).base64EncodedString()
            XCTAssertEqual(query["sign"], expected)
            // The raw query carries the sign URL-encoded: no bare base64 "+", "/" or "=".
            let rawSign = try XCTUnwrap(request.query?.components(separatedBy: "&").first { $0.hasPrefix("sign=") })
            XCTAssertFalse(rawSign.dropFirst(5).contains { "+/=".contains($0) }, rawSign)

            let body = try json(request)
            XCTAssertEqual(body["msgtype"] as? String, "markdown")
            let markdown = try XCTUnwrap(body["markdown"] as? [String: Any])
            XCTAssertEqual(markdown["title"] as? String, "缺料预警：主楼钢筋")
            XCTAssertEqual(markdown["text"] as? String, [
                "### 缺料预警：主楼钢筋", "> 级别：严重（CRITICAL）", "> 项目：滨江花园", "> 触发时间：2026-01-09 10:30",
                "HRB400 库存低于安全库存", "预警编号：SA202601090001", "[查看详情](http://localhost:3000/alerts/42) @13800138000",
            ].joined(separator: "\n\n"))
            let at = try XCTUnwrap(body["at"] as? [String: Any])
            XCTAssertEqual(at["atMobiles"] as? [String], ["13800138000"])
            XCTAssertEqual(at["isAtAll"] as? Bool, false)
        }
    }

    func testDingTalkSignOnAURLWithoutQueryAndNoSignWithoutSecret() async throws {
        try await withServer { receiver, client in
            let signed = DingTalkRobotChannel(configuration: .init(webhookURL: receiver.url(path: "/robot"), secret: "s3cret"),
                                              client: client, timeZone: shanghai)
            try await signed.deliver(message(level: "WARNING"))
            let unsigned = DingTalkRobotChannel(configuration: .init(webhookURL: receiver.url(path: "/robot?access_token=t")),
                                                client: client, timeZone: shanghai)
            try await unsigned.deliver(message(level: "WARNING"))
            let requests = try await receiver.waitForRequests(count: 2)
            XCTAssertEqual(requests.map(\.path), ["/robot", "/robot"])
            XCTAssertEqual(requests[0].queryItems.keys.sorted(), ["sign", "timestamp"])
            XCTAssertEqual(requests[1].queryItems, ["access_token": "t"])
        }
    }

    func testDingTalkNonZeroErrcodeIsAFailure() async throws {
        try await withServer(.respond(status: 200, body: #"{"errcode":310000,"errmsg":"sign not match"}"#)) { receiver, client in
            let channel = DingTalkRobotChannel(configuration: .init(webhookURL: receiver.url(path: "/robot/send?access_token=t"),
                                                                    secret: "s3cret"), client: client, timeZone: shanghai)
            let error = await failure(channel, message(level: "WARNING"))
            XCTAssertEqual(error, "DingTalk robot errcode 310000: sign not match")
        }
    }

    // MARK: SMS

    func testSMSPostsOneShortTextPerRecipientWithBearerToken() async throws {
        try await withServer(.respond(status: 200, body: #"{"ok":true}"#)) { receiver, client in
            let channel = SMSGatewayChannel(configuration: .init(url: receiver.url(path: "/sms/send"), token: "sms-token-9"),
                                            client: client)
            XCTAssertEqual(channel.code, .sms)
            XCTAssertFalse(channel.isGroup)
            try await channel.deliver(message(level: "URGENT", title: "主楼钢筋缺料", recipients: ["13800138000", "13900139000"]))
            let requests = await receiver.requests()
            XCTAssertEqual(requests.count, 2)
            for (request, phone) in zip(requests, ["13800138000", "13900139000"]) {
                XCTAssertEqual(request.path, "/sms/send")
                XCTAssertEqual(request.header("authorization"), "Bearer sms-token-9")
                let body = try json(request)
                XCTAssertEqual(body["phone"] as? String, phone)
                XCTAssertEqual(body["message"] as? String, "【预警通知】主楼钢筋缺料 详情：http://localhost:3000/alerts/42")
                XCTAssertEqual(body["alert_no"] as? String, "SA202601090001")
            }
        }
    }

    func testSMSLongTitleFallsBackToTheShortForm() async throws {
        let title = String(repeating: "料", count: 40)
        try await withServer { receiver, client in
            let channel = SMSGatewayChannel(configuration: .init(url: receiver.url(path: "/sms")), client: client)
            try await channel.deliver(message(level: "URGENT", title: title, recipients: ["13800138000"]))
            let first = await receiver.requests().first
            let request = try XCTUnwrap(first)
            XCTAssertNil(request.header("authorization"))
            let text = try json(request)["message"] as? String
            // 【预警通知】 + 30 + … + " 详情：" + 31-character link = 72 characters, over 70.
            XCTAssertEqual(text, "【预警】" + String(repeating: "料", count: 20) + " " + link)
        }
        // A title over 30 characters with a short link still fits the long form, cut with "…".
        XCTAssertEqual(SMSGatewayChannel.text(title: title, link: "http://a/1"),
                       "【预警通知】" + String(repeating: "料", count: 30) + "… 详情：http://a/1")
    }

    func testSMSRefusesNonUrgentLevelsWithoutPosting() async throws {
        try await withServer { receiver, client in
            let channel = SMSGatewayChannel(configuration: .init(url: receiver.url(path: "/sms")), client: client)
            for level in ["INFO", "WARNING", "CRITICAL"] {
                let error = await failure(channel, message(level: level, recipients: ["13800138000"]))
                XCTAssertEqual(error, "SMS notifications are only sent for URGENT level alerts")
            }
            let arrived = await receiver.requestCount()
            XCTAssertEqual(arrived, 0)
        }
    }

    func testSMSGatewayErrorStatusIsAFailureWithoutTheToken() async throws {
        try await withServer(.respond(status: 503, body: "gateway busy")) { receiver, client in
            let channel = SMSGatewayChannel(configuration: .init(url: receiver.url(path: "/sms"), token: "sms-token-9"),
                                            client: client)
            let error = await failure(channel, message(level: "URGENT", recipients: ["13800138000"]))
            XCTAssertEqual(error, "HTTP 503 from 127.0.0.1: gateway busy")
        }
    }

    // MARK: Receiver

    func testReceiverCountOnlyKeepsNoBodies() async throws {
        try await withServer(.countOnly) { receiver, client in
            let channel = SMSGatewayChannel(configuration: .init(url: receiver.url(path: "/sms")), client: client)
            try await channel.deliver(message(level: "URGENT", recipients: ["13800138000", "13900139000", "13700137000"]))
            _ = try await receiver.waitForRequests(count: 3)
            let kept = await receiver.requests()
            let times = await receiver.arrivalTimes()
            XCTAssertEqual(kept.count, 0)
            XCTAssertEqual(times.count, 3)
            XCTAssertEqual(times, times.sorted())
        }
    }
}
