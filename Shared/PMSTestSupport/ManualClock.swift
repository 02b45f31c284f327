import Foundation
import PMSRuntime
import Synchronization

/// A clock tests move by hand; sleepers wake (within a few real milliseconds) once it passes their deadline.
public final class ManualClock: SchedulerClock {
    private let current: Mutex<Date>

    public init(_ start: Date) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    public func set(_ date: Date) { current.withLock { $0 = date } }

    public func advance(by seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }

    public func sleep(until deadline: Date) async {
        while now() < deadline, !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
    }
}
