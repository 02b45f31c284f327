import PMSMQTT
import PMSTestSupport
import XCTest

final class MQTTWillTests: XCTestCase {
    /// The will-bearing client reaches the broker through a relay; cutting the relay kills its connection
    /// without a DISCONNECT, as a crash or network failure would.
    func testWillIsPublishedWhenConnectionDiesWithoutDisconnect() async throws {
        let willTopic = uniqueTopic("will")
        let observer = try await connectedClient()
        let recorder = MessageRecorder(observer)
        try await observer.subscribe(willTopic)

        let relay = try TCPRelay(upstreamPort: MosquittoTestServer.shared.port)
        defer { relay.cut() }
        let dying = try await connectedClient(url: relay.url, will: MQTTMessage(topic: willTopic, string: "服务离线"))
        relay.cut()

        let received = await recorder.waitForCount(1, timeout: 10)
        XCTAssertEqual(received.map(\.payloadString), ["服务离线"])
        let noticed = await eventually { !dying.isConnected }
        XCTAssertTrue(noticed, "the client should notice that its connection is gone")
    }

    func testCleanDisconnectDoesNotPublishWill() async throws {
        let willTopic = uniqueTopic("will")
        let aliveTopic = uniqueTopic("alive")
        let observer = try await connectedClient()
        let recorder = MessageRecorder(observer)
        try await observer.subscribe(willTopic)
        try await observer.subscribe(aliveTopic)

        let leaving = try await connectedClient(will: MQTTMessage(topic: willTopic, string: "gone"))
        await leaving.disconnect()

        // The broker handles the DISCONNECT before this later publish; a will would arrive before it.
        let publisher = try await connectedClient()
        try await publisher.publish(MQTTMessage(topic: aliveTopic, string: "marker"))
        await recorder.wait { $0.contains { $0.topic == aliveTopic } }
        try await Task.sleep(nanoseconds: 300_000_000)
        XCTAssertEqual(recorder.messages.map(\.topic), [aliveTopic])
    }
}
