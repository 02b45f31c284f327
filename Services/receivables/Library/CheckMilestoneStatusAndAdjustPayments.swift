import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 里程碑状态监控与收款计划调整, hourly at :00 (corrected behaviour). Watermark window: milestones of active,
/// non-archived projects, DELAYED or COMPLETED, with watermark < updated_at <= the run's now (watermark =
/// `scheduler_job_state.last_success_started_at`, NULL → now − 1 h). Their open plans (PENDING, INVOICED,
/// PARTIAL, linked by `milestone_id`) are moved:
/// - COMPLETED: planned_date = actual_date whenever they differ (earlier only when `allowEarlyInvoice`);
/// - DELAYED: to COALESCE(actual_date, planned_date) when the plan is earlier than that.
/// A plan already adjusted automatically for the same (plan, milestone status, milestone date) is skipped, so a
/// manual edit is never overwritten. Each move writes `payment_plan_adjustments`, appends the JSON entry to a
/// remark that is empty or a JSON array (free text is left alone), and sets updated_at. One PAYMENT_ADJUSTMENT
/// notice per milestone and recipient (owners of the adjusted plans' contracts, owner of the project's contract,
/// PM, finance role holders; active users only, each once) through `NotificationWriter`.
/// Failure isolation: the set-based pass runs in a savepoint; if it fails, each milestone is redone in its own
/// savepoint; failing milestones are logged and counted (`skipped`), the run is reported failed with the work
/// that succeeded kept, and the watermark stays put so they are retried next hour. Otherwise the watermark
/// becomes the run's effective now, in the run's transaction.
public struct CheckMilestoneStatusAndAdjustPayments: Job {
    public let id = "check_milestone_status_and_adjust_payments"
    /// Finance roles notified of every adjustment (DATA-MODEL §4.4).
    public var financeRoleCodes = ["FIN", "CFO", "FI", "FINANCE"]
    /// Whether a COMPLETED milestone may pull a plan date earlier (the original's hard-coded true).
    public var allowEarlyInvoice = true

    public init() {}

    struct Counts: Sendable {
        var adjusted = 0, milestones = 0, created = 0, notified = 0, unrouted = 0, duplicates = 0
        static func + (a: Counts, b: Counts) -> Counts {
            Counts(adjusted: a.adjusted + b.adjusted, milestones: a.milestones + b.milestones,
                   created: a.created + b.created, notified: a.notified + b.notified,
                   unrouted: a.unrouted + b.unrouted, duplicates: a.duplicates + b.duplicates)
        }
    }

    public func run(in context: JobContext) async throws -> RunResult {
        let db = context.connection
        // Two runs of this job (cron and a manual trigger) must not interleave around the watermark.
        _ = try await db.query("SELECT pg_advisory_xact_lock($1)", [advisoryLockKey("job:" + id)])
        guard let state = try await db.query(Self.watermarkSQL, [id]).first else {
            throw JobFailure("scheduler_job_state has no row for \(id)")
        }
        let watermark = try state.decode(Date?.self, "last_success_started_at")
        try await db.executeScript(Self.prepareSQL)
        let checked = try await db.execute(Self.windowSQL, [id, context.now])
        // Statistics for the temp table, so the joins below pick the plan-by-milestone index.
        try await db.execute("ANALYZE adjust_milestones")

        var counts = Counts()
        var failed: [Int64] = []
        do {
            counts = try await db.savepoint("adjust_all") { _ in try await pass(milestone: nil, in: context) }
        } catch {
            // One bad milestone must not block the others: redo them one by one (history makes a redo safe).
            context.logger.warning("set-based adjustment failed; retrying milestone by milestone",
                                   metadata: ["event": "retry_per_milestone", "error": "\(error)"])
            let ids = try await db.query("SELECT id FROM adjust_milestones ORDER BY id").map { try $0.decode(Int64.self, "id") }
            for milestone in ids {
                do {
                    let one = try await db.savepoint("adjust_one") { _ in try await pass(milestone: milestone, in: context) }
                    counts = counts + one
                } catch {
                    failed.append(milestone)
                    context.logger.error("milestone adjustment failed; retried next run", metadata: [
                        "event": "milestone_failed", "milestone_id": "\(milestone)", "error": "\(error)"])
                }
            }
        }
        if failed.isEmpty {
            try await db.execute(Self.advanceWatermarkSQL, [id, context.now])
        }
        var details: [String: JSONValue] = [
            "adjusted_plans": .number(Double(counts.adjusted)),
            "adjusted_milestones": .number(Double(counts.milestones)),
            "duplicate_notifications": .number(Double(counts.duplicates)),
            "watermark_from": watermark.map { .string(RFC3339.format($0, in: context.timeZone)) } ?? .null,
        ]
        if !failed.isEmpty { details["failed_milestones"] = .array(failed.prefix(100).map { .number(Double($0)) }) }
        let result = RunResult(checked: checked, created: counts.created, updated: counts.adjusted,
                               notified: counts.notified, skipped: failed.count, unrouted: counts.unrouted,
                               details: details)
        if !failed.isEmpty {
            throw PartialRunFailure(result: result, reason: "\(failed.count) milestone(s) failed and stay in the window "
                                    + "(watermark not advanced): \(failed.prefix(20).map(String.init).joined(separator: ", "))"
                                    + (failed.count > 20 ? ", …" : ""))
        }
        return result
    }

    /// One pass over the window's milestones (`milestone` nil) or over one of them.
    func pass(milestone: Int64?, in context: JobContext) async throws -> Counts {
        let db = context.connection
        try await db.executeScript(Self.preparePlansSQL)
        try await db.execute(Self.plansSQL, [allowEarlyInvoice, milestone])
        if milestone == nil { try await db.execute("ANALYZE adjust_plans") }
        var counts = Counts()
        counts.adjusted = try await db.execute(Self.applySQL, [context.now, Self.isoText(context.now, context.timeZone)])
        guard counts.adjusted > 0 else { return counts }
        let outcome = try await NotificationWriter().apply(
            candidatesSQL: Self.noticesSQL, parameters: [financeRoleCodes], in: context)
        guard let row = try await db.query(Self.unroutedSQL).first else { throw JobFailure("unrouted count returned no row") }
        counts.milestones = try row.decode(Int.self, "milestones")
        counts.unrouted = try row.decode(Int.self, "unrouted")
        counts.created = outcome.created
        counts.notified = outcome.notified
        counts.duplicates = outcome.duplicates
        return counts
    }

    /// `adjusted_at` of the remark's JSON entry: the run's now as ISO 8601 with the zone's offset.
    static func isoText(_ date: Date, _ zone: TimeZone) -> String {
        RFC3339.format(date, in: zone)
    }
}
