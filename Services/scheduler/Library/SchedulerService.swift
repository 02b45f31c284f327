import Foundation
import PMSBus
import PMSCatalog
import PMSCore
import PMSMQTT
import PMSRuntime

/// pms-scheduler: the catalog's cron slots become ticks; manual triggers become manual runs; run
/// events become run history. Ticks leave through the scheduler's outbox.
public final class SchedulerService: Sendable {
    public let runtime: ServiceRuntime
    public let dispatcher: TickDispatcher
    public let leadership: Leadership
    let relay: OutboxRelay
    let consumers: [any MessageConsumer]
    let cronJobs: [JobDefinition]

    /// `cronJobs`: the jobs whose cron slots this scheduler fires (the whole catalog in production).
    public init(runtime: ServiceRuntime, cronJobs: [JobDefinition] = JobCatalog.all) {
        self.runtime = runtime
        self.cronJobs = cronJobs
        let configuration = runtime.configuration
        self.dispatcher = TickDispatcher(pool: runtime.pool, topics: configuration.topics, timeZone: configuration.timeZone,
                                         instance: configuration.instance, logger: runtime.logger)
        self.leadership = Leadership(databaseURL: configuration.databaseURL, logger: runtime.logger)
        self.relay = OutboxRelay(producer: "scheduler", pool: runtime.pool, mqtt: runtime.mqtt, logger: runtime.logger)
        self.consumers = [TriggerConsumer(runtime: runtime, dispatcher: dispatcher), RunHistoryRecorder(runtime: runtime)]
    }

    public func run() async throws {
        let loop = CronLoop(jobs: cronJobs, dispatcher: dispatcher, leadership: leadership,
                            timeZone: runtime.configuration.timeZone, logger: runtime.logger)
        let leadership = self.leadership
        let serviceLoop = ServiceLoop(runtime: runtime, consumers: consumers, relay: relay,
                                      background: [{ await leadership.run() }, { await loop.run() }])
        await serviceLoop.run()
    }
}
