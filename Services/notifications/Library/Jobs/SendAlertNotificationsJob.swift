import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// send_alert_notifications (消息推送服务), the target rule: every PENDING alert gets its missing delivery rows
/// (oldest first, 100 alerts per transaction, until done or 80% of the SLA is used; e.g. alerts raised while
/// this service was down), then every due row is sent. Rows are written and sent on their own short
/// transactions, never inside the run's, so nobody is told of something that is rolled back.
public struct SendAlertNotificationsJob: Job {
    public let id = "send_alert_notifications"
    public let router: AlertRouter
    public let dispatcher: NotificationDispatcher
    /// 80% of the 300 s SLA.
    public var budget: Duration = .seconds(240)
    public var batchSize = 100

    public init(router: AlertRouter, dispatcher: NotificationDispatcher) {
        self.router = router; self.dispatcher = dispatcher
    }

    public func run(in context: JobContext) async throws -> RunResult {
        let deadline = ContinuousClock.now + budget
        var examined = 0, created = 0
        var unrouted: [Int64] = []
        var after: AlertKey? = nil
        while ContinuousClock.now < deadline {
            let cursor = after
            let batch = try await dispatcher.pool.transaction { db in
                try await self.routeBatch(after: cursor, now: context.now, on: db)
            }
            examined += batch.keys.count
            created += batch.outcome.created
            unrouted += batch.outcome.unrouted
            after = batch.keys.last
            if batch.keys.count < batchSize { break }
        }
        for alert in unrouted {
            context.logger.warning("alert has no recipient", metadata: ["event": "unrouted", "alert_id": "\(alert)"])
        }
        let remaining = deadline - ContinuousClock.now
        let report = try await dispatcher.dispatch(.everything, now: context.now, budget: max(remaining, .seconds(5)))
        return RunResult(
            checked: examined, created: created, updated: report.totalSent + report.totalFailed + report.totalDead,
            notified: report.totalSent, skipped: report.abandoned, unrouted: unrouted.count,
            details: [
                "queued_alerts": .number(Double(examined)), "queue_created": .number(Double(created)),
                "sent_count": .number(Double(report.totalSent)), "failed_count": .number(Double(report.totalFailed)),
                "dead_count": .number(Double(report.totalDead)), "abandoned_count": .number(Double(report.abandoned)),
                "deferred_count": .number(Double(report.deferred)), "channel_stats": report.channelStats,
            ])
    }

    /// The exact timestamp text keeps the keyset exact (a Date would round to milliseconds).
    struct AlertKey: Sendable { var at: String; var id: Int64 }
    struct Batch: Sendable { var keys: [AlertKey]; var outcome: AlertRouter.Outcome }

    /// The next `batchSize` PENDING alerts after `after` (keyset order), routed in one statement.
    func routeBatch(after: AlertKey?, now: Date, on db: PostgresConnection) async throws -> Batch {
        let rows = try await db.query(
            """
            SELECT id, coalesce(triggered_at, created_at)::text AS at FROM alert_records
             WHERE status = 'PENDING'
               AND ($1::timestamptz IS NULL OR (coalesce(triggered_at, created_at), id) > ($1::timestamptz, $2::bigint))
             ORDER BY coalesce(triggered_at, created_at), id LIMIT $3
            """, [after?.at, after?.id, batchSize])
        let keys = try rows.map { AlertKey(at: try $0.decode(String.self, "at"), id: try $0.decode(Int64.self, "id")) }
        let outcome = try await router.route(alertIDs: keys.map(\.id), event: .raised, now: now, on: db)
        return Batch(keys: keys, outcome: outcome)
    }
}
