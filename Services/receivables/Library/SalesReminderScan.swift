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
    /// What every step does once it has counted its items (a row with `checked` and `unrouted`): warn about the
    /// items nobody active can receive (DECISIONS: nobody is a silent fallback), then write the reminders
    /// through the shared notification writer.
    func write(counted row: PostgresRow, item: String, candidatesSQL: String, parameters: [any PostgresBindable] = [],
               in context: JobContext) async throws -> SalesReminderStepCounts {
        let checked = try row.decode(Int.self, "checked")
        let unrouted = try row.decode(Int.self, "unrouted")
        if unrouted > 0 {
            context.logger.warning("\(item) without recipient",
                                   metadata: ["event": "unrouted", "step": "\(name)", "count": "\(unrouted)"])
        }
        let outcome = try await NotificationWriter().apply(candidatesSQL: candidatesSQL, parameters: parameters, in: context)
        return SalesReminderStepCounts(checked: checked, unrouted: unrouted, notifications: outcome)
    }
}

/// The temp table a step fills with its items, one row per (item, recipient), texts already built; a row
/// with user_id NULL is an item nobody active can receive (unrouted).
enum SalesReminderItems {
    static func createTable(_ name: String) -> String {
        """
        DROP TABLE IF EXISTS pg_temp.\(name);
        CREATE TEMP TABLE \(name) (
            item_id bigint NOT NULL, user_id bigint, notification_type text, source_type text, source_id bigint,
            title text, content text, link_url text, priority text, extra_data jsonb, dedupe_key text,
            load_order bigint
        ) ON COMMIT DROP
        """
    }
}
