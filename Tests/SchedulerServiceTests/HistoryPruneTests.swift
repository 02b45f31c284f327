import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import SchedulerService
import XCTest

final class HistoryPruneTests: XCTestCase {
    /// Run history older than the retention (90 days by default) goes, with its run-id records and old
    /// published outbox rows; recent history and unpublished events stay.
    func testOldHistoryIsPrunedAndRecentHistoryKept() async throws {
        let (url, db) = try await TestDatabase.connect()
        defer { db.close() }
        let now = RFC3339.parse("2026-04-10T12:00:00+08:00")!
        try await db.executeScript("""
            INSERT INTO job_runs (run_id, job_id, domain, trigger, scheduled_for, status, created_at) VALUES
              ('00000000-0000-0000-0000-000000000001', 'daily_kit_check', 'shortage', 'cron', '2026-01-01T06:00:00+08:00', 'succeeded', '2026-01-01T06:00:00+08:00'),
              ('00000000-0000-0000-0000-000000000002', 'daily_kit_check', 'shortage', 'cron', '2026-04-01T06:00:00+08:00', 'succeeded', '2026-04-01T06:00:00+08:00');
            INSERT INTO executed_runs (run_id, job_id, scheduled_for, created_at) VALUES
              ('00000000-0000-0000-0000-000000000001', 'daily_kit_check', '2026-01-01T06:00:00+08:00', '2026-01-01T06:00:00+08:00'),
              ('00000000-0000-0000-0000-000000000002', 'daily_kit_check', '2026-04-01T06:00:00+08:00', '2026-04-01T06:00:00+08:00');
            INSERT INTO outbox (producer, topic, payload, published_at) VALUES
              ('shortage', 'pms/v1/run/x/succeeded', '{}', '2026-03-01T00:00:00Z'),
              ('shortage', 'pms/v1/run/x/succeeded', '{}', '2026-04-09T00:00:00Z'),
              ('shortage', 'pms/v1/run/x/succeeded', '{}', NULL);
            """)
        let pool = PostgresPool(url: url, size: 1, logger: testLogger())
        let dispatcher = TickDispatcher(pool: pool, topics: Topics(), timeZone: TimeZone(identifier: "Asia/Shanghai")!,
                                        instance: "s1", logger: testLogger(), clock: ManualClock(now))
        try await RunSupervisor(dispatcher: dispatcher, policy: SchedulerPolicy(), logger: testLogger()).pass(now: now)
        let runs = try await db.query("SELECT run_id FROM job_runs").map { $0["run_id"]! }
        XCTAssertEqual(runs, ["00000000-0000-0000-0000-000000000002"])
        let executed = try await db.query("SELECT run_id FROM executed_runs").map { $0["run_id"]! }
        XCTAssertEqual(executed, ["00000000-0000-0000-0000-000000000002"])
        let outbox = try await db.query("SELECT count(*)::int AS n FROM outbox").first?.decode(Int.self, "n")
        XCTAssertEqual(outbox, 2, "the recent published row and the unpublished one stay")
        await pool.close()
    }
}
