import ArgumentParser
import Foundation
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

    @Option(name: .customLong("catchup-grace"), help: "Seconds after a missed slot within which it is still caught up on start. Env PMS_CATCHUP_GRACE; default: the job's SLA, at least 300.")
    var catchUpGrace: Double?

    @Option(name: .customLong("retry-base-delay"), help: "Seconds before the first retry of a failed run (then doubling, plus up to 20 % jitter). Env PMS_RETRY_BASE_DELAY; default 60.")
    var retryBaseDelay: Double?

    @Option(name: .customLong("history-days"), help: "Days of run history kept in job_runs. Env PMS_HISTORY_DAYS; default 90.")
    var historyDays: Int?

    @Option(name: .customLong("http-port"), help: "Port of the control API (/api/v1/scheduler). Env PMS_SCHEDULER_HTTP_PORT; default 8080.")
    var httpPort: Int?

    @Option(name: .customLong("http-host"), help: "Address the control API listens on. Env PMS_SCHEDULER_HTTP_HOST; default 0.0.0.0.")
    var httpHost: String?

    @Option(name: .customLong("api-token"), help: "Bearer token for trigger/pause/resume; without one they are refused (403). Env PMS_API_TOKEN.")
    var apiToken: String?

    var policy: SchedulerPolicy {
        let environment = ProcessInfo.processInfo.environment
        var policy = SchedulerPolicy()
        policy.catchUpGrace = catchUpGrace ?? environment["PMS_CATCHUP_GRACE"].flatMap(Double.init)
        if let delay = retryBaseDelay ?? environment["PMS_RETRY_BASE_DELAY"].flatMap(Double.init) { policy.retryBaseDelay = delay }
        if let days = historyDays ?? environment["PMS_HISTORY_DAYS"].flatMap(Int.init) { policy.historyRetentionDays = days }
        return policy
    }

    func run() async throws {
        let configuration = options.configuration(service: "scheduler")
        JSONLogHandler.bootstrap(service: configuration.service, level: configuration.logLevel)
        let runtime = ServiceRuntime(configuration: configuration)
        let environment = ProcessInfo.processInfo.environment
        let port = httpPort ?? environment["PMS_SCHEDULER_HTTP_PORT"].flatMap(Int.init) ?? 8080
        let host = httpHost ?? environment["PMS_SCHEDULER_HTTP_HOST"] ?? "0.0.0.0"
        let service = SchedulerService(runtime: runtime, policy: policy)
        let api = service.makeAPI(apiToken: apiToken ?? environment["PMS_API_TOKEN"])
        if !api.acceptsMutatingCalls {
            runtime.logger.warning("no API token: trigger, pause and resume are refused", metadata: ["event": "api_read_only"])
        }
        let serveAPI: @Sendable () async -> Void = {
            do { try await api.run(host: host, port: port, logger: runtime.logger) } catch {
                runtime.logger.error("control API stopped", metadata: ["event": "api_failed", "error": "\(error)"])
            }
        }
        runtime.logger.info("serving /api/v1/scheduler", metadata: ["event": "listening", "port": "\(port)"])
        try await ServiceLauncher.run(logger: runtime.logger, work: { try await service.run(extra: [serveAPI]) },
                                      stop: { await service.resign(); await runtime.stop() })
    }
}
