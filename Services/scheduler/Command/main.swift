import ArgumentParser
import PMSCore
import PMSRuntime
import SchedulerService

@main
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pms-scheduler",
        abstract: "Scheduler: the catalog of 37 jobs, cron in the configured zone, ticks and manual triggers.",
        discussion: """
            Publishes <prefix>/tick/<domain>/<job_id> at every cron slot of the catalog (pmsctl jobs lists them) \
            while it holds the leader lock; turns <prefix>/trigger/<job_id> into manual runs; records run events \
            in job_runs. Paused jobs (scheduler_job_state.is_enabled = false) are not ticked.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let configuration = options.configuration(service: "scheduler")
        JSONLogHandler.bootstrap(service: configuration.service, level: configuration.logLevel)
        let runtime = ServiceRuntime(configuration: configuration)
        let service = SchedulerService(runtime: runtime)
        try await ServiceLauncher.run(logger: runtime.logger, work: { try await service.run() },
                                      stop: { await runtime.stop() })
    }
}
