import Foundation

/// Where the scheduler reads the time and waits: the wall clock in production, a manual clock in tests
/// (so no test waits for real minutes).
public protocol SchedulerClock: Sendable {
    func now() -> Date
    /// Returns at `deadline` (clock time) or earlier when cancelled or woken.
    func sleep(until deadline: Date) async
}

public struct SystemClock: SchedulerClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until deadline: Date) async {
        let seconds = deadline.timeIntervalSinceNow
        guard seconds > 0 else { return }
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }
}
