import Foundation
import MetricsService
import NotificationsService
import PMSBus
import PMSCore
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import SchedulerService
import ProductionService
import ProgressService
import ReceivablesService
import CostService
import IssuesService
import ShortageService

/// The real services, in-process, on a real broker and a fresh database: scheduler (no cron slots, so
/// only triggers tick), shortage, production, progress, notifications and metrics. Each cluster has its own topic prefix, so
/// clusters sharing a broker never see each other's messages.
final class ServiceCluster: Sendable {
    let databaseURL: String
    let brokerURL: String
    let topics: Topics
    let metricsPort: Int
    let db: PostgresConnection
    let runtimes: [ServiceRuntime]
    let shortage: DomainService
    private let tasks: [Task<Void, Never>]

    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    init(brokerURL: String) async throws {
        let (url, db) = try await TestDatabase.connect()
        self.databaseURL = url
        self.db = db
        self.brokerURL = brokerURL
        let topics = Topics(prefix: "t\(UUID().uuidString.prefix(8).lowercased())/pms/v1")
        self.topics = topics
        self.metricsPort = try freeLoopbackPort()
        let runtime = { (service: String) -> ServiceRuntime in
            ServiceRuntime(configuration: ServiceConfiguration(
                service: service, instance: "e2e", mqttURL: brokerURL, databaseURL: url, topics: topics,
                timeZone: ServiceCluster.zone, logLevel: .critical))
        }
        let schedulerRuntime = runtime("scheduler"), shortageRuntime = runtime("shortage")
        let productionRuntime = runtime("production"), progressRuntime = runtime("progress")
        let receivablesRuntime = runtime("receivables"), costRuntime = runtime("cost"), issuesRuntime = runtime("issues")
        let notificationsRuntime = runtime("notifications"), metricsRuntime = runtime("metrics")
        runtimes = [schedulerRuntime, shortageRuntime, productionRuntime, progressRuntime, receivablesRuntime, costRuntime,
                    issuesRuntime, notificationsRuntime, metricsRuntime]
        let scheduler = SchedulerService(runtime: schedulerRuntime, cronJobs: [])
        shortage = DomainService(runtime: shortageRuntime, domain: .shortage, jobs: ShortageJobs.all())
        let production = DomainService(runtime: productionRuntime, domain: .production, jobs: ProductionJobs.all())
        let progress = DomainService(runtime: progressRuntime, domain: .progress, jobs: ProgressJobs.all())
        let receivables = DomainService(runtime: receivablesRuntime, domain: .receivables, jobs: ReceivablesJobs.all())
        let cost = DomainService(runtime: costRuntime, domain: .cost, jobs: CostJobs.all())
        let issues = DomainService(runtime: issuesRuntime, domain: .issues, jobs: IssuesJobs.all())
        let notifications = NotificationsAssembly.service(runtime: notificationsRuntime, channels: [])
        let metrics = MetricsService(runtime: metricsRuntime, httpHost: "127.0.0.1", httpPort: metricsPort)
        let shortage = self.shortage
        tasks = [
            Task { try? await scheduler.run() },
            Task { try? await shortage.run() },
            Task { try? await production.run() },
            Task { try? await progress.run() },
            Task { try? await receivables.run() },
            Task { try? await cost.run() },
            Task { try? await issues.run() },
            Task { try? await notifications.run() },
            Task { try? await metrics.run() },
        ]
        for runtime in runtimes { _ = await runtime.mqtt.waitUntilConnected(timeout: 10) }
        // Subscriptions are made right after connecting; give the broker a moment to register them.
        try await Task.sleep(nanoseconds: 300_000_000)
    }

    func stop() async {
        for task in tasks { task.cancel() }
        for runtime in runtimes { await runtime.stop() }
        db.close()
    }

    func exec(_ sql: String) async throws { try await db.executeScript(sql) }

    func rows(_ sql: String, _ parameters: [any PostgresBindable] = []) async throws -> [PostgresRow] {
        try await db.query(sql, parameters)
    }

    func metricsText() async throws -> String {
        let (output, _) = try await httpGet("http://127.0.0.1:\(metricsPort)/metrics")
        return output
    }
}
