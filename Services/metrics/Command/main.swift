import ArgumentParser
import Foundation
import MetricsService
import PMSCore
import PMSRuntime

@main
struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pms-metrics",
        abstract: "Metrics service: counts every run event and serves Prometheus text at /metrics.",
        discussion: """
            Subscribes to <prefix>/run/+/+ and keeps, per job, runs by outcome, a duration histogram, the last \
            duration and the last success time (scheduler_job_* families). GET /metrics, GET /health.
            """)

    @OptionGroup var options: CommonOptions

    @Option(name: .customLong("http-port"), help: "HTTP port of /metrics. Env PMS_METRICS_HTTP_PORT; default 9464.")
    var httpPort: Int?

    @Option(name: .customLong("http-host"), help: "Address to listen on. Env PMS_METRICS_HTTP_HOST; default 0.0.0.0.")
    var httpHost: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let port = httpPort ?? environment["PMS_METRICS_HTTP_PORT"].flatMap(Int.init) ?? 9464
        let host = httpHost ?? environment["PMS_METRICS_HTTP_HOST"] ?? "0.0.0.0"
        let configuration = options.configuration(service: "metrics")
        JSONLogHandler.bootstrap(service: configuration.service, level: configuration.logLevel)
        let runtime = ServiceRuntime(configuration: configuration, poolSize: 1, cleanSession: true)
        let service = MetricsService(runtime: runtime, httpHost: host, httpPort: port)
        runtime.logger.info("serving /metrics", metadata: ["event": "listening", "port": "\(port)"])
        try await ServiceLauncher.run(logger: runtime.logger, work: { try await service.run() },
                                      stop: { await runtime.stop() })
    }
}
