import Logging
import PMSBus
import PMSPostgres
import PMSRuntime

/// 销售提醒扫描 (services-receivables-cost.md, sales_reminder_scan), daily 09:00. Notification-only.
/// Each step runs in its own savepoint: a failing step is rolled back and logged, the others still run and
/// commit, and the run is then reported `failed` naming the steps that failed, with every step's counts.
public struct SalesReminderScan: Job {
    public let id = "sales_reminder_scan"
    public var steps: [any SalesReminderStep]

    public init(steps: [any SalesReminderStep] = SalesReminderSteps.all()) { self.steps = steps }

    public func run(in context: JobContext) async throws -> RunResult {
        var result = RunResult(unrouted: 0)
        var details: [String: JSONValue] = [:]
        var failures: [String] = []
        for (index, step) in steps.enumerated() {
            do {
                let counts = try await context.connection.savepoint("sales_step_\(index)") { _ in
                    try await step.run(in: context)
                }
                result.checked += counts.checked
                result.created += counts.notifications.created
                result.notified += counts.notifications.notified
                result.skipped += counts.notifications.duplicates + counts.notifications.inactive
                result.unrouted = (result.unrouted ?? 0) + counts.unrouted
                details[step.name] = .object([
                    "checked": .number(Double(counts.checked)), "created": .number(Double(counts.notifications.created)),
                    "skipped": .number(Double(counts.notifications.duplicates + counts.notifications.inactive)),
                    "unrouted": .number(Double(counts.unrouted)),
                ])
            } catch {
                context.logger.error("sales reminder step failed; the other steps still run",
                                     metadata: ["event": "step_failed", "step": "\(step.name)", "error": "\(error)"])
                failures.append("\(step.name): \(error)")
                details[step.name] = .object(["error": .string("\(error)")])
            }
        }
        result.details = details
        if !failures.isEmpty {
            throw PartialRunFailure(result: result, reason: "sales reminder steps failed: " + failures.joined(separator: "; "))
        }
        return result
    }
}

/// What one step of the scan did.
public struct SalesReminderStepCounts: Sendable, Equatable {
    /// Items whose condition holds (before recipients and de-duplication).
    public var checked: Int
    /// Items with no active recipient at all (DECISIONS: nobody is a silent fallback).
    public var unrouted: Int
    public var notifications: NotificationOutcome

    public init(checked: Int, unrouted: Int, notifications: NotificationOutcome) {
        self.checked = checked; self.unrouted = unrouted; self.notifications = notifications
    }
}

/// One independent part of the sales reminder scan.
public protocol SalesReminderStep: Sendable {
    /// Stable name, used in logs and as the key of the run result's `details`.
    var name: String { get }
    func run(in context: JobContext) async throws -> SalesReminderStepCounts
}

extension SalesReminderStep {
    /// Every step's one shape. `itemsSQL` is a SELECT of `SalesReminderItems.columns`: one row per (item,
    /// recipient) with the texts built, user_id NULL for an item nobody active can receive. The rows land in a
    /// temp table (the items are read once); unrouted items are counted and logged (DECISIONS: nobody is a
    /// silent fallback), the routed rows go through the shared notification writer.
    func remind(itemsSQL: String, parameters: [any PostgresBindable] = [], item: String,
                in context: JobContext) async throws -> SalesReminderStepCounts {
        let db = context.connection
        try await db.executeScript(SalesReminderItems.createTable)
        try await db.execute(SalesReminderItems.insertPrefix + itemsSQL, parameters)
        guard let row = try await db.query(SalesReminderItems.countsSQL).first else {
            throw JobFailure("\(item) count returned no row")
        }
        let checked = try row.decode(Int.self, "checked")
        let unrouted = try row.decode(Int.self, "unrouted")
        let outcome = try await NotificationWriter().apply(candidatesSQL: SalesReminderItems.candidatesSQL, in: context)
        // items per notification type and per source type (e.g. quote_expiring / quote_expired, lead / opportunity)
        var metadata: Logger.Metadata = ["step": "\(name)", "checked": "\(checked)", "created": "\(outcome.created)"]
        for kind in try await db.query(SalesReminderItems.kindsSQL) {
            metadata[try kind.decode(String.self, "kind")] = "\(try kind.decode(Int.self, "items"))"
        }
        context.logger.info("\(item) reminders", metadata: metadata)
        return SalesReminderStepCounts(checked: checked, unrouted: unrouted, notifications: outcome)
    }
}

/// The temp table every step fills with its items (see `remind`). Each step runs in its own savepoint and
/// re-creates it, so one name serves all.
enum SalesReminderItems {
    /// The columns of a step's `itemsSQL`, in this order. `item_id` identifies the item within its source_type.
    static let columns = """
        item_id, user_id, notification_type, source_type, source_id, title, content, link_url, priority, extra_data,
        dedupe_key, load_order
        """

    static let createTable = """
        DROP TABLE IF EXISTS pg_temp.sales_reminder_items;
        CREATE TEMP TABLE sales_reminder_items (
            item_id bigint NOT NULL, user_id bigint, notification_type text NOT NULL, source_type text NOT NULL,
            source_id bigint, title text, content text, link_url text, priority text, extra_data jsonb,
            dedupe_key text, load_order bigint
        ) ON COMMIT DROP
        """

    static let insertPrefix = "INSERT INTO sales_reminder_items (\(columns))\n"

    static let countsSQL = """
        SELECT count(DISTINCT (source_type, item_id))::int AS checked,
               count(DISTINCT (source_type, item_id)) FILTER (WHERE user_id IS NULL)::int AS unrouted
          FROM sales_reminder_items
        """

    /// The writer's candidates: the routed rows.
    static let candidatesSQL = """
        SELECT user_id, notification_type, source_type, source_id, title, content, link_url, priority, extra_data,
               dedupe_key, load_order
          FROM sales_reminder_items WHERE user_id IS NOT NULL
        """

    static let kindsSQL = """
        SELECT lower(notification_type) AS kind, count(DISTINCT (source_type, item_id))::int AS items
          FROM sales_reminder_items GROUP BY 1
        UNION ALL
        SELECT source_type, count(DISTINCT item_id)::int FROM sales_reminder_items GROUP BY 1
        ORDER BY 1
        """
}
