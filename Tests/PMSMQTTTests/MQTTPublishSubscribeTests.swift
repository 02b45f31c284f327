import PMSMQTT
import PMSTestSupport
import XCTest

final class MQTTPublishSubscribeTests: XCTestCase {
    func testConnectsWithItsClientID() async throws {
        let clientID = uniqueClientID("connect-test")
        let client = try await connectedClient(clientID: clientID)
        XCTAssertTrue(client.isConnected)
        let logged = await eventually(timeout: 5) { MosquittoTestServer.shared.log().contains(" as \(clientID) ") }
        XCTAssertTrue(logged, "broker log should show the client id \(clientID)")
    }

    func testQoS0AndQoS1KeepPayloadBytesIntact() async throws {
        let topic = uniqueTopic("payload")
        let subscriber = try await connectedClient()
        let recorder = MessageRecorder(subscriber)
        try await subscriber.subscribe(topic, qos: 1)
        let publisher = try await connectedClient()

        let chinese = "项目进度：钢结构安装完成 85%，预计下周验收 ✅"
        let binary: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x0A, 0x00]
        try await publisher.publish(MQTTMessage(topic: topic, string: chinese, qos: 0))
        try await publisher.publish(MQTTMessage(topic: topic, string: chinese, qos: 1))
        try await publisher.publish(MQTTMessage(topic: topic, payload: binary, qos: 1))
        try await publisher.publish(MQTTMessage(topic: topic, payload: [], qos: 1))

