import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest

/// The shared in-app notification insert: one row per dedupe key, inactive users dropped, each new row
/// published on the user's inbox topic in the run's transaction.
final class NotificationWriterTests: XCTestCase {
    var h: JobHarness!

    /// Writes the given candidates (user, key) as PAYMENT_OVERDUE reminders; remembers the last outcome.
    struct Reminders: Job {
        let id = "sales_reminder_scan"
        let candidates: [(user: Int, key: String)]
        let outcome = OutcomeBox()

        func run(in context: JobContext) async throws -> RunResult {
            let values = candidates.enumerated().map { index, c in
                "(\(c.user)::bigint, 'PAYMENT_OVERDUE', 'payment_plan', 7::bigint, '收款已逾期：首付款（7天）', '内容', "
                    + "'/projects/1/payment-plans', 'HIGH', '{\"overdue_days\": 7}'::jsonb, '\(c.key)', \(index)::bigint)"
            }.joined(separator: ", ")
            let result = try await NotificationWriter().apply(candidatesSQL: "VALUES \(values)", in: context)
            outcome.set(result)
            return RunResult(created: result.created, notified: result.notified, skipped: result.duplicates)
        }
    }

    final class OutcomeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value: NotificationOutcome?
        func set(_ v: NotificationOutcome) { lock.withLock { value = v } }
        var last: NotificationOutcome? { lock.withLock { value } }
    }

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .receivables)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES (2, 'sales2', true), (3, 'pm3', true), (9, 'gone9', false);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func testWritesOneRowPerKeyDropsInactiveUsersAndPublishesEachNewRow() async throws {
        let job = Reminders(candidates: [(2, "K|2"), (3, "K|3"), (9, "K|9"), (2, "K|2")])
        XCTAssertSucceeded(await h.run(job, at: "2026-01-09T09:00"))
        XCTAssertEqual(job.outcome.last?.candidates, 4)
        XCTAssertEqual(job.outcome.last?.inactive, 1)
        XCTAssertEqual(job.outcome.last?.created, 2)
        XCTAssertEqual(job.outcome.last?.duplicates, 1)
        XCTAssertEqual(job.outcome.last?.notified, 2)

        let rows = try await h.rows("""
            SELECT user_id, notification_type, source_type, source_id, title, priority, dedupe_key, is_read,
                   extra_data::text AS extra, created_at = '2026-01-09T09:00:00+08:00'::timestamptz AS at_now
              FROM notifications ORDER BY id
            """)
        XCTAssertEqual(rows.map { "\($0["user_id"]!) \($0["dedupe_key"]!)" }, ["2 K|2", "3 K|3"])
        XCTAssertEqual(rows.first?["title"]?.description, "收款已逾期：首付款（7天）")
        XCTAssertEqual(rows.first?["priority"]?.description, "HIGH")
        XCTAssertEqual(rows.first?["extra"]?.description, #"{"overdue_days": 7}"#)
        XCTAssertEqual(try rows.first?.decode(Bool.self, "at_now"), true)
        XCTAssertEqual(try rows.first?.decode(Bool.self, "is_read"), false)

        let inbox = try await h.rows("SELECT topic, payload->>'title' AS title FROM outbox WHERE topic LIKE '%/inbox/%' ORDER BY id")
        XCTAssertEqual(inbox.map { $0["topic"]!.description }, ["pms/v1/inbox/2", "pms/v1/inbox/3"])
        XCTAssertEqual(inbox.first?["title"]?.description, "收款已逾期：首付款（7天）")
    }

    func testAKeyThatExistsAlreadyAddsNothing() async throws {
        XCTAssertSucceeded(await h.run(Reminders(candidates: [(2, "K|2")]), at: "2026-01-09T09:00"))
        let again = Reminders(candidates: [(2, "K|2"), (3, "K|3")])
        XCTAssertSucceeded(await h.run(again, at: "2026-01-09T11:00"))
        XCTAssertEqual(again.outcome.last?.created, 1)
        XCTAssertEqual(again.outcome.last?.duplicates, 1)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 2)
        let published = try await h.count("SELECT 1 FROM outbox WHERE topic LIKE '%/inbox/%'")
        XCTAssertEqual(published, 2)
    }
}
