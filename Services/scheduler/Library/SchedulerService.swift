import Foundation
import PMSBus
import PMSCatalog
import PMSCore
import PMSMQTT
import PMSRuntime

/// pms-scheduler: the catalog's cron slots become ticks (on the leader only, caught up after downtime);
/// manual triggers become manual runs; run events become run history; runs are supervised (timeouts,
/// re-sends, retries). Ticks leave through the scheduler's outbox.
public final class SchedulerService: Sendable {
    public let runtime: ServiceRuntime
    public let dispatcher: TickDispatcher
    public let leadership: Leadership
    public let engine: SchedulerEngine
    public let directory: ServiceDirectory
    let relay: OutboxRelay
    let consumers: [any MessageConsumer]

    /// `cronJobs`: the jobs whose cron slots this scheduler fires (the whole catalog in production).
    public init(runtime: ServiceRuntime, cronJobs: [JobDefinition] = JobCatalog.all, policy: SchedulerPolicy = SchedulerPolicy(),
                clock: any SchedulerClock = SystemClock(), leaderCheckInterval: Double = 2) {
        self.runtime = runtime
        let configuration = runtime.configuration
        let dispatcher = TickDispatcher(pool: runtime.pool, topics: configuration.topics, timeZone: configuration.timeZone,
                                        instance: configuration.instance, logger: runtime.logger, clock: clock)
        self.dispatcher = dispatcher
        self.leadership = Leadership(databaseURL: configuration.databaseURL, logger: runtime.logger,
                                     checkInterval: leaderCheckInterval, clock: clock)
        self.engine = SchedulerEngine(
            jobs: cronJobs, dispatcher: dispatcher,
            supervisor: RunSupervisor(dispatcher: dispatcher, policy: policy, logger: runtime.logger),
            leadership: leadership, policy: policy, clock: clock, logger: runtime.logger)
        self.directory = ServiceDirectory(topics: configuration.topics)
        self.relay = OutboxRelay(producer: "scheduler", pool: runtime.relayPool, mqtt: runtime.mqtt, logger: runtime.logger)
        self.consumers = [TriggerConsumer(runtime: runtime, dispatcher: dispatcher),
                          RunHistoryRecorder(runtime: runtime, clock: clock), directory]
    }

    /// Runs until cancelled; `extra` runs alongside (the HTTP API).
    public func run(extra: [@Sendable () async -> Void] = []) async throws {
        let leadership = self.leadership, engine = self.engine
        let serviceLoop = ServiceLoop(runtime: runtime, consumers: consumers, relay: relay,
                                      background: [{ await leadership.run() }, { await engine.run() }] + extra)
        await serviceLoop.run()
    }

    /// The control API over this scheduler's pool, dispatcher, service directory and leadership.
    public func makeAPI(apiToken: String?) -> SchedulerAPI {
        let leadership = self.leadership, clock = dispatcher.clock
        return SchedulerAPI(pool: runtime.pool, dispatcher: dispatcher, directory: directory,
                            timeZone: runtime.configuration.timeZone, apiToken: apiToken,
                            isLeader: { await leadership.isLeader }, now: { clock.now() })
    }

    /// Stops competing for leadership at once (a clean stop hands over without waiting for a timeout).
    public func resign() async { await leadership.resign() }
}
