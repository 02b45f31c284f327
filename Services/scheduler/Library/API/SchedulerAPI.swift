import Foundation
import Hummingbird
import Logging
import PMSCatalog
import PMSPostgres
import PMSRuntime
import ServiceLifecycle

/// The scheduler's control API under `/api/v1/scheduler` (platform.md §3, with the port's fixes): status,
/// jobs, manual trigger, pause/resume, run history, services list. GETs are open; trigger, pause and
/// resume need `Authorization: Bearer <apiToken>` and are refused (403) when no token is configured.
public struct SchedulerAPI: Sendable {
    public let pool: PostgresPool
    public let dispatcher: TickDispatcher
    public let directory: ServiceDirectory
    public let timeZone: TimeZone
    public let isLeader: @Sendable () async -> Bool
    /// The API's clock: manual runs' `scheduled_for`, next run times, `updated_at` of pause/resume.
    public let now: @Sendable () -> Date
    let auth: APIAuth
    let gate = TriggerGate()

    public init(pool: PostgresPool, dispatcher: TickDispatcher, directory: ServiceDirectory, timeZone: TimeZone,
                apiToken: String?, isLeader: @escaping @Sendable () async -> Bool,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.pool = pool; self.dispatcher = dispatcher; self.directory = directory; self.timeZone = timeZone
        self.auth = APIAuth(token: apiToken); self.isLeader = isLeader; self.now = now
    }

    /// Whether trigger, pause and resume are enabled (a token is configured).
    public var acceptsMutatingCalls: Bool { auth.token != nil }

    /// The HTTP application serving the API on `host:port`.
    public func makeApplication(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: APIErrorMiddleware(logger: logger))
        for route in APIRoutes.table {
            let endpoint = route.endpoint
            router.on(RouterPath(APIRoutes.path(route.path)), method: route.method) { request, context -> Response in
                try await self.respond(endpoint, request: request, context: context)
            }
        }
        return Application(router: router,
                           configuration: .init(address: .hostname(host, port: port), serverName: "pms-scheduler"),
                           logger: logger)
    }

    /// Serves until the calling task is cancelled, then shuts the server down gracefully.
    public func run(host: String, port: Int, logger: Logger) async throws {
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let server = ServiceGroup(configuration: .init(services: [makeApplication(host: host, port: port, logger: quiet)],
                                                       logger: quiet))
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
