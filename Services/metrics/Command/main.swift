import ArgumentParser
import Foundation
import MetricsService
import PMSCore
import PMSRuntime

@main
struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pms-metrics",
        abstract: "Metrics service: run counters and durations per job, Prometheus text, JSON metrics, a status page.",
        discussion: """
            At start rebuilds, from job_runs, every job's runs by outcome and trigger, its duration histogram, \
            the durations of its last 1000 finished runs (avg, p50, p95, p99, min, max), its last run and \
            success and its failure streak; then counts every run event on <prefix>/run/+/+ on top, once per \
            run id. Services are up or down from their retained <prefix>/service/+/+ statuses.
            GET / (status page), GET /metrics and GET /api/v1/scheduler/metrics/prometheus (Prometheus text), \
            GET /api/v1/scheduler/metrics (JSON), GET /health.
            """)

    @OptionGroup var options: CommonOptions

    @Option(name: .customLong("http-port"), help: "HTTP port of the status page, /metrics and the JSON metrics. Env PMS_METRICS_HTTP_PORT; default 9464.")
    var httpPort: Int?

    @Option(name: .customLong("http-host"), help: "Address to listen on. Env PMS_METRICS_HTTP_HOST; default 0.0.0.0.")
    var httpHost: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let port = httpPort ?? environment["PMS_METRICS_HTTP_PORT"].flatMap(Int.init) ?? 9464
        let host = httpHost ?? environment["PMS_METRICS_HTTP_HOST"] ?? "0.0.0.0"
        let configuration = options.configuration(service: "metrics")
        JSONLogHandler.bootstrap(service: configuration.service, level: configuration.logLevel)
        let runtime = ServiceRuntime(configuration: configuration, poolSize: 2, cleanSession: true)
        let service = MetricsService(runtime: runtime, httpHost: host, httpPort: port)
        runtime.logger.info("serving HTTP once the run history is loaded", metadata: ["event": "listening", "port": "\(port)"])
        try await ServiceLauncher.run(logger: runtime.logger, work: { try await service.run() },
                                      stop: { await runtime.stop() })
    }
}
