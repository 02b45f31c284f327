import PMSMQTT
import PMSTestSupport
import XCTest

final class MQTTSessionTests: XCTestCase {
    func testSharedSubscriptionDeliversEachMessageOnceAcrossTheGroup() async throws {
        let base = uniqueTopic("shared")
        let filter = "$share/workers/\(base)/#"
        let first = try await connectedClient()
        let second = try await connectedClient()
        let firstRecorder = MessageRecorder(first)
        let secondRecorder = MessageRecorder(second)
        try await first.subscribe(filter)
        try await second.subscribe(filter)

        let publisher = try await connectedClient()
        let payloads = (0..<20).map { "job-\($0)" }
        for (index, payload) in payloads.enumerated() {
            try await publisher.publish(MQTTMessage(topic: "\(base)/\(index % 3)", string: payload))
        }

        await firstRecorder.wait(timeout: 10) { $0.count + secondRecorder.messages.count >= payloads.count }
        try await Task.sleep(nanoseconds: 300_000_000)  // room for duplicates to show up
        let all = firstRecorder.messages + secondRecorder.messages
        XCTAssertEqual(all.map(\.payloadString).sorted(), payloads.sorted(), "each message exactly once in total")
        XCTAssertFalse(firstRecorder.messages.isEmpty, "the group should share the load")
        XCTAssertFalse(secondRecorder.messages.isEmpty, "the group should share the load")
    }

    /// The test broker persists to its temp dir, so a session and its queue outlive a broker restart.
    func testPersistentSessionSurvivesBrokerRestart() async throws {
        let broker = try MosquittoTestServer.start()
        addTeardownBlock { try? broker.stop() }
        let topic = uniqueTopic("persistent-restart")
        let clientID = uniqueClientID("persistent-restart")
        let first = try await connectedClient(url: broker.url, clientID: clientID, cleanSession: false)
        try await first.subscribe(topic, qos: 1)
        await first.disconnect()

        let publisher = try await connectedClient(url: broker.url)
        try await publisher.publish(MQTTMessage(topic: topic, string: "before restart", qos: 1))
        await publisher.disconnect()
        try broker.restart()

        let returning = makeClient(url: broker.url, clientID: clientID, cleanSession: false)
        let recorder = MessageRecorder(returning)
        try await returning.connect()
        let received = await recorder.waitForCount(1)
        XCTAssertEqual(received.map(\.payloadString), ["before restart"])
    }

    func testPersistentSessionReceivesMessagesQueuedWhileAway() async throws {
        let topic = uniqueTopic("persistent")
        let clientID = uniqueClientID("persistent")
        let first = try await connectedClient(clientID: clientID, cleanSession: false)
        try await first.subscribe(topic, qos: 1)
        await first.disconnect()

        let publisher = try await connectedClient()
        for index in 0..<5 {
            try await publisher.publish(MQTTMessage(topic: topic, string: "queued-\(index)", qos: 1))
        }

        let returning = makeClient(url: MosquittoTestServer.shared.url, clientID: clientID, cleanSession: false)
        let recorder = MessageRecorder(returning)
        try await returning.connect()
        let received = await recorder.waitForCount(5)
        XCTAssertEqual(received.map(\.payloadString), (0..<5).map { "queued-\($0)" })

        // Leave no persistent session behind on the shared broker.
        await returning.disconnect()
        let cleaner = try await connectedClient(clientID: clientID, cleanSession: true)
        await cleaner.disconnect()
    }
}
