import Foundation
import Hummingbird
import PMSPostgres
import PMSRuntime

/// The HTTP endpoints of pms-metrics (no authentication: an internal port, as Prometheus scrapes it):
/// - `GET /` — the status page (HTML);
/// - `GET /metrics` and `GET /api/v1/scheduler/metrics/prometheus` — Prometheus text;
/// - `GET /api/v1/scheduler/metrics` — the JSON metrics;
/// - `GET /health` — `ok`.
struct MetricsRoutes: Sendable {
    let store: MetricsStore
    let directory: ServiceDirectory
    let pool: PostgresPool
    let now: @Sendable () -> Date
    let zone: TimeZone
    let version: String

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let routes = self
        router.get("/") { _, _ -> Response in await routes.statusPage() }
        router.get("/metrics") { _, _ -> Response in routes.prometheus() }
        router.get("/api/v1/scheduler/metrics/prometheus") { _, _ -> Response in routes.prometheus() }
        router.get("/api/v1/scheduler/metrics") { _, _ -> Response in
            Self.response(MetricsJSON.body(records: routes.store.records()), type: MetricsJSON.contentType)
        }
        router.get("/health") { _, _ -> Response in Self.response(Array("ok\n".utf8), type: "text/plain; charset=utf-8") }
        return router
    }

    func prometheus() -> Response {
        let services = ServiceStatus.list(directory.instances).map { (name: $0.name, up: $0.up) }
        let text = PrometheusExport.render(records: store.records(), services: services)
        return Self.response(Array(text.utf8), type: PrometheusExport.contentType)
    }

    func statusPage() async -> Response {
        var database: StatusPageDatabase?
        var databaseError: String?
        do {
            database = try await StatusPageDatabase.load(from: pool)
        } catch {
            databaseError = "\(error)"
        }
        let page = StatusPage(now: now(), zone: zone, records: store.records(), database: database,
                              databaseError: databaseError, services: ServiceStatus.list(directory.instances),
                              historyLoaded: store.isLoaded, version: version)
        return Self.response(Array(page.render().utf8), type: StatusPage.contentType)
    }

    static func response(_ bytes: [UInt8], type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
