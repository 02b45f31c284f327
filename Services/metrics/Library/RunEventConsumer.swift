import Foundation
import PMSBus
import PMSCatalog
import PMSMQTT
import PMSRuntime

/// Every run event of every job, into the store. Not a shared subscription: each metrics replica
/// counts everything. A malformed event, one whose job id differs from its topic's, or one of a job
/// not in the catalog is answered on the errors topic and not counted.
public struct RunEventConsumer: MessageConsumer {
    public let runtime: ServiceRuntime
    public let store: MetricsStore

    public init(runtime: ServiceRuntime, store: MetricsStore) { self.runtime = runtime; self.store = store }

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
            guard JobCatalog.job(id: jobID) != nil else {
                await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: "unknown job '\(jobID)'")
                return
            }
            if store.record(event, kind: kind) == .duplicate {
                runtime.logger.debug("run already counted", metadata: ["event": "duplicate_run", "run_id": "\(event.runID)"])
            }
        } catch {
            await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: "malformed run event: \(error)")
        }
    }
}
