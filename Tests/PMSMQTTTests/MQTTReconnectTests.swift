import PMSMQTT
import PMSTestSupport
import XCTest

/// These tests stop and restart brokers, so each uses its own rather than the shared one.
final class MQTTReconnectTests: XCTestCase {
    private func startBroker(port: Int? = nil) throws -> MosquittoTestServer {
        let broker = try MosquittoTestServer.start(port: port)
        addTeardownBlock { try? broker.stop() }
        return broker
    }

    /// A clean session loses its subscriptions with the connection, so delivery after the restart proves
    /// that the client re-subscribed by itself.
    func testReconnectsAfterBrokerRestartAndResubscribes() async throws {
        let broker = try startBroker()
        let topic = uniqueTopic("restart")
        let subscriber = try await connectedClient(url: broker.url, cleanSession: true)
        let recorder = MessageRecorder(subscriber)
        try await subscriber.subscribe(topic)

        try broker.stop()
        let noticed = await eventually { !subscriber.isConnected }
        XCTAssertTrue(noticed, "the client should notice the broker going away")
        try await Task.sleep(nanoseconds: 3_000_000_000)  // several refused reconnect attempts
        try broker.restart()
        let reconnected = await subscriber.waitUntilConnected(timeout: 15)
        XCTAssertTrue(reconnected, "no reconnect; broker log:\n\(broker.log().suffix(2000))")

        let publisher = try await connectedClient(url: broker.url)
        // The re-subscription races our publish right after CONNACK; retry until it is in place.
        let delivered = await eventuallyAsync(timeout: 10) {
            try? await publisher.publish(MQTTMessage(topic: topic, string: "after restart"))
            return await recorder.wait(timeout: 0.5) { !$0.isEmpty }
        }
        XCTAssertTrue(delivered)
        XCTAssertEqual(recorder.messages.first?.payloadString, "after restart")
    }

    func testSubscribeWhileDisconnectedCompletesAfterReconnect() async throws {
        let broker = try startBroker()
        let topic = uniqueTopic("subscribe-while-down")
        let client = try await connectedClient(url: broker.url, cleanSession: true)
        let recorder = MessageRecorder(client)
        try broker.stop()
        let noticed = await eventually { !client.isConnected }
        XCTAssertTrue(noticed)

        let subscription = Task { try await client.subscribe(topic) }
        try await Task.sleep(nanoseconds: 300_000_000)
        try broker.restart()
        try await subscription.value  // acknowledged by the re-subscription after reconnecting

        let publisher = try await connectedClient(url: broker.url)
        try await publisher.publish(MQTTMessage(topic: topic, string: "hello again"))
        let received = await recorder.waitForCount(1)
        XCTAssertEqual(received.first?.payloadString, "hello again")
    }

    func testDisconnectWhileReconnectingReturnsPromptly() async throws {
        let broker = try startBroker()
        let client = try await connectedClient(url: broker.url) { $0.reconnectDelayMax = 10 }
        try broker.stop()
        try await Task.sleep(nanoseconds: 2_500_000_000)  // into a multi-second backoff pause
        let seconds = await elapsedSeconds { await client.disconnect() }
        XCTAssertLessThan(seconds, 2)
        XCTAssertFalse(client.isConnected)
    }

    func testDisconnectBeforeFirstConnectionReturnsPromptly() async throws {
        let client = makeClient(url: "mqtt://127.0.0.1:\(try freeLoopbackPort())")
        _ = try? await client.connect(timeout: 0.5)
        let seconds = await elapsedSeconds { await client.disconnect() }
        XCTAssertLessThan(seconds, 1)
        let connected = await client.waitUntilConnected(timeout: 0.5)
        XCTAssertFalse(connected)
    }

