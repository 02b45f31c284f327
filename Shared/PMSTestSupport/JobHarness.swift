import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime
import XCTest

/// Runs a domain's jobs through the real job runtime against a fresh, migrated database (no broker needed:
/// the events land in the outbox, which is what the tests read).
public final class JobHarness: Sendable {
    public let url: String
    public let db: PostgresConnection
    public let pool: PostgresPool
    public let runner: JobRunner
    public static let zone = TimeZone(identifier: "Asia/Shanghai")!

    private init(url: String, db: PostgresConnection, domain: Domain) {
        self.url = url
        self.db = db
        self.pool = PostgresPool(url: url, size: 2, logger: testLogger())
        self.runner = JobRunner(domain: domain, instance: "test", pool: pool, topics: Topics(),
                                timeZone: Self.zone, logger: testLogger())
    }

    public static func make(domain: Domain) async throws -> JobHarness {
        let (url, db) = try await TestDatabase.connect()
        return JobHarness(url: url, db: db, domain: domain)
    }

    public func close() async {
        await pool.close()
        db.close()
    }

    /// A tick as the scheduler sends it; `at` is a Shanghai local time such as "2026-01-09T07:00".
    /// `params` as a manual trigger carries them (e.g. `["year": 2026, "month": 1]`).
    public static func tick(_ jobID: String, at local: String, runID: UUID = UUID(),
                            params: [String: JSONValue]? = nil) -> TickMessage {
        TickMessage(runID: runID, jobID: jobID, scheduledFor: try! AsOf.parse(local, timeZone: zone),
                    trigger: params == nil ? .cron : .manual, params: params)
    }

    @discardableResult
    public func run(_ job: any Job, at local: String, runID: UUID = UUID(),
                    params: [String: JSONValue]? = nil) async -> JobRunner.Outcome {
        await runner.run(job, tick: Self.tick(job.id, at: local, runID: runID, params: params))
    }

    public func exec(_ sql: String) async throws { try await db.executeScript(sql) }

    public func rows(_ sql: String, _ parameters: [any PostgresBindable] = []) async throws -> [PostgresRow] {
        try await db.query(sql, parameters)
    }

    public func count(_ sql: String) async throws -> Int {
        try await db.query("SELECT count(*)::int AS n FROM (\(sql)) q").first!.decode(Int.self, "n")
    }

    /// Every alert record by `alert_no`, with the columns an alert test checks: its rule's code, `alert_data`
    /// as text, and `ended` ("t" once `handle_end_at` is set).
    public func alertRecords() async throws -> [PostgresRow] {
        try await rows("""
            SELECT a.alert_no, a.rule_id, r.rule_code, a.target_type, a.target_id, a.target_no, a.target_name,
                   a.project_id, a.machine_id, a.alert_level, a.alert_title, a.alert_content,
                   a.alert_data::text AS alert_data, a.trigger_value, a.threshold_value, a.status, a.handle_result,
                   a.dedup_key, a.handle_end_at IS NOT NULL AS ended
              FROM alert_records a JOIN alert_rules r ON r.id = a.rule_id ORDER BY a.alert_no
            """)
    }

    /// In-app notifications in insertion order: every column a reminder test checks, `extra_data` as text
    /// in `extra`, `created_at` as Shanghai local "yyyy-MM-dd HH:mm" in `created`.
    public func notifications() async throws -> [PostgresRow] {
        try await rows("""
            SELECT user_id, notification_type, source_type, source_id, title, content, link_url, priority, is_read,
                   dedupe_key, extra_data::text AS extra,
                   to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS created
              FROM notifications ORDER BY id
            """)
    }

    /// Whether the notification with this `dedupe_key` carries exactly this `extra_data` (compared as jsonb,
    /// so key order does not matter).
    public func extraDataMatches(_ json: String, dedupe: String) async throws -> Bool {
        let row = try await rows("SELECT extra_data = $1::jsonb AS same FROM notifications WHERE dedupe_key = $2",
                                 [json, dedupe])
        return row.first?["same"] == "t"
    }

    /// The inbox messages of the outbox as "producer topic", in publish order.
    public func inboxMessages() async throws -> [String] {
        try await rows("SELECT producer, topic FROM outbox WHERE topic LIKE 'pms/v1/inbox/%' ORDER BY id")
            .map { "\($0["producer"]!) \($0["topic"]!)" }
    }

    /// Alert events of the outbox, as (topic, decoded message), in publish order.
    public func alertEvents() async throws -> [(topic: String, alert: AlertMessage)] {
        try await rows("SELECT topic, payload::text AS payload FROM outbox WHERE topic LIKE 'pms/v1/alert/%' ORDER BY id").map {
            (try $0.decode(String.self, "topic"),
             try BusCoding.decode(AlertMessage.self, from: Array(try $0.decode(String.self, "payload").utf8)))
        }
    }

    /// Every stored alert recipient as "user_id:reason", by alert then user.
    public func recipients() async throws -> [String] {
        try await rows("SELECT user_id, reason FROM alert_recipients ORDER BY alert_id, user_id")
            .map { "\($0["user_id"]!):\($0["reason"]!)" }
    }

    /// The result counts of the last succeeded run event of a job in the outbox.
    public func lastResult(_ jobID: String) async throws -> RunResult? {
        guard let row = try await rows(
            "SELECT payload::text AS payload FROM outbox WHERE topic = $1 ORDER BY id DESC LIMIT 1",
            ["pms/v1/run/\(jobID)/succeeded"]).first else { return nil }
        return try BusCoding.decode(RunEvent.self, from: Array(try row.decode(String.self, "payload").utf8)).result
    }

    /// The last failed run event of a job in the outbox (its `error` and, for a partial failure, its counts).
    public func lastFailure(_ jobID: String) async throws -> RunEvent? {
        guard let row = try await rows(
            "SELECT payload::text AS payload FROM outbox WHERE topic = $1 ORDER BY id DESC LIMIT 1",
            ["pms/v1/run/\(jobID)/failed"]).first else { return nil }
        return try BusCoding.decode(RunEvent.self, from: Array(try row.decode(String.self, "payload").utf8))
    }
}

public func XCTAssertSucceeded(_ outcome: JobRunner.Outcome, file: StaticString = #filePath, line: UInt = #line) {
    if case .succeeded = outcome { return }
    XCTFail("expected a succeeded run, got \(outcome)", file: file, line: line)
}
