import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest

/// A job whose independent parts ran separately keeps what worked and is still reported as failed.
final class PartialRunFailureTests: XCTestCase {
    struct HalfWorking: Job {
        let id = "sales_reminder_scan"
        func run(in context: JobContext) async throws -> RunResult {
            try await context.connection.execute("INSERT INTO users (id, username, is_active) VALUES (2, 'kept', true)")
            do {
                try await context.connection.savepoint("broken_part") { db in
                    try await db.execute("INSERT INTO users (id, username, is_active) VALUES (3, 'rolled back', true)")
                    try await db.execute("SELECT no_such_column FROM users")
                }
            } catch {
                throw PartialRunFailure(result: RunResult(checked: 2, created: 1), reason: "step broken_part failed")
            }
            return RunResult()
        }
    }

    func testTheWorkingPartCommitsAndTheRunIsReportedFailedWithItsCounts() async throws {
        let h = try await JobHarness.make(domain: .receivables)
        let outcome = await h.run(HalfWorking(), at: "2026-01-09T09:00")
        XCTAssertEqual(outcome, .failed("step broken_part failed"))
        let users = try await h.rows("SELECT id FROM users ORDER BY id").map { try $0.decode(Int.self, "id") }
        XCTAssertEqual(users, [2])
        let event = try await h.lastFailure("sales_reminder_scan")
        XCTAssertEqual(event?.error, "step broken_part failed")
        XCTAssertEqual(event?.result, RunResult(checked: 2, created: 1))
        let succeeded = try await h.lastResult("sales_reminder_scan")
        XCTAssertNil(succeeded)
        let ran = try await h.count("SELECT 1 FROM executed_runs")
        XCTAssertEqual(ran, 1, "the run id is recorded, so a redelivered tick does not run the working part again")
        await h.close()
    }
}
