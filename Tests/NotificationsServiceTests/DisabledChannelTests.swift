import NotificationsService
import XCTest

final class DisabledChannelTests: XCTestCase {
    func testAnUnconfiguredChannelFailsWithItsReason() async {
        let channel = DisabledChannel(code: .email, reason: "Email channel disabled")
        let message = ChannelMessage(alertID: 1, alertNo: "SA202601090001", level: "WARNING", title: "T", content: "C",
                                     projectName: nil, triggeredAt: nil, link: "http://localhost:3000/alerts/1",
                                     escalated: false, recipients: [ChannelRecipient(userID: 9, target: "pm@x.cn")])
        do {
            try await channel.deliver(message)
            XCTFail("a disabled channel must not report a delivery")
        } catch {
            XCTAssertEqual("\(error)", "Email channel disabled")
        }
        XCTAssertFalse(channel.isGroup)
        XCTAssertTrue(DisabledChannel(code: .dingtalk, reason: "x").isGroup)
    }
}
