import Foundation
import NotificationsService
import PMSTestSupport
import XCTest

/// The EMAIL channel against a real SMTP server (aiosmtpd), read back with Python's mailbox/email modules.
final class EmailChannelTests: XCTestCase {
    private var cleanups: [() -> Void] = []

    override func tearDown() {
        cleanups.reversed().forEach { $0() }
        cleanups = []
        super.tearDown()
    }

    private func startSink(tls: (cert: String, key: String)? = nil, auth: (username: String, password: String)? = nil,
                           excluding mechanisms: [String] = []) throws -> SMTPSink {
        let sink = try SMTPSink(tls: tls, auth: auth, excluding: mechanisms)
        cleanups.append { sink.stop() }
        return sink
    }

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("email-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        cleanups.append { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    private func config(port: Int, _ change: (inout SMTPConfiguration) -> Void = { _ in }) -> SMTPConfiguration {
        var configuration = SMTPConfiguration(host: "127.0.0.1", port: port, from: "PMS 预警 <pms@factory.local>",
                                              timeout: 5)
        change(&configuration)
        return configuration
    }

    private func alert(title: String = "缺料预警：电机 M-100 库存不足", level: String = "WARNING",
                       recipients: [String] = ["pm@factory.local"]) -> ChannelMessage {
        ChannelMessage(alertID: 42, alertNo: "SA202601090001", level: level, title: title,
                       content: "库存 5 < 需求 12 & 采购未到\n请尽快处理", projectName: "华东二期 \"A\" 线",
                       triggeredAt: Date(timeIntervalSince1970: 1_767_925_800), // 2026-01-09 02:30 UTC = 10:30 Shanghai
                       link: "http://localhost:3000/alerts/42?a=1&b=2", escalated: false,
                       recipients: recipients.map { ChannelRecipient(userID: 1, target: $0) })
    }

    /// Runs `body`, which must throw, and returns the error text.
    private func errorText(_ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line) async
        -> String {
        do {
            try await body()
            XCTFail("expected an error", file: file, line: line)
            return ""
        } catch {
            XCTAssertTrue(error is ChannelError, "not a ChannelError: \(type(of: error)) \(error)", file: file, line: line)
            return "\(error)"
        }
    }

    func testDeliversOneMultipartMailToAllRecipients() async throws {
        let sink = try startSink()
        let channel = EmailChannel(configuration: config(port: sink.port))
        XCTAssertEqual(channel.code, .email)
        XCTAssertFalse(channel.isGroup)
        let title = "缺料预警：<script>alert('x')</script> 电机 M-100 库存不足，影响总装进度，请采购与仓库立即确认到货时间"
        try await channel.deliver(alert(title: title, recipients: ["pm@factory.local", "buyer@factory.local"]))

        let mails = try sink.messages()
        XCTAssertEqual(mails.count, 1)
        let mail = try XCTUnwrap(mails.first)
        XCTAssertEqual(mail.subject, "[WARNING] \(title)")
        XCTAssertTrue(mail.from.contains("PMS 预警") && mail.from.contains("<pms@factory.local>"), mail.from)
        XCTAssertEqual(mail.to, "pm@factory.local, buyer@factory.local")
        XCTAssertEqual(mail.envelopeFrom, "pms@factory.local")
        XCTAssertEqual(mail.envelopeTo, "pm@factory.local, buyer@factory.local")

        let plain = try XCTUnwrap(mail.plain)
        for expected in [title, "库存 5 < 需求 12 & 采购未到\n请尽快处理", "预警编号：SA202601090001",
                         "项目：华东二期 \"A\" 线", "触发时间：2026-01-09 10:30",
                         "详情：http://localhost:3000/alerts/42?a=1&b=2"] {
            XCTAssertTrue(plain.contains(expected), "plain part lacks \(expected): \(plain)")
        }

        let html = try XCTUnwrap(mail.html)
        XCTAssertFalse(html.contains("<script>"), html)
        for expected in ["&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", "库存 5 &lt; 需求 12 &amp; 采购未到<br>请尽快处理",
                         "项目：华东二期 &quot;A&quot; 线", "href=\"http://localhost:3000/alerts/42?a=1&amp;b=2\"",
                         "#f59e0b", "触发时间：2026-01-09 10:30"] {
            XCTAssertTrue(html.contains(expected), "HTML part lacks \(expected): \(html)")
        }

        // On the wire: encoded subject, base64 parts, no line over 78 characters.
        XCTAssertTrue(mail.raw.contains("Subject: =?UTF-8?B?"), mail.raw)
        XCTAssertTrue(mail.raw.contains("multipart/alternative"), mail.raw)
        XCTAssertEqual(mail.raw.components(separatedBy: "Content-Transfer-Encoding: base64").count, 3, mail.raw)
        for line in mail.raw.split(whereSeparator: \.isNewline) {
            XCTAssertLessThanOrEqual(line.utf8.count, 78, "overlong line: \(line)")
        }
    }

    func testLevelBadgeColoursAndOptionalFacts() {
        let channel = EmailChannel(configuration: config(port: 25), timeZone: TimeZone(identifier: "UTC")!)
        var message = alert(level: "URGENT")
        let urgent = channel.mimeMessage(for: message)
        XCTAssertEqual(urgent.subject, "[URGENT] 缺料预警：电机 M-100 库存不足")
        XCTAssertTrue(urgent.html.contains("#dc2626"))
        XCTAssertTrue(urgent.plainText.contains("触发时间：2026-01-09 02:30"), urgent.plainText)
        XCTAssertEqual(urgent.to, ["pm@factory.local"])

        message.level = "NOTICE"
        message.projectName = nil
        message.triggeredAt = nil
        let other = channel.mimeMessage(for: message)
        XCTAssertTrue(other.html.contains("#6b7280"))
        XCTAssertFalse(other.plainText.contains("项目："))
        XCTAssertFalse(other.plainText.contains("触发时间："))
        XCTAssertTrue(channel.mimeMessage(for: alert(level: "CRITICAL")).html.contains("#ea580c"))
        XCTAssertTrue(channel.mimeMessage(for: alert(level: "INFO")).html.contains("#3b82f6"))
    }

