import Foundation
import MetricsService
import PMSBus
import PMSCore
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real Prometheus (Debian's package), configured from deploy/prometheus/prometheus.yml, scrapes a
/// live pms-metrics and answers for its metrics and for the recording rule of deploy/prometheus/rules.
final class PrometheusScrapeTests: XCTestCase {
    func testPrometheusScrapesPMSMetricsAndEvaluatesRules() async throws {
        guard let prometheus = requireDeployTool("/usr/bin/prometheus") else { return }
        let metrics = try await DeployMetricsServer.start { db in
            let now = Date()
            for offset in [120.0, 60.0] {
                try await deployInsertRun(db, job: "daily_kit_check", status: .succeeded, finishedAt: now.addingTimeInterval(-offset))
            }
            try await deployInsertRun(db, job: "daily_kit_check", status: .failed, finishedAt: now.addingTimeInterval(-30))
        }
        do { try await scrape(metrics) } catch { await metrics.stop(); throw error }
        await metrics.stop()
    }

    private func scrape(_ metrics: DeployMetricsServer) async throws {
        guard let prometheus = requireDeployTool("/usr/bin/prometheus") else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pms-prom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("rules"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let webPort = try freeLoopbackPort()
        // The shipped config with only the addresses and intervals changed, and the shipped rules beside it.
        let shipped = try String(contentsOfFile: DeployFiles.path("prometheus/prometheus.yml"), encoding: .utf8)
        XCTAssertTrue(shipped.contains("pms-metrics:9464"), "prometheus.yml must target pms-metrics:9464")
        let config = shipped
            .replacingOccurrences(of: "pms-metrics:9464", with: "127.0.0.1:\(metrics.port)")
            .replacingOccurrences(of: "localhost:9090", with: "127.0.0.1:\(webPort)")
            .replacingOccurrences(of: "interval: 15s", with: "interval: 1s")
        try config.write(to: dir.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: DeployFiles.path("prometheus/rules/pms-alerts.yml"),
                                         toPath: dir.appendingPathComponent("rules/pms-alerts.yml").path)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: prometheus)
        process.arguments = ["--config.file=\(dir.path)/prometheus.yml", "--storage.tsdb.path=\(dir.path)/data",
                             "--web.listen-address=127.0.0.1:\(webPort)"]
        let log = dir.appendingPathComponent("prometheus.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
            try? logHandle.close()
        }
        func logText() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        let base = "http://127.0.0.1:\(webPort)"
        let success = try await promWaitForValue(base, #"scheduler_job_success_total{job_id="daily_kit_check"}"#, process)
        XCTAssertEqual(success.value, "2", logText())
        XCTAssertEqual(success.labels["job"], "pms-metrics")
        XCTAssertEqual(success.labels["job_name"], "每日齐套检查")
        let failures = try await promWaitForValue(base, #"scheduler_job_consecutive_failures{job_id="daily_kit_check"}"#, process)
        XCTAssertEqual(failures.value, "1")
        let up = try await promWaitForValue(base, #"up{job="pms-metrics"}"#, process)
        XCTAssertEqual(up.value, "1")
        // The recording rule of the shipped rules, evaluated by the real server: a daily job's period.
        let period = try await promWaitForValue(base, #"pms:job_period_seconds{job_id="daily_kit_check"}"#, process)
        XCTAssertEqual(period.value, "86400", logText())
    }
}

/// Polls `/api/v1/query` until the query has a sample (30 s); its value and labels.
func promWaitForValue(_ base: String, _ query: String, _ process: Process) async throws
    -> (value: String, labels: [String: String]) {
    var components = URLComponents(string: base + "/api/v1/query")!
    components.queryItems = [URLQueryItem(name: "query", value: query)]
    let deadline = Date().addingTimeInterval(30)
    var last = ""
    while Date() < deadline {
        guard process.isRunning else { throw TestServerError("prometheus exited (status \(process.terminationStatus))") }
        if let (data, _) = try? await URLSession.shared.data(from: components.url!) {
            last = String(decoding: data, as: UTF8.self)
            if let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let result = (root["data"] as? [String: Any])?["result"] as? [[String: Any]],
               let first = result.first, let value = first["value"] as? [Any], value.count == 2,
               let text = value[1] as? String {
                return (text, first["metric"] as? [String: String] ?? [:])
            }
        }
        try await Task.sleep(nanoseconds: 250_000_000)
    }
    throw TestServerError("no sample for \(query) within 30 s; last answer: \(last)")
}

/// The path of a required tool, or nil after failing the test with how to install it.
func requireDeployTool(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
    if FileManager.default.isExecutableFile(atPath: path) { return path }
    XCTFail("\(path) not found: run `make deps` (scripts/install-deps.sh) or `apt-get install prometheus`",
            file: file, line: line)
    return nil
}

/// A real pms-metrics on a fresh test database and the shared test broker (own topic prefix), on a free
/// loopback port; `prepare` writes rows first, so the start-up rebuild sees them.
final class DeployMetricsServer: Sendable {
    let db: PostgresConnection
    let port: Int
    let runtime: ServiceRuntime
    private let task: Task<Void, Never>

    static func start(prepare: (PostgresConnection) async throws -> Void = { _ in }) async throws -> DeployMetricsServer {
        let (url, db) = try await TestDatabase.connect()
        try await prepare(db)
        return try await DeployMetricsServer(db: db, databaseURL: url)
    }

    private init(db: PostgresConnection, databaseURL: String) async throws {
        self.db = db
        port = try freeLoopbackPort()
        let topics = Topics(prefix: "d\(UUID().uuidString.prefix(8).lowercased())/pms/v1")
        let runtime = ServiceRuntime(configuration: ServiceConfiguration(
            service: "metrics", instance: "test", mqttURL: MosquittoTestServer.shared.url, databaseURL: databaseURL,
            topics: topics, timeZone: TimeZone(identifier: "Asia/Shanghai")!, logLevel: .critical),
            poolSize: 2, cleanSession: true)
        self.runtime = runtime
        let service = MetricsService(runtime: runtime, httpHost: "127.0.0.1", httpPort: port)
        task = Task { try? await service.run() }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let (_, status) = try? await text("/health"), status == 200 { return }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        task.cancel()
        await runtime.stop()
        db.close()
        throw TestServerError("pms-metrics did not answer /health on port \(port)")
    }

    func text(_ path: String) async throws -> (body: String, status: Int) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return (String(decoding: data, as: UTF8.self), (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    func stop() async {
        task.cancel()
        await runtime.stop()
        db.close()
    }
}

/// A finished `job_runs` row as pms-scheduler writes it (only shortage jobs are used here).
func deployInsertRun(_ db: PostgresConnection, job jobID: String, status: RunEventKind, finishedAt: Date,
                     durationMS: Double = 1500) async throws {
    let started = finishedAt.addingTimeInterval(-durationMS / 1000)
    let error: String? = status == .failed ? "boom" : nil
    try await db.execute(
        """
        INSERT INTO job_runs (run_id, job_id, domain, trigger, scheduled_for, status, error, instance,
                              queued_at, started_at, finished_at, duration_ms)
        VALUES ($1, $2, 'shortage', 'cron', $3, $4, $5, 'test', $3, $3, $6, $7)
        """, [UUID(), jobID, started, status.rawValue, error, finishedAt, durationMS])
}