        let received = await recorder.waitForCount(4)
        XCTAssertEqual(received.count, 4)
        guard received.count == 4 else { return }
        XCTAssertEqual(received[0].payloadString, chinese)
        XCTAssertEqual(received[0].payload, Array(chinese.utf8))
        XCTAssertEqual(received[0].qos, 0)
        XCTAssertEqual(received[1], MQTTMessage(topic: topic, string: chinese, qos: 1))
        XCTAssertEqual(received[2].payload, binary)
        XCTAssertEqual(received[3].payload, [])
        XCTAssertFalse(received.contains { $0.retain })
    }

    func testSingleLevelWildcard() async throws {
        let base = uniqueTopic("plus")
        let subscriber = try await connectedClient()
        let recorder = MessageRecorder(subscriber)
        try await subscriber.subscribe("\(base)/+/temperature")
        let publisher = try await connectedClient()

        for topic in ["\(base)/a/temperature", "\(base)/a/b/temperature", "\(base)/a/humidity", "\(base)/b/temperature"] {
            try await publisher.publish(MQTTMessage(topic: topic, string: "x"))
        }
        let sentinel = "\(base)/zz/temperature"
        try await publisher.publish(MQTTMessage(topic: sentinel, string: "end"))

        await recorder.wait { $0.contains { $0.topic == sentinel } }
        XCTAssertEqual(recorder.messages.map(\.topic), ["\(base)/a/temperature", "\(base)/b/temperature", sentinel])
    }

    func testMultiLevelWildcard() async throws {
        let base = uniqueTopic("hash")
        let subscriber = try await connectedClient()
        let recorder = MessageRecorder(subscriber)
        try await subscriber.subscribe("\(base)/site/#")
        let publisher = try await connectedClient()

        let topics = ["\(base)/site", "\(base)/site/a", "\(base)/site/a/b/c", "\(base)/other/a", "\(base)/sites/a"]
        for topic in topics {
            try await publisher.publish(MQTTMessage(topic: topic, string: "x"))
        }
        let sentinel = "\(base)/site/end"
        try await publisher.publish(MQTTMessage(topic: sentinel, string: "end"))

        await recorder.wait { $0.contains { $0.topic == sentinel } }
        XCTAssertEqual(recorder.messages.map(\.topic), ["\(base)/site", "\(base)/site/a", "\(base)/site/a/b/c", sentinel])
    }

    func testRetainedMessageReachesLaterSubscriber() async throws {
        let topic = uniqueTopic("retained")
        let publisher = try await connectedClient()
        try await publisher.publish(MQTTMessage(topic: topic, string: "最后状态", qos: 1, retain: true))

        let subscriber = try await connectedClient()
        let recorder = MessageRecorder(subscriber)
        try await subscriber.subscribe(topic)
        let received = await recorder.waitForCount(1)
        XCTAssertEqual(received.first?.payloadString, "最后状态")
        XCTAssertEqual(received.first?.retain, true)

        // An empty retained message clears it, so the shared broker does not keep test residue.
        try await publisher.publish(MQTTMessage(topic: topic, payload: [], retain: true))
    }

    func testUnsubscribeStopsDelivery() async throws {
        let topic = uniqueTopic("unsubscribe")
        let other = uniqueTopic("still-subscribed")
        let subscriber = try await connectedClient()
        let recorder = MessageRecorder(subscriber)
        try await subscriber.subscribe(topic)
        try await subscriber.subscribe(other)
        try await subscriber.unsubscribe(topic)

        let publisher = try await connectedClient()
        try await publisher.publish(MQTTMessage(topic: topic, string: "dropped"))
        try await publisher.publish(MQTTMessage(topic: other, string: "end"))
        await recorder.wait { !$0.isEmpty }
        XCTAssertEqual(recorder.messages.map(\.topic), [other])
    }

    func testConcurrentPublishesFromManyTasksAllArrive() async throws {
        let topic = uniqueTopic("concurrent")
        let subscriber = try await connectedClient()
        let recorder = MessageRecorder(subscriber)
        try await subscriber.subscribe(topic)
        let publisher = try await connectedClient()

        let count = 200
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask { try await publisher.publish(MQTTMessage(topic: topic, string: "\(index)", qos: index % 2)) }
            }
            try await group.waitForAll()
        }
        let received = await recorder.waitForCount(count)
        XCTAssertEqual(Set(received.map(\.payloadString)), Set((0..<count).map(String.init)))
        XCTAssertEqual(received.count, count)
    }

    func testDisconnectFinishesMessagesAndLaterCallsFail() async throws {
        let client = try await connectedClient()
        let recorder = MessageRecorder(client)
        await client.disconnect()
        XCTAssertFalse(client.isConnected)
        let finished = await eventually(timeout: 5) { recorder.isFinished }
        XCTAssertTrue(finished, "messages should finish after disconnect()")
        await assertThrowsNotConnected { try await client.publish(MQTTMessage(topic: uniqueTopic("late"), string: "x")) }
        let reconnected = await client.waitUntilConnected(timeout: 0.5)
        XCTAssertFalse(reconnected)
    }

    /// The C callbacks hold the session, not the client, so a dropped client is freed (and its loop stopped).
    func testClientIsFreedOnceReleased() async throws {
        weak var weakClient: MQTTClient?
        do {
            let configuration = MQTTConfiguration(url: MosquittoTestServer.shared.url, clientID: uniqueClientID("freed"))
            let client = MQTTClient(configuration: configuration, logger: mqttTestLogger)
            weakClient = client
            try await client.connect()
            try await client.subscribe(uniqueTopic("freed"))
            try await client.publish(MQTTMessage(topic: uniqueTopic("freed"), string: "x"))
            await client.disconnect()
        }
        let freed = await eventually(timeout: 5) { weakClient == nil }
        XCTAssertTrue(freed, "MQTTClient should be deallocated once the caller drops it")
    }

    func testClientDroppedWithoutDisconnectIsFreed() async throws {
        weak var weakClient: MQTTClient?
        do {
            let configuration = MQTTConfiguration(url: MosquittoTestServer.shared.url, clientID: uniqueClientID("dropped"))
            let client = MQTTClient(configuration: configuration, logger: mqttTestLogger)
            weakClient = client
            try await client.connect()
        }
        let freed = await eventually(timeout: 5) { weakClient == nil }
        XCTAssertTrue(freed, "deinit should stop the network thread and free the client")
    }

    func testInvalidURLsAreRejected() async throws {
        for url in ["http://127.0.0.1:1883", "mqtt://", "mqtt://:1883", "mqtt://host:port", "mqtt://host:70000", "mqtt://host/path", "127.0.0.1"] {
            let client = makeClient(url: url)
            do {
                try await client.connect(timeout: 1)
                XCTFail("\(url) should be rejected")
            } catch MQTTError.invalidURL {
            } catch {
                XCTFail("\(url): expected invalidURL, got \(error)")
            }
        }
    }
}

func assertThrowsNotConnected(
    _ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line
) async {
    do {
        try await body()
        XCTFail("expected MQTTError.notConnected", file: file, line: line)
    } catch MQTTError.notConnected {
    } catch {
        XCTFail("expected MQTTError.notConnected, got \(error)", file: file, line: line)
    }
}
