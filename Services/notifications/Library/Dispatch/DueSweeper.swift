import Foundation
import Logging

/// Sends what became due between runs (retries after their backoff, quiet windows and silences that ended)
/// every `interval`, so a deferred notification goes out minutes, not an hour, after it may.
public struct DueSweeper: Sendable {
    public let dispatcher: NotificationDispatcher
    public let interval: Duration
    public let logger: Logger

    public init(dispatcher: NotificationDispatcher, interval: Duration, logger: Logger) {
        self.dispatcher = dispatcher; self.interval = interval; self.logger = logger
    }

    /// Runs until cancelled; a failed pass (e.g. the database is down) is logged and tried again next time.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
                let report = try await dispatcher.dispatch(.everything, now: Date(), budget: interval)
                if report.totalSent + report.totalFailed + report.totalDead + report.abandoned > 0 {
                    logger.info("due notifications swept", metadata: [
                        "event": "swept", "sent": "\(report.totalSent)", "failed": "\(report.totalFailed)",
                        "dead": "\(report.totalDead)", "abandoned": "\(report.abandoned)"])
                }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("sweep failed; retrying next interval", metadata: ["event": "sweep_failed", "error": "\(error)"])
            }
        }
    }
}
