import Foundation
import PMSBus
import PMSRuntime

/// retry_failed_notifications (通知重试机制), the target rule: FAILED rows whose `next_retry_at` has come are
/// sent again (row-locked, each result committed right after its send); closed alerts and gone users are
/// ABANDONED unsent; quiet hours defer without spending an attempt; the 5th failed attempt makes a row DEAD
/// with an event on `<prefix>/errors/notifications`.
public struct RetryFailedNotificationsJob: Job {
    public let id = "retry_failed_notifications"
    public let dispatcher: NotificationDispatcher
    /// 80% of the 300 s SLA.
    public var budget: Duration = .seconds(240)

    public init(dispatcher: NotificationDispatcher) { self.dispatcher = dispatcher }

    public func run(in context: JobContext) async throws -> RunResult {
        let report = try await dispatcher.dispatch(.failedOnly, now: context.now, budget: budget)
        let attempts = report.totalSent + report.totalFailed + report.totalDead
        return RunResult(
            checked: attempts + report.abandoned + report.deferred, updated: attempts, notified: report.totalSent,
            skipped: report.abandoned,
            details: [
                "retry_count": .number(Double(attempts)), "success_count": .number(Double(report.totalSent)),
                "failed_count": .number(Double(report.totalFailed)), "dead_count": .number(Double(report.totalDead)),
                "abandoned_count": .number(Double(report.abandoned)), "deferred_count": .number(Double(report.deferred)),
                "channel_stats": report.channelStats,
            ])
    }
}
