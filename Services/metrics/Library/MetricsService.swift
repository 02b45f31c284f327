import Foundation
import Hummingbird
import PMSRuntime
import ServiceLifecycle

/// pms-metrics: subscribes to every run event and to the services' retained statuses, rebuilds each job's
/// counters and recent durations from `job_runs` at start, and serves them over HTTP (see `MetricsRoutes`).
///
/// Start order: connect and subscribe first, then read the history (runs that finish meanwhile wait in
/// the store and are applied on top, once, by run id), then open the HTTP port. While the database is
/// unreachable the rebuild is retried and the port stays closed.
public final class MetricsService: Sendable {
    public let runtime: ServiceRuntime
    public let store = MetricsStore()
    public let directory: ServiceDirectory
    public let httpHost: String
    public let httpPort: Int
    /// The clock of the status page's next-run times.
    public let now: @Sendable () -> Date
    public let loader: RunHistoryLoader
    private let historyLoaded = StartupGate()

    public init(runtime: ServiceRuntime, httpHost: String = "0.0.0.0", httpPort: Int,
                now: @escaping @Sendable () -> Date = { Date() }, loader: RunHistoryLoader = RunHistoryLoader()) {
        self.runtime = runtime; self.httpHost = httpHost; self.httpPort = httpPort; self.now = now; self.loader = loader
        self.directory = ServiceDirectory(topics: runtime.configuration.topics)
    }

    public func run() async throws {
        let loop = ServiceLoop(runtime: runtime, consumers: [RunEventConsumer(runtime: runtime, store: store), directory],
                               relay: nil, background: [{ [self] in await self.rebuild() }])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await loop.run() }
            group.addTask { [self] in
                await historyLoaded.wait()
                guard !Task.isCancelled else { return }
                try await serve()
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Loads the run history into the store, retrying (1 s, doubling, at most 30 s) until it succeeds.
    func rebuild() async {
        var delay: UInt64 = 1
        while !Task.isCancelled {
            let started = Date()
            do {
                let records = try await loader.load(from: runtime.pool)
                let applied = store.load(records)
                runtime.logger.info("run history loaded", metadata: [
                    "event": "history_loaded", "jobs": "\(records.count)",
                    "runs": "\(records.values.reduce(0) { $0 + $1.finishedRuns })",
                    "live_applied": "\(applied.counted)", "live_duplicates": "\(applied.duplicates)",
                    "live_dropped": "\(applied.dropped)",
                    "ms": "\(Int(Date().timeIntervalSince(started) * 1000))"])
                historyLoaded.open()
                return
            } catch {
                runtime.logger.warning("run history not loaded; retrying", metadata: [
                    "event": "history_failed", "error": "\(error)", "retry_in_s": "\(delay)"])
                try? await Task.sleep(nanoseconds: delay * 1_000_000_000)
                delay = min(delay * 2, 30)
            }
        }
    }

    /// Runs the HTTP server until cancelled, then shuts it down gracefully.
    func serve() async throws {
        var logger = runtime.logger
        logger.logLevel = .warning
        let routes = MetricsRoutes(store: store, directory: directory, pool: runtime.pool, now: now,
                                   zone: runtime.configuration.timeZone, version: runtime.configuration.version)
        let application = Application(
            router: routes.router(),
            configuration: .init(address: .hostname(httpHost, port: httpPort), serverName: "pms-metrics"),
            logger: logger)
        // Stopped by cancellation (the launcher owns the signals); shut the HTTP server down gracefully then.
        let server = ServiceGroup(configuration: .init(services: [application], logger: logger))
        // Unstructured, so the stop request reaches the server as a graceful shutdown rather than as a
        // cancellation of its open channels.
        let serving = Task { try await server.run() }
        try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: {
            Task { await server.triggerGracefulShutdown() }
        }
    }
}
