import Foundation
import Synchronization

/// Wakes a polling loop early; many signals before the wait collapse into one.
public final class WakeSignal: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    public init() {}

    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter { state.waiter = nil; return waiter }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns on a signal or after `seconds`, whichever comes first.
    public func wait(upTo seconds: Double) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLock { state -> Bool in
                        if state.pending { state.pending = false; return true }
                        if let old = state.waiter { old.resume() }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                self.signal()
            }
            await group.next()
            group.cancelAll()
            // The sleeper may still signal after we return; that only causes one early poll.
        }
    }
}
