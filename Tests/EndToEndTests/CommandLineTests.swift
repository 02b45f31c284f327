import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ShortageService
import XCTest

/// The executables as an operator runs them: pmsctl's subcommands and the services' flags.
final class CommandLineTests: XCTestCase {
    func run(_ name: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extra) { $1 }
        return try runCommand(try builtExecutable(name), arguments, environment: environment)
    }

    func testMigrateIsSafeToRunTwiceAndSeedLoadsTheDemoOnce() async throws {
        let name = try PostgresTestServer.shared.createFreshDatabase(prefix: "cli")
        let url = PostgresTestServer.shared.url(database: name)
        let env = ["PMS_DATABASE_URL": url]
        let first = try run("pmsctl", ["migrate"], environment: env)
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertTrue(first.output.contains("applied 19 migration(s): 0001_organisation"), first.output)
        let second = try run("pmsctl", ["migrate"], environment: env)
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertTrue(second.output.contains("schema is current (nothing to apply)"), second.output)

        let seed = try run("pmsctl", ["seed", "--scale", "1", "--anchor", "2026-01-09", "--database-url", url])
        XCTAssertEqual(seed.status, 0, seed.output)
        XCTAssertTrue(seed.output.contains("seeded scale 1 anchored at 2026-01-09"), seed.output)
        let again = try run("pmsctl", ["seed", "--scale", "1", "--anchor", "2026-01-09"], environment: env)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.output.contains("demo data already present"), again.output)

        let db = PostgresConnection(url: url, logger: testLogger())
        try await db.connect()
        defer { db.close() }
        let projects = try await db.query("SELECT count(*)::int AS n FROM projects").first?.decode(Int.self, "n")
        XCTAssertEqual(projects, 10, "scale 1 is 10 projects")

        // The demo is made to alert on its anchor day.
        let pool = PostgresPool(url: url, size: 1, logger: testLogger())
        let runner = JobRunner(domain: .shortage, instance: "cli", pool: pool, topics: Topics(),
                               timeZone: TimeZone(identifier: "Asia/Shanghai")!, logger: testLogger())
        for job in [GenerateShortageAlerts(), DailyKitCheck()] as [any Job] {
            let tick = TickMessage(runID: UUID(), jobID: job.id, scheduledFor: RFC3339.parse("2026-01-09T07:00:00+08:00")!, trigger: .manual)
            guard case .succeeded(let result) = await runner.run(job, tick: tick) else { return XCTFail("\(job.id) failed") }
            XCTAssertGreaterThan(result.created, 0, "\(job.id) raises alerts on the demo data")
        }
        await pool.close()
    }

    func testJobsListsTheWholeCatalog() throws {
        let jobs = try run("pmsctl", ["jobs", "--time-zone", "Asia/Shanghai"])
        XCTAssertEqual(jobs.status, 0, jobs.output)
        let lines = jobs.output.split(separator: "\n")
        XCTAssertEqual(lines.count, 38, "a header and 37 jobs")
        XCTAssertTrue(lines.contains { $0.hasPrefix("generate_shortage_alerts") && $0.contains("0 7 * * *") && $0.contains("缺料预警生成") })
    }

    func testTriggerRejectsAnUnknownJobAndABadAsOf() throws {
        let unknown = try run("pmsctl", ["trigger", "no_such_job"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.output.contains("unknown job 'no_such_job'"), unknown.output)
        let badDate = try run("pmsctl", ["trigger", "daily_kit_check", "--as-of", "tomorrow"])
        XCTAssertNotEqual(badDate.status, 0)
        XCTAssertTrue(badDate.output.contains("--as-of"), badDate.output)
    }

    func testTriggerPublishesTheManualRunRequest() async throws {
        let prefix = "cli\(UUID().uuidString.prefix(6))/pms/v1"
        let observer = try await BusObserver(brokerURL: MosquittoTestServer.shared.url, filter: prefix + "/trigger/#")
        let sent = try run("pmsctl", ["trigger", "generate_shortage_alerts", "--as-of", "2026-01-09", "--requested-by", "alice",
                                      "--mqtt-url", MosquittoTestServer.shared.url, "--topic-prefix", prefix])
        XCTAssertEqual(sent.status, 0, sent.output)
        let seen = await observer.waitFor { !$0.isEmpty }
        XCTAssertEqual(seen.map(\.topic), ["\(prefix)/trigger/generate_shortage_alerts"])
        let request = try BusCoding.decode(TriggerRequest.self, from: seen[0].payload)
        XCTAssertEqual(request, TriggerRequest(requestedBy: "alice", params: ["as_of": .string("2026-01-09")]))
        await observer.close()
    }

    func testServicesExplainTheirFlagsAndRejectBadOnes() throws {
        for service in ["pms-scheduler", "pms-shortage", "pms-progress", "pms-receivables", "pms-issues", "pms-production",
                        "pms-cost", "pms-notifications", "pms-metrics", "pmsctl"] {
            let help = try run(service, ["--help"])
            XCTAssertEqual(help.status, 0, "\(service): \(help.output)")
            if service != "pmsctl" {
                for flag in ["--mqtt-url", "PMS_MQTT_URL", "--database-url", "PMS_DATABASE_URL", "--topic-prefix", "--time-zone", "--log-level"] {
                    XCTAssertTrue(help.output.contains(flag), "\(service) --help lacks \(flag)")
                }
            }
        }
        let badZone = try run("pms-shortage", ["--time-zone", "Mars/Olympus"])
        XCTAssertNotEqual(badZone.status, 0)
        XCTAssertTrue(badZone.output.contains("unknown time zone 'Mars/Olympus'"), badZone.output)
    }
}
