import Foundation
import PMSBus
import PMSCatalog
import PMSCore
import PMSMQTT
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import SchedulerService

/// Real scheduler replicas (and, when asked, a real shortage service with test jobs) on the shared
/// broker and a fresh database, driven by a manual clock; an observer records the bus.
final class SchedulerHarness: Sendable {
    let clock: ManualClock
    let databaseURL: String
    let db: PostgresConnection
    let topics: Topics
    let observer: BusObserver
    let policy: SchedulerPolicy
    private let replicas = Mutex<[String: (SchedulerService, ServiceRuntime, Task<Void, Never>)]>([:])
    private let domains = Mutex<[(ServiceRuntime, Task<Void, Never>)]>([])
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    init(start: String, policy: SchedulerPolicy = SchedulerPolicy()) async throws {
        clock = ManualClock(RFC3339.parse(start)!)
        let (url, db) = try await TestDatabase.connect()
        databaseURL = url
        self.db = db
        topics = Topics(prefix: "sch\(UUID().uuidString.prefix(6).lowercased())/pms/v1")
        observer = try await BusObserver(brokerURL: MosquittoTestServer.shared.url, filter: topics.prefix + "/#")
        self.policy = policy
    }

    func runtime(_ service: String, instance: String) -> ServiceRuntime {
        ServiceRuntime(configuration: ServiceConfiguration(
            service: service, instance: instance, mqttURL: MosquittoTestServer.shared.url, databaseURL: databaseURL,
            topics: topics, timeZone: Self.zone, logLevel: .critical))
    }

    @discardableResult
    func startScheduler(_ instance: String, jobs: [String]) async -> SchedulerService {
        let runtime = runtime("scheduler", instance: instance)
        let service = SchedulerService(runtime: runtime, cronJobs: jobs.map { JobCatalog.job(id: $0)! }, policy: policy,
                                       clock: clock, leaderCheckInterval: 0.1)
        let task = Task { _ = try? await service.run() }
        _ = await runtime.mqtt.waitUntilConnected(timeout: 10)
        replicas.withLock { $0[instance] = (service, runtime, task) }
        return service
    }

    /// Stops a replica as a crash would look to the others: its lock session ends, its loop stops.
    func killScheduler(_ instance: String) async {
        guard let (service, runtime, task) = replicas.withLock({ $0.removeValue(forKey: instance) }) else { return }
        task.cancel()
        await service.resign()
        await runtime.stop()
    }

    func startShortage(jobs: [any Job]) async { await startDomain(.shortage, jobs: jobs) }

    func startDomain(_ domain: Domain, jobs: [any Job]) async {
        let runtime = runtime(domain.rawValue, instance: "d1")
        let service = DomainService(runtime: runtime, domain: domain, jobs: jobs)
        let task = Task { _ = try? await service.run() }
        _ = await runtime.mqtt.waitUntilConnected(timeout: 10)
        try? await Task.sleep(nanoseconds: 200_000_000)
        domains.withLock { $0.append((runtime, task)) }
    }

    func leader() async -> String? {
        for (instance, entry) in replicas.withLock({ $0 }) where await entry.0.leadership.isLeader { return instance }
        return nil
    }

    func waitForLeader(timeout: Double = 10) async -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let leader = await leader() { return leader }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return nil
    }

    /// Ticks seen on the bus for a job, decoded, in arrival order.
    func ticks(_ jobID: String) async -> [TickMessage] {
        await observer.messages().filter { $0.topic.hasSuffix("/tick/" + (JobCatalog.job(id: jobID)?.domain.rawValue ?? "") + "/" + jobID) }
            .compactMap { try? BusCoding.decode(TickMessage.self, from: $0.payload) }
    }

    func waitForTicks(_ jobID: String, count: Int, timeout: Double = 15) async -> [TickMessage] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let seen = await ticks(jobID)
            if seen.count >= count { return seen }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return await ticks(jobID)
    }

    func events(_ jobID: String, _ kind: RunEventKind) async -> [RunEvent] {
        await observer.messages(onTopic: topics.run(jobID: jobID, event: kind))
            .compactMap { try? BusCoding.decode(RunEvent.self, from: $0.payload) }
    }

    func waitForEvents(_ jobID: String, _ kind: RunEventKind, count: Int, timeout: Double = 15) async -> [RunEvent] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let seen = await events(jobID, kind)
            if seen.count >= count { return seen }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return await events(jobID, kind)
    }

    func rows(_ sql: String, _ parameters: [any PostgresBindable] = []) async throws -> [PostgresRow] {
        try await db.query(sql, parameters)
    }

    func stop() async {
        for instance in replicas.withLock({ Array($0.keys) }) { await killScheduler(instance) }
        for (runtime, task) in domains.withLock({ $0 }) { task.cancel(); await runtime.stop() }
        await observer.close()
        db.close()
    }
}

import Synchronization

/// Test jobs for the runtime paths the scheduler supervises.
struct FailingJob: Job {
    let id: String
    func run(in context: JobContext) async throws -> RunResult { throw JobFailure("boom: supplier database unreachable") }
}

struct QuickJob: Job {
    let id: String
    func run(in context: JobContext) async throws -> RunResult { RunResult(checked: 1) }
}

struct SleepyJob: Job {
    let id: String
    let seconds: Double
    func run(in context: JobContext) async throws -> RunResult {
        try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
        return RunResult(checked: 1)
    }
}
