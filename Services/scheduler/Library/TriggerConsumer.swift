import Foundation
import PMSBus
import PMSCatalog
import PMSMQTT
import PMSRuntime

/// `pms/v1/trigger/<job_id>` → a manual run (`trigger: manual`, `requested_by` kept, `scheduled_for` =
/// now). An unknown job or a malformed payload gives an event on `pms/v1/errors/scheduler` and nothing else.
public struct TriggerConsumer: MessageConsumer {
    public let runtime: ServiceRuntime
    public let dispatcher: TickDispatcher

    public init(runtime: ServiceRuntime, dispatcher: TickDispatcher) {
        self.runtime = runtime; self.dispatcher = dispatcher
    }

    /// Shared, so that with several scheduler replicas a trigger starts one run.
    public var subscriptions: [String] { ["$share/scheduler/" + runtime.configuration.topics.allTriggers] }

    public func accepts(_ topic: ParsedTopic) -> Bool {
        if case .trigger = topic { return true }
        return false
    }

    public func handle(_ message: MQTTMessage, topic: ParsedTopic) async {
        guard case .trigger(let jobID) = topic else { return }
        guard let job = JobCatalog.job(id: jobID) else {
            await runtime.errors.reject(topic: message.topic, payload: message.payload,
                                        reason: "unknown job '\(jobID)'; `pmsctl jobs` lists the 37 job ids")
            return
        }
        let request: TriggerRequest
        do {
            request = try TriggerRequest.parse(message.payload, timeZone: runtime.configuration.timeZone)
        } catch {
            await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: error.reason)
            return
        }
        do {
            try await dispatcher.dispatch(job, scheduledFor: dispatcher.clock.now(), trigger: .manual,
                                          requestedBy: request.requestedBy ?? "mqtt", params: request.params)
        } catch {
            runtime.logger.error("manual run not queued", metadata: ["event": "dispatch_failed", "job": "\(jobID)", "error": "\(error)"])
            await runtime.errors.reject(topic: message.topic, payload: message.payload,
                                        reason: "manual run of \(jobID) could not be queued: \(error)")
        }
    }
}
