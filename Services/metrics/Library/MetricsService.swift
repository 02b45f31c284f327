import Foundation
import Hummingbird
import PMSRuntime

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
        let app = makeApplication()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await loop.run() }
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
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
