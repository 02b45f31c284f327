import Foundation
import PMSBus
import PMSCatalog
import PMSPostgres
import PMSTestSupport
import SchedulerService
import XCTest

final class TickDispatcherTests: XCTestCase {
    func testACronTickQueuesTheRunAndUpdatesTheJobStateInOneTransaction() async throws {
        let (url, db) = try await TestDatabase.connect()
        defer { db.close() }
        let pool = PostgresPool(url: url, size: 1, logger: testLogger())
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        let dispatcher = TickDispatcher(pool: pool, topics: Topics(), timeZone: zone, instance: "s1", logger: testLogger())
        let job = JobCatalog.job(id: "generate_shortage_alerts")!
        let slot = RFC3339.parse("2026-01-09T07:00:00+08:00")!, next = RFC3339.parse("2026-01-10T07:00:00+08:00")!
        let tick = try await dispatcher.dispatch(job, scheduledFor: slot, trigger: .cron, nextFireAt: next)

        let run = try await db.query("SELECT run_id, job_id, domain, trigger, attempt, status, scheduled_for = $1 AS at_slot FROM job_runs", [slot])
        XCTAssertEqual(run.map { "\($0["job_id"]!) \($0["domain"]!) \($0["trigger"]!) \($0["attempt"]!) \($0["status"]!) \($0["at_slot"]!)" },
                       ["generate_shortage_alerts shortage cron 1 queued t"])
        XCTAssertEqual(run.first?["run_id"], tick.runID.uuidString.lowercased())
        let state = try await db.query("""
            SELECT last_scheduled_for = $1 AS last_ok, next_fire_at = $2 AS next_ok, last_run_id FROM scheduler_job_state WHERE job_id = 'generate_shortage_alerts'
            """, [slot, next]).first
        XCTAssertEqual(state?["last_ok"], "t")
        XCTAssertEqual(state?["next_ok"], "t")
        let outbox = try await db.query("SELECT producer, topic, payload::text AS payload FROM outbox ORDER BY id")
        XCTAssertEqual(outbox.map { $0["topic"]! }, ["pms/v1/tick/shortage/generate_shortage_alerts", "pms/v1/run/generate_shortage_alerts/queued"])
        XCTAssertEqual(Set(outbox.map { $0["producer"]! }), ["scheduler"])
        let sent = try BusCoding.decode(TickMessage.self, from: Array(outbox[0]["payload"]!.utf8))
        XCTAssertEqual(sent, tick)
        XCTAssertEqual(sent.scheduledFor, slot)
        await pool.close()
    }

    func testAPausedJobReportsDisabled() async throws {
        let (url, db) = try await TestDatabase.connect()
        defer { db.close() }
        try await db.execute("UPDATE scheduler_job_state SET is_enabled = false WHERE job_id = 'daily_kit_check'")
        let pool = PostgresPool(url: url, size: 1, logger: testLogger())
        let dispatcher = TickDispatcher(pool: pool, topics: Topics(), timeZone: .current, instance: "s1", logger: testLogger())
        let paused = try await dispatcher.isEnabled("daily_kit_check")
        let active = try await dispatcher.isEnabled("generate_shortage_alerts")
        XCTAssertFalse(paused)
        XCTAssertTrue(active)
        await pool.close()
    }
}
