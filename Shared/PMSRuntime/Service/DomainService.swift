import Foundation
import Logging
import PMSBus
import PMSMQTT
import PMSPostgres

/// Extra bus input of a service besides its ticks (e.g. notifications consuming alert events).
public protocol MessageConsumer: Sendable {
    var subscriptions: [String] { get }
    func accepts(_ topic: ParsedTopic) -> Bool
    func handle(_ message: MQTTMessage, topic: ParsedTopic) async
}

/// A domain service: its jobs, fed by its ticks through the domain's shared subscription, plus the
/// outbox relay that publishes what the jobs commit.
public final class DomainService: Sendable {
    public let runtime: ServiceRuntime
    public let domain: Domain
    public let ticks: TickConsumer
    public let loop: ServiceLoop

    public init(runtime: ServiceRuntime, domain: Domain, jobs: [any Job], consumers: [any MessageConsumer] = [],
                background: [@Sendable () async -> Void] = []) {
        self.runtime = runtime
        self.domain = domain
        let runner = JobRunner(domain: domain, instance: runtime.configuration.instance, pool: runtime.pool,
                               topics: runtime.configuration.topics, timeZone: runtime.configuration.timeZone,
                               logger: runtime.logger,
                               directPublish: { [mqtt = runtime.mqtt] topic, payload in
                                   try await mqtt.publish(MQTTMessage(topic: topic, payload: payload, qos: 1))
                               })
        self.ticks = TickConsumer(runtime: runtime, domain: domain, jobs: jobs, runner: runner)
        let relay = OutboxRelay(producer: domain.rawValue, pool: runtime.relayPool, mqtt: runtime.mqtt, logger: runtime.logger)
        self.loop = ServiceLoop(runtime: runtime, consumers: [ticks] + consumers, relay: relay, background: background)
    }

    /// Runs until cancelled.
    public func run() async throws {
        runtime.logger.info("domain jobs", metadata: [
            "domain": "\(domain.rawValue)", "jobs": "\(ticks.jobs.keys.sorted().joined(separator: ","))"])
        await loop.run()
    }
}

/// A domain's ticks: decoded strictly, matched to a declared job, run once by the job runner.
public struct TickConsumer: MessageConsumer {
    public let runtime: ServiceRuntime
    public let domain: Domain
    public let jobs: [String: any Job]
    public let runner: JobRunner

    public init(runtime: ServiceRuntime, domain: Domain, jobs: [any Job], runner: JobRunner) {
        self.runtime = runtime; self.domain = domain; self.runner = runner
        self.jobs = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
    }

    public var subscriptions: [String] { [runtime.configuration.topics.tickSubscription(domain: domain)] }

    public func accepts(_ topic: ParsedTopic) -> Bool {
        if case .tick(let tickDomain, _) = topic { return tickDomain == domain }
        return false
    }

    public func handle(_ message: MQTTMessage, topic: ParsedTopic) async {
        guard case .tick(_, let jobID) = topic else { return }
        let tick: TickMessage
        do {
            tick = try BusCoding.decode(TickMessage.self, from: message.payload)
        } catch {
            await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: "malformed tick: \(error)")
            return
        }
        guard tick.jobID == jobID else {
            await runtime.errors.reject(topic: message.topic, payload: message.payload,
                                        reason: "tick names job '\(tick.jobID)' but was sent on the topic of '\(jobID)'")
            return
        }
        guard let job = jobs[jobID] else {
            await runtime.errors.reject(topic: message.topic, payload: message.payload,
                                        reason: "unknown job '\(jobID)' for domain \(domain.rawValue)")
            return
        }
        _ = await runner.run(job, tick: tick)
    }
}
