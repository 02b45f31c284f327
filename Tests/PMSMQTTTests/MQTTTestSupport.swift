import Foundation
import Logging
import PMSMQTT
import PMSTestSupport
import XCTest

/// Logs go to stderr at MQTT_TEST_LOG_LEVEL (default warning), so a failing test can be rerun verbosely.
let mqttTestLogger: Logger = {
    var logger = Logger(label: "pms.mqtt.tests")
    logger.logLevel = ProcessInfo.processInfo.environment["MQTT_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .warning
    return logger
}()

func uniqueTopic(_ name: String) -> String {
    "test/\(UUID().uuidString.prefix(8))/\(name)"
}

func uniqueClientID(_ name: String) -> String {
    "\(name)-\(UUID().uuidString.prefix(8))"
}

extension XCTestCase {
    /// A client that is disconnected when the test ends.
    func makeClient(
        url: String,
        clientID: String = uniqueClientID("client"),
        cleanSession: Bool = true,
        will: MQTTMessage? = nil,
        configure: (inout MQTTConfiguration) -> Void = { _ in }
    ) -> MQTTClient {
        var configuration = MQTTConfiguration(url: url, clientID: clientID, cleanSession: cleanSession, will: will)
        configuration.reconnectDelayMin = 0.5
        configuration.reconnectDelayMax = 1
        configure(&configuration)
        let client = MQTTClient(configuration: configuration, logger: mqttTestLogger)
        addTeardownBlock { await client.disconnect() }
        return client
    }

    /// `makeClient` + connect (failing the test if the CONNACK does not come within 10 s).
    func connectedClient(
        url: String = MosquittoTestServer.shared.url,
        clientID: String = uniqueClientID("client"),
        cleanSession: Bool = true,
        will: MQTTMessage? = nil,
        configure: (inout MQTTConfiguration) -> Void = { _ in }
    ) async throws -> MQTTClient {
        let client = makeClient(url: url, clientID: clientID, cleanSession: cleanSession, will: will, configure: configure)
        try await client.connect(timeout: 10)
        return client
    }
}

/// Drains a client's `messages` into an array from one long-lived task (cancelling a consumer would end
/// the stream), so tests can poll what arrived.
final class MessageRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [MQTTMessage] = []
    private var finished = false

    init(_ client: MQTTClient) {
        let stream = client.messages
        Task { [self] in
            for await message in stream { lock.withLock { received.append(message) } }
            lock.withLock { finished = true }
        }
    }

    var messages: [MQTTMessage] { lock.withLock { received } }
    var isFinished: Bool { lock.withLock { finished } }

    func messages(on topic: String) -> [MQTTMessage] {
        messages.filter { $0.topic == topic }
    }

    /// Waits until `condition` holds for what arrived so far; returns whether it did within `timeout`.
    @discardableResult
    func wait(timeout: Double = 5, until condition: ([MQTTMessage]) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(messages) { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return condition(messages)
    }

    /// Waits until at least `count` messages arrived and returns them all.
    func waitForCount(_ count: Int, timeout: Double = 5) async -> [MQTTMessage] {
        await wait(timeout: timeout) { $0.count >= count }
        return messages
    }
}

/// Polls a synchronous condition from async code.
func eventually(timeout: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
    return condition()
}

/// Seconds `body` took.
func elapsedSeconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = Date()
    try await body()
    return Date().timeIntervalSince(start)
}