    func testDotStuffingKeepsLinesThatStartWithADot() async throws {
        let sink = try startSink()
        let client = SMTPClient(configuration: config(port: sink.port))
        let data = "From: pms@factory.local\r\nTo: a@factory.local\r\nSubject: dots\r\n\r\n.leading dot\r\n.\r\n..two\r\nend\r\n"
        try await client.send(data: data, to: ["a@factory.local"])
        let mail = try XCTUnwrap(sink.messages().first)
        XCTAssertEqual(mail.plain, ".leading dot\n.\n..two\nend\n")
    }

    func testRequiredSTARTTLSWithTheServersCAFile() async throws {
        let dir = try temporaryDirectory()
        let cert = try SMTPSink.selfSignedCertificate(in: dir)
        // This sink refuses MAIL FROM before STARTTLS, so an arrived mail proves the session was encrypted.
        let sink = try startSink(tls: cert)
        let channel = EmailChannel(configuration: config(port: sink.port) {
            $0.starttls = .required
            $0.tlsCAFile = cert.cert
        })
        try await channel.deliver(alert())
        let mails = try sink.messages()
        XCTAssertEqual(mails.map(\.subject), ["[WARNING] 缺料预警：电机 M-100 库存不足"])

        // auto upgrades too; an untrusted certificate fails unless verification is off.
        try await EmailChannel(configuration: config(port: sink.port) { $0.tlsCAFile = cert.cert }).deliver(alert())
        let untrusted = await errorText {
            try await EmailChannel(configuration: config(port: sink.port) { $0.starttls = .required }).deliver(alert())
        }
        XCTAssertTrue(untrusted.hasPrefix("SMTP TLS handshake with 127.0.0.1:\(sink.port) failed:"), untrusted)
        try await EmailChannel(configuration: config(port: sink.port) { $0.tlsVerify = false }).deliver(alert())
        let count = try sink.messages().count
        XCTAssertEqual(count, 3)

        // Never upgrading against this server shows its refusal with code and command.
        let refused = await errorText {
            try await EmailChannel(configuration: config(port: sink.port) { $0.starttls = .never }).deliver(alert())
        }
        XCTAssertTrue(refused.hasPrefix("SMTP 530 after MAIL FROM:<pms@factory.local>: "), refused)
    }

    func testRequiredSTARTTLSFailsAgainstAPlainServer() async throws {
        let sink = try startSink()
        let text = await errorText {
            try await EmailChannel(configuration: config(port: sink.port) { $0.starttls = .required }).deliver(alert())
        }
        XCTAssertEqual(text, "SMTP server 127.0.0.1:\(sink.port) does not offer STARTTLS (starttls: required)")
        let count = try sink.messages().count
        XCTAssertEqual(count, 0)
    }

    func testAuthPlainAndLogin() async throws {
        let plainSink = try startSink(auth: ("pms", "s3cret"))
        let good = config(port: plainSink.port) { $0.username = "pms"; $0.password = "s3cret" }
        try await EmailChannel(configuration: good).deliver(alert())
        let plainCount = try plainSink.messages().count
        XCTAssertEqual(plainCount, 1)

        let wrong = await errorText {
            try await EmailChannel(configuration: self.config(port: plainSink.port) {
                $0.username = "pms"; $0.password = "wrong"
            }).deliver(alert())
        }
        XCTAssertTrue(wrong.hasPrefix("SMTP 535 after AUTH PLAIN: "), wrong)
        XCTAssertFalse(wrong.contains("wrong"), "the password must not appear in the error: \(wrong)")

        let anonymous = await errorText {
            try await EmailChannel(configuration: self.config(port: plainSink.port)).deliver(alert())
        }
        XCTAssertTrue(anonymous.hasPrefix("SMTP 530 after MAIL FROM:<pms@factory.local>: "), anonymous)

        let loginSink = try startSink(auth: ("pms", "s3cret"), excluding: ["PLAIN"])
        try await EmailChannel(configuration: config(port: loginSink.port) {
            $0.username = "pms"; $0.password = "s3cret"
        }).deliver(alert())
        let loginCount = try loginSink.messages().count
        XCTAssertEqual(loginCount, 1)
    }

    func testAServerThatNeverAnswersTimesOut() async throws {
        let silent = try SilentServer()
        cleanups.append { silent.stop() }
        let text = await errorText {
            try await EmailChannel(configuration: config(port: silent.port) { $0.timeout = 1 }).deliver(alert())
        }
        XCTAssertEqual(text, "SMTP timed out after 1 s waiting for greeting")
    }

    func testAClosedPortIsAConnectionError() async throws {
        let port = try freeLoopbackPort()
        let text = await errorText { try await EmailChannel(configuration: config(port: port)).deliver(alert()) }
        XCTAssertTrue(text.hasPrefix("SMTP connection to 127.0.0.1:\(port) failed: "), text)
        XCTAssertTrue(text.hasSuffix("Connection refused (errno 111)"), text)
    }

    func testNoRecipientsIsAnError() async throws {
        let text = await errorText {
            try await EmailChannel(configuration: config(port: 25)).deliver(alert(recipients: []))
        }
        XCTAssertEqual(text, "Email alert SA202601090001 has no recipient address")
    }
}
