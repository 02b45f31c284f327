import Foundation
import PMSBus
import PMSRuntime
import PMSTestSupport
import XCTest

/// DECISIONS "Recipients": what reaches no active user is counted, never sent to user 1, and the runner turns
/// every job's `unrouted` count into one warning an operator can find.
final class UnroutedWarningTests: XCTestCase {
    struct Counting: Job {
        let id = "check_overdue_issues"
        let result: RunResult
        func run(in context: JobContext) async throws -> RunResult { result }
    }

    struct PartlyFailing: Job {
        let id = "sales_reminder_scan"
        func run(in context: JobContext) async throws -> RunResult {
            throw PartialRunFailure(result: RunResult(unrouted: 3), reason: "step gate_timeout failed")
        }
    }

    func testARunWithUnroutedItemsWarnsOnceWithTheCount() async throws {
        let (warnings, runner, h) = try await Self.runner()
        let first = await runner.run(Counting(result: RunResult(checked: 4, unrouted: 2)),
                                     tick: JobHarness.tick("check_overdue_issues", at: "2026-01-09T10:00"))
        XCTAssertSucceeded(first)
        XCTAssertEqual(warnings.lines(at: .warning, omitting: ["event"]), ["run left items without any active recipient count=2"])

        let partial = await runner.run(PartlyFailing(), tick: JobHarness.tick("sales_reminder_scan", at: "2026-01-09T09:00"))
        XCTAssertEqual(partial, .failed("step gate_timeout failed"))
        XCTAssertEqual(warnings.lines(at: .warning, omitting: ["event"]), ["run left items without any active recipient count=2",
                                        "run left items without any active recipient count=3"])
        await h.close()
    }

    func testNoWarningWhenEverythingWasRoutedOrTheJobDoesNotCount() async throws {
        let (warnings, runner, h) = try await Self.runner()
        for result in [RunResult(checked: 4, unrouted: 0), RunResult(checked: 4)] {
            let outcome = await runner.run(Counting(result: result),
                                           tick: JobHarness.tick("check_overdue_issues", at: "2026-01-09T10:00"))
            XCTAssertSucceeded(outcome)
        }
        XCTAssertEqual(warnings.lines(at: .warning, omitting: ["event"]), [])
        await h.close()
    }

    private static func runner() async throws -> (CapturedLogs, JobRunner, JobHarness) {
        let h = try await JobHarness.make(domain: .issues)
        let warnings = CapturedLogs()
        let runner = JobRunner(domain: .issues, instance: "test", pool: h.pool, topics: Topics(),
                               timeZone: JobHarness.zone, logger: warnings.logger())
        return (warnings, runner, h)
    }
}
