import Foundation
import MetricsService
import PMSBus
import PMSCatalog
import PMSCore
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real pms-metrics on a fresh database, the shared test broker (its own topic prefix) and a free
/// loopback port; started once the test has written its rows, so the rebuild sees them.
final class RunningMetrics: Sendable {
    let db: PostgresConnection
    let databaseURL: String
    let topics: Topics
    let port: Int
    let runtime: ServiceRuntime
    let service: MetricsService
    private let task: Task<Void, Never>

    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    /// A fresh database for `prepare`; then the service, waited for until `/health` answers.
    static func start(now: @escaping @Sendable () -> Date = { Date() },
                      prepare: (PostgresConnection, Topics) async throws -> Void = { _, _ in }) async throws -> RunningMetrics {
        let (url, db) = try await TestDatabase.connect()
        let topics = Topics(prefix: "m\(UUID().uuidString.prefix(8).lowercased())/pms/v1")
        try await prepare(db, topics)
        return try await RunningMetrics(db: db, databaseURL: url, topics: topics, now: now)
    }

    private init(db: PostgresConnection, databaseURL: String, topics: Topics, now: @escaping @Sendable () -> Date) async throws {
        self.db = db
        self.databaseURL = databaseURL
        self.topics = topics
        let port = try freeLoopbackPort()
        self.port = port
        let runtime = ServiceRuntime(configuration: ServiceConfiguration(
            service: "metrics", instance: "test", mqttURL: MosquittoTestServer.shared.url, databaseURL: databaseURL,
            topics: topics, timeZone: Self.zone, logLevel: .critical), poolSize: 2, cleanSession: true)
        self.runtime = runtime
        let service = MetricsService(runtime: runtime, httpHost: "127.0.0.1", httpPort: port, now: now)
        self.service = service
        task = Task { try? await service.run() }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let (status, _, _) = try? await get("/health"), status == 200 { return }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        task.cancel()
        await runtime.stop()
        throw TestServerError("pms-metrics did not answer /health on port \(port)")
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func get(_ path: String) async throws -> (status: Int, body: String, contentType: String?) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: baseURL + path)!)
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, String(decoding: data, as: UTF8.self), http?.value(forHTTPHeaderField: "Content-Type"))
    }

    /// `data.metrics` of `GET /api/v1/scheduler/metrics`, by job id, and `data.total`.
    func jsonMetrics() async throws -> (total: Int, jobs: [String: [String: Any]]) {
        let (_, body, _) = try await get("/api/v1/scheduler/metrics")
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let data = try XCTUnwrap(root["data"] as? [String: Any])
        let metrics = try XCTUnwrap(data["metrics"] as? [[String: Any]])
        var jobs: [String: [String: Any]] = [:]
        for entry in metrics { jobs[entry["job_id"] as! String] = entry }
        return (data["total"] as! Int, jobs)
    }

    func stop() async {
        task.cancel()
        await runtime.stop()
        db.close()
    }
}

/// Writes a finished `job_runs` row as pms-scheduler would after the run's last event.
@discardableResult
func insertRun(_ db: PostgresConnection, job jobID: String, status: RunEventKind, trigger: RunTrigger = .cron,
               finishedAt: Date, durationMS: Double?, error: String? = nil, runID: UUID = UUID()) async throws -> UUID {
    let domain = JobCatalog.job(id: jobID)!.domain.rawValue
    let started = finishedAt.addingTimeInterval(-(durationMS ?? 0) / 1000)
    try await db.execute(
        """
        INSERT INTO job_runs (run_id, job_id, domain, trigger, scheduled_for, status, error, instance,
                              queued_at, started_at, finished_at, duration_ms)
        VALUES ($1, $2, $3, $4, $5, $6, $7, 'test', $5, $5, $8, $9)
        """, [runID, jobID, domain, trigger.rawValue, started, status.rawValue, error, finishedAt, durationMS])
    return runID
}

/// `2026-01-09T06:00:00+08:00` and friends.
func instant(_ text: String) -> Date { RFC3339.parse(text)! }

/// Polls `body` until it returns true or `timeout` seconds pass.
func eventually(timeout: Double = 10, _ body: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await body() { return true }
        try? await Task.sleep(nanoseconds: 50_000_000)
    }
    return try await body()
}
