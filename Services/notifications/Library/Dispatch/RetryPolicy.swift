import Foundation

/// DECISIONS "Retry and dead letter": after failed attempt n = 1…4 the row waits 5, 15, 30, 60 minutes;
/// the 5th failed attempt makes it DEAD (an event on `<prefix>/errors/notifications`).
public enum RetryPolicy {
    public static let backoffMinutes = [5, 15, 30, 60]
    public static var maxAttempts: Int { backoffMinutes.count + 1 }

    /// SQL: the status and next_retry_at after one more failure of row `n` (whose retry_count is the old count).
    static let statusAfterFailure = "CASE WHEN n.retry_count + 1 >= \(maxAttempts) THEN 'DEAD' ELSE 'FAILED' END"
    static let nextRetryAfterFailure: String = {
        let steps = backoffMinutes.enumerated()
            .map { "WHEN \($0.offset + 1) THEN $1::timestamptz + interval '\($0.element) minutes'" }
            .joined(separator: " ")
        return "CASE n.retry_count + 1 \(steps) END"
    }()
}
