import Foundation
import PMSBus
import PMSPostgres

/// What one `NotificationWriter.apply` did.
public struct NotificationOutcome: Sendable, Equatable {
    /// Rows the candidate query produced (before dropping inactive users and duplicates).
    public var candidates = 0
    /// Rows dropped because their user is inactive or unknown.
    public var inactive = 0
    /// New `notifications` rows (each also published on `<prefix>/inbox/<user_id>`).
    public var created = 0
    /// Candidates whose `dedupe_key` already existed (an earlier run, another job, or the same key twice).
    public var duplicates = 0
    /// Distinct users who got at least one new row.
    public var notified = 0

    public init() {}
}

/// The one way reminder jobs write in-app notifications (DATA-MODEL §3.1, §4.3): one row per `dedupe_key`
/// (`ON CONFLICT DO NOTHING`, so a re-run, a redelivered tick or another job with the same key adds
/// nothing), inactive users never receive anything, and every new row is published on the user's inbox
/// topic through the outbox, in the run's transaction. Set-based: one temp table, two statements.
public struct NotificationWriter: Sendable {
    public init() {}

    /// `candidatesSQL` is a SELECT with exactly these columns in this order: user_id (bigint),
    /// notification_type, source_type, source_id (bigint), title, content, link_url, priority,
    /// extra_data (jsonb), dedupe_key, load_order (bigint: insertion order, so ids follow the spec's order).
    public func apply(candidatesSQL: String, parameters: [any PostgresBindable] = [],
                      in context: JobContext) async throws -> NotificationOutcome {
        let db = context.connection
        try await db.executeScript(Self.createCandidates)
        try await db.execute(Self.insertCandidatesPrefix + candidatesSQL, parameters)
        guard let row = try await db.query(
            Self.insertAndPublish, [context.now, context.topics.prefix, context.domain.rawValue]).first else {
            throw JobFailure("notification writer returned no row")
        }
        var outcome = NotificationOutcome()
        outcome.candidates = try row.decode(Int.self, "candidates")
        outcome.inactive = try row.decode(Int.self, "inactive")
        outcome.created = try row.decode(Int.self, "created")
        outcome.notified = try row.decode(Int.self, "notified")
        outcome.duplicates = outcome.candidates - outcome.inactive - outcome.created
        return outcome
    }

    static let createCandidates = """
        DROP TABLE IF EXISTS pg_temp.notification_candidates;
        CREATE TEMP TABLE notification_candidates (
            user_id bigint, notification_type text NOT NULL, source_type text, source_id bigint,
            title text NOT NULL, content text, link_url text, priority text NOT NULL, extra_data jsonb,
            dedupe_key text NOT NULL, load_order bigint NOT NULL
        ) ON COMMIT DROP
        """

    static let insertCandidatesPrefix = """
        INSERT INTO notification_candidates (user_id, notification_type, source_type, source_id, title, content,
            link_url, priority, extra_data, dedupe_key, load_order)

        """

    /// $1 run's now, $2 topic prefix, $3 producer (the domain).
    static let insertAndPublish = """
        WITH deliverable AS (
            SELECT c.* FROM notification_candidates c JOIN users u ON u.id = c.user_id AND u.is_active
        ), inserted AS (
            INSERT INTO notifications (user_id, notification_type, source_type, source_id, title, content, link_url,
                priority, extra_data, is_read, dedupe_key, created_at)
            SELECT f.user_id, f.notification_type, f.source_type, f.source_id, left(f.title, 200), f.content,
                   f.link_url, f.priority, f.extra_data, false, f.dedupe_key, $1
              FROM (SELECT DISTINCT ON (d.dedupe_key) d.* FROM deliverable d ORDER BY d.dedupe_key, d.load_order) f
             ORDER BY f.load_order, f.dedupe_key
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING *
        ), published AS (
            INSERT INTO outbox (producer, topic, payload, qos)
            SELECT $3, $2 || '/inbox/' || i.user_id,
                   jsonb_build_object('notification_id', i.id, 'user_id', i.user_id,
                       'notification_type', i.notification_type, 'title', i.title, 'content', i.content,
                       'link_url', i.link_url, 'priority', i.priority, 'source_type', i.source_type,
                       'source_id', i.source_id,
                       'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), 1
              FROM inserted i ORDER BY i.id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM notification_candidates)::int AS candidates,
               ((SELECT count(*) FROM notification_candidates) - (SELECT count(*) FROM deliverable))::int AS inactive,
               (SELECT count(*) FROM inserted)::int AS created,
               (SELECT count(DISTINCT user_id) FROM inserted)::int AS notified,
               (SELECT count(*) FROM published)::int AS published
        """
}
