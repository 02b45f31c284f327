import Foundation
import PMSBus
import PMSMQTT
import PMSRuntime

/// Every run event of every job, into the metrics. Not a shared subscription: each metrics replica
/// counts everything.
public struct RunEventConsumer: MessageConsumer {
    public let runtime: ServiceRuntime
    public let metrics: JobMetrics

    public init(runtime: ServiceRuntime, metrics: JobMetrics) { self.runtime = runtime; self.metrics = metrics }

    public var subscriptions: [String] { [runtime.configuration.topics.allRunEvents] }

    public func accepts(_ topic: ParsedTopic) -> Bool {
        if case .run = topic { return true }
        return false
    }

    public func handle(_ message: MQTTMessage, topic: ParsedTopic) async {
        guard case .run(let jobID, let kind) = topic else { return }
        do {
            let event = try BusCoding.decode(RunEvent.self, from: message.payload)
            guard event.jobID == jobID else {
                await runtime.errors.reject(topic: message.topic, payload: message.payload,
                                            reason: "run event names job '\(event.jobID)' on the topic of '\(jobID)'")
                return
            }
            metrics.record(event, kind: kind)
        } catch {
            await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: "malformed run event: \(error)")
        }
    }
}
