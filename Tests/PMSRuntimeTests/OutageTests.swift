import Foundation
import PMSBus
import PMSCore
import PMSMQTT
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest

/// A job that writes one event of its own through the outbox, for runtime tests.
struct EchoJob: Job {
    let id = "generate_shortage_alerts"
    func run(in context: JobContext) async throws -> RunResult {
        try await context.outbox.enqueue(topic: context.topics.errors(service: "echo"),
                                         message: ["day": context.today.description])
        return RunResult(checked: 1, note: "echo")
    }
}

final class OutageTests: XCTestCase {
    func runtime(broker: String, database: String, topics: Topics) -> ServiceRuntime {
        ServiceRuntime(configuration: ServiceConfiguration(
            service: "shortage", instance: "outage", mqttURL: broker, databaseURL: database, topics: topics,
            timeZone: TimeZone(identifier: "Asia/Shanghai")!, logLevel: .critical))
    }

    func tick(_ topics: Topics) throws -> String {
        let tick = TickMessage(runID: UUID(), jobID: "generate_shortage_alerts",
                               scheduledFor: RFC3339.parse("2026-01-09T07:00:00+08:00")!, trigger: .cron)
        return String(decoding: try BusCoding.encode(tick), as: UTF8.self)
    }

    /// Events committed while the broker is down are published, in order, once it is back.
    func testOutboxDeliversWhatWasCommittedWhileTheBrokerWasDown() async throws {
        let broker = try MosquittoTestServer.start()
        defer { try? broker.stop() }
        let url = try await TestDatabase.make()
        let topics = Topics(prefix: "outage/pms/v1")
        let runtime = runtime(broker: broker.url, database: url, topics: topics)
        let service = DomainService(runtime: runtime, domain: .shortage, jobs: [EchoJob()])
        let task = Task { try? await service.run() }
        // A persistent observer session: the broker keeps its messages while it is away.
        let observer = try await BusObserver(brokerURL: broker.url, filter: "outage/#", clientID: "outage-observer", cleanSession: false)
        let value1 = await runtime.mqtt.waitUntilConnected(timeout: 10)
        XCTAssertTrue(value1)

        try broker.stop()
        // The broker is down: run the job directly (as a tick would); its events wait in the outbox.
        let outcome = await service.ticks.runner.run(EchoJob(), tick: TickMessage(
            runID: UUID(), jobID: "generate_shortage_alerts", scheduledFor: RFC3339.parse("2026-01-09T07:00:00+08:00")!, trigger: .cron))
        guard case .succeeded = outcome else { return XCTFail("run failed: \(outcome)") }
        service.loop.relay?.nudge()
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let db = PostgresConnection(url: url, logger: testLogger())
        try await db.connect()
        let waiting = try await db.query("SELECT topic FROM outbox WHERE published_at IS NULL ORDER BY id").map { $0["topic"]! }
        XCTAssertEqual(waiting, ["outage/pms/v1/run/generate_shortage_alerts/started", "outage/pms/v1/errors/echo",
                                 "outage/pms/v1/run/generate_shortage_alerts/succeeded"])

        try broker.restart()
        let seen = await observer.waitFor(timeout: 30) { messages in
            messages.contains { $0.topic == "outage/pms/v1/run/generate_shortage_alerts/succeeded" }
        }
        let delivered = seen.map(\.topic).filter { $0.hasPrefix("outage/pms/v1/run/") || $0.hasPrefix("outage/pms/v1/errors/") }
        XCTAssertEqual(delivered, waiting, "every event, once, in commit order")
        let left = try await db.query("SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL").first?.decode(Int.self, "n")
        XCTAssertEqual(left, 0)
        db.close()
        await observer.close()
        task.cancel()
        await runtime.stop()
    }

    /// With the database down a tick fails, the failure still reaches the bus, and the service keeps
    /// running: once the database is back the next tick succeeds.
    func testDatabaseOutageFailsTheRunWithItsReasonAndTheServiceRecovers() async throws {
        let postgres = try PostgresTestServer.start()
        defer { postgres.destroy() }
        let name = try postgres.createFreshDatabase()
        let setup = PostgresConnection(url: postgres.url(database: name), logger: testLogger())
        try await setup.connect()
        try await MigrationsFixture.migrate(setup)
        setup.close()

        let topics = Topics(prefix: "dbdown/pms/v1")
        let runtime = runtime(broker: MosquittoTestServer.shared.url, database: postgres.url(database: name), topics: topics)
        let service = DomainService(runtime: runtime, domain: .shortage, jobs: [EchoJob()])
        let task = Task { try? await service.run() }
        let observer = try await BusObserver(brokerURL: MosquittoTestServer.shared.url, filter: "dbdown/#")
        let value2 = await runtime.mqtt.waitUntilConnected(timeout: 10)
        XCTAssertTrue(value2)
        try await Task.sleep(nanoseconds: 300_000_000)

        try postgres.stop()
        try await observer.publish(topics.tick(domain: .shortage, jobID: "generate_shortage_alerts"), try tick(topics))
        let failed = await observer.waitFor(timeout: 20) { $0.contains { $0.topic.hasSuffix("/run/generate_shortage_alerts/failed") } }
            .filter { $0.topic.hasSuffix("/failed") }
        XCTAssertEqual(failed.count, 1)
        let event = try BusCoding.decode(RunEvent.self, from: failed[0].payload)
        XCTAssertTrue(event.error?.hasPrefix("database unavailable") == true, event.error ?? "no reason")

        try postgres.restart()
        try await observer.publish(topics.tick(domain: .shortage, jobID: "generate_shortage_alerts"), try tick(topics))
        let succeeded = await observer.waitFor(timeout: 20) { $0.contains { $0.topic.hasSuffix("/run/generate_shortage_alerts/succeeded") } }
        XCTAssertEqual(succeeded.filter { $0.topic.hasSuffix("/succeeded") }.count, 1)
        await observer.close()
        task.cancel()
        await runtime.stop()
    }
}