    func testPublishWhileBrokerIsDownFailsQuickly() async throws {
        let broker = try startBroker()
        let client = try await connectedClient(url: broker.url) { $0.publishTimeout = 30 }
        try broker.stop()
        let noticed = await eventually { !client.isConnected }
        XCTAssertTrue(noticed)

        for qos in [0, 1] {
            let seconds = await elapsedSeconds {
                await assertThrowsNotConnected { try await client.publish(MQTTMessage(topic: uniqueTopic("down"), string: "x", qos: qos)) }
            }
            XCTAssertLessThan(seconds, 1, "QoS \(qos) publish should fail at once")
        }
    }

    func testPendingPublishFailsWhenConnectionDrops() async throws {
        let relay = try TCPRelay(upstreamPort: MosquittoTestServer.shared.port)
        defer { relay.cut() }
        let client = try await connectedClient(url: relay.url) { $0.publishTimeout = 30 }
        relay.dropTraffic()  // the PUBLISH goes nowhere, so no PUBACK comes back

        let publish = Task { try await client.publish(MQTTMessage(topic: uniqueTopic("pending"), string: "x", qos: 1)) }
        try await Task.sleep(nanoseconds: 300_000_000)
        let seconds = await elapsedSeconds {
            relay.cut()
            await assertThrowsNotConnected { try await publish.value }
        }
        XCTAssertLessThan(seconds, 5, "the pending publish should fail once the connection is gone")
    }

    func testPublishWithoutPubackTimesOut() async throws {
        let relay = try TCPRelay(upstreamPort: MosquittoTestServer.shared.port)
        defer { relay.cut() }
        let client = try await connectedClient(url: relay.url) { $0.publishTimeout = 1 }
        relay.dropTraffic()
        let seconds = await elapsedSeconds {
            do {
                try await client.publish(MQTTMessage(topic: uniqueTopic("silent"), string: "x", qos: 1))
                XCTFail("expected a timeout")
            } catch MQTTError.timeout {
            } catch {
                XCTFail("expected MQTTError.timeout, got \(error)")
            }
        }
        XCTAssertLessThan(seconds, 3)
    }

    func testConnectTimesOutButKeepsTryingUntilTheBrokerAppears() async throws {
        let port = try freeLoopbackPort()
        let client = makeClient(url: "mqtt://127.0.0.1:\(port)")
        do {
            try await client.connect(timeout: 1)
            XCTFail("nothing listens yet")
        } catch MQTTError.timeout {
        }
        XCTAssertFalse(client.isConnected)

        let broker = try startBroker(port: port)
        let connected = await client.waitUntilConnected(timeout: 15)
        XCTAssertTrue(connected, "no connection; broker log:\n\(broker.log().suffix(2000))")
        let topic = uniqueTopic("late-broker")
        let recorder = MessageRecorder(client)
        try await client.subscribe(topic)
        try await client.publish(MQTTMessage(topic: topic, string: "hello"))
        let received = await recorder.waitForCount(1)
        XCTAssertEqual(received.first?.payloadString, "hello")
    }

    func testCredentialsComeFromTheURL() async throws {
        let passwords = FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-passwd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: passwords) }
        let created = try runCommand("/usr/bin/mosquitto_passwd", ["-c", "-b", passwords.path, "pms", "s@cret:1"])
        XCTAssertEqual(created.status, 0, created.output)
        chmod(passwords.path, 0o644)
        let broker = try MosquittoTestServer.start(extraConfig: "allow_anonymous false\npassword_file \(passwords.path)")
        addTeardownBlock { try? broker.stop() }

        let authorized = makeClient(url: "mqtt://pms:s%40cret:1@127.0.0.1:\(broker.port)")
        try await authorized.connect(timeout: 10)
        XCTAssertTrue(authorized.isConnected)

        let refused = makeClient(url: "mqtt://pms:wrong@127.0.0.1:\(broker.port)")
        do {
            try await refused.connect(timeout: 1.5)
            XCTFail("a wrong password should not connect")
        } catch MQTTError.timeout {
        }
        XCTAssertFalse(refused.isConnected)
    }
}

/// Polls an async condition.
func eventuallyAsync(timeout: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if await condition() { return true }
    }
    return false
}
