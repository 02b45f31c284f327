import Foundation
import PMSMQTT

/// A real MQTT client that records everything under a filter, so tests can wait for what a user
/// would see on the bus.
public final class BusObserver: Sendable {
    public let client: MQTTClient
    private let log = MessageLog()
    private let reader: Task<Void, Never>

    /// `cleanSession: false` keeps a persistent session, so messages published while it is away wait.
    public init(brokerURL: String, filter: String, clientID: String = "observer-\(UUID().uuidString.prefix(8))",
                cleanSession: Bool = true) async throws {
        client = MQTTClient(configuration: MQTTConfiguration(url: brokerURL, clientID: clientID, cleanSession: cleanSession),
                            logger: testLogger("observer"))
        let stream = client.messages
        let log = self.log
        reader = Task { for await message in stream { await log.append(message) } }
        try await client.connect(timeout: 10)
        try await client.subscribe(filter, qos: 1)
    }

    public func messages() async -> [MQTTMessage] { await log.all() }

    public func messages(onTopic topic: String) async -> [MQTTMessage] {
        await log.all().filter { $0.topic == topic }
    }

    /// Waits until `predicate` holds over the messages so far, or `timeout` seconds; returns the messages.
    @discardableResult
    public func waitFor(timeout: Double = 15, _ predicate: @Sendable ([MQTTMessage]) -> Bool) async -> [MQTTMessage] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let all = await log.all()
            if predicate(all) { return all }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return await log.all()
    }

    /// Forgets what was seen so far, so a second run can be waited for like the first.
    public func clear() async { await log.clear() }

    public func publish(_ topic: String, _ text: String, qos: Int = 1) async throws {
        try await client.publish(MQTTMessage(topic: topic, string: text, qos: qos))
    }

    public func close() async {
        await client.disconnect()
        reader.cancel()
    }
}

actor MessageLog {
    private var messages: [MQTTMessage] = []
    func append(_ message: MQTTMessage) { messages.append(message) }
    func all() -> [MQTTMessage] { messages }
    func clear() { messages.removeAll() }
}
