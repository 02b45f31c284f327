import Foundation
import PMSBus
import PMSMQTT

/// The message loop every service runs: subscribe its consumers, run its background tasks (outbox
/// relay when it has an outbox, cron …), hand each message to the consumers that accept its topic, and wake the relay after.
public struct ServiceLoop: Sendable {
    public let runtime: ServiceRuntime
    public let consumers: [any MessageConsumer]
    public let relay: OutboxRelay?
    public let background: [@Sendable () async -> Void]

    public init(runtime: ServiceRuntime, consumers: [any MessageConsumer], relay: OutboxRelay?,
                background: [@Sendable () async -> Void] = []) {
        self.runtime = runtime; self.consumers = consumers; self.relay = relay; self.background = background
    }

    /// Runs until cancelled.
    public func run() async {
        let stream = runtime.mqtt.messages
        await runtime.start()
        for filter in consumers.flatMap(\.subscriptions) {
            do { try await runtime.mqtt.subscribe(filter, qos: 1) } catch {
                // Remembered by the client and retried on reconnect.
                runtime.logger.warning("subscribe pending", metadata: ["topic": "\(filter)", "error": "\(error)"])
            }
        }
        runtime.logger.info("service ready", metadata: ["event": "ready"])
        await withTaskGroup(of: Void.self) { group in
            if let relay { group.addTask { await relay.run() } }
            for task in background { group.addTask { await task() } }
            for await message in stream {
                group.addTask { await self.handle(message) }
            }
            group.cancelAll()
        }
    }

    public func handle(_ message: MQTTMessage) async {
        guard let parsed = runtime.configuration.topics.parse(message.topic) else {
            await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: "topic not understood")
            return
        }
        for consumer in consumers where consumer.accepts(parsed) {
            await consumer.handle(message, topic: parsed)
        }
        relay?.nudge()
    }
}
