import Foundation
import Hummingbird
import PMSRuntime
import ServiceLifecycle

/// pms-metrics: counts run events and serves them at `GET /metrics` (Prometheus text) and `GET /health`.
public final class MetricsService: Sendable {
    public let runtime: ServiceRuntime
    public let metrics = JobMetrics()
    public let httpHost: String
    public let httpPort: Int

    public init(runtime: ServiceRuntime, httpHost: String = "0.0.0.0", httpPort: Int) {
        self.runtime = runtime; self.httpHost = httpHost; self.httpPort = httpPort
    }

    public func run() async throws {
        let loop = ServiceLoop(runtime: runtime, consumers: [RunEventConsumer(runtime: runtime, metrics: metrics)],
                               relay: nil)
        var logger = runtime.logger
        logger.logLevel = .warning
        // Stopped by cancellation (the launcher owns the signals); shut the HTTP server down gracefully then.
        let server = ServiceGroup(configuration: .init(services: [makeApplication()], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await loop.run() }
            group.addTask {
                // Unstructured, so the stop request reaches the server as a graceful shutdown rather than
                // as a cancellation of its open channels.
                let serving = Task { try await server.run() }
                try await withTaskCancellationHandler {
                    try await serving.value
                } onCancel: {
                    Task { await server.triggerGracefulShutdown() }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    func makeApplication() -> some ApplicationProtocol {
        let router = Router()
        let metrics = self.metrics
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        router.get("/health") { _, _ -> String in "ok\n" }
        var logger = runtime.logger
        logger.logLevel = .warning
        return Application(router: router,
                           configuration: .init(address: .hostname(httpHost, port: httpPort), serverName: "pms-metrics"),
                           logger: logger)
    }
}
