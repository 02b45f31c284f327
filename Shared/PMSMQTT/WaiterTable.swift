/// What a suspended caller waits for.
enum AwaitedEvent: Hashable, Sendable {
    /// PUBACK, SUBACK or UNSUBACK for a request we sent with this message id.
    case acknowledgement(mid: Int32)
    /// SUBACK of the automatic re-subscription of this filter after a (re)connect.
    case resubscribed(filter: String)
    /// CONNACK with success.
    case connected

    var isAcknowledgement: Bool {
        if case .acknowledgement = self { return true }
        return false
    }
}

/// Suspended callers keyed by a token, each with an optional timeout task to cancel once it is resumed.
/// Every continuation is resumed exactly once: whoever removes it from the table resumes it.
struct WaiterTable {
    private struct Waiter {
        let event: AwaitedEvent
        let continuation: CheckedContinuation<Void, Error>
        var timeoutTask: Task<Void, Never>?
    }

    private var waiters: [UInt64: Waiter] = [:]
    private var tokensByEvent: [AwaitedEvent: Set<UInt64>] = [:]

    var isEmpty: Bool { waiters.isEmpty }

    mutating func add(_ token: UInt64, waitingFor event: AwaitedEvent, continuation: CheckedContinuation<Void, Error>) {
        waiters[token] = Waiter(event: event, continuation: continuation)
        tokensByEvent[event, default: []].insert(token)
    }

    /// Returns false when the waiter is already gone, so the caller cancels the task itself.
    mutating func attachTimeoutTask(_ task: Task<Void, Never>, to token: UInt64) -> Bool {
        guard waiters[token] != nil else { return false }
        waiters[token]?.timeoutTask = task
        return true
    }

    mutating func resume(_ token: UInt64, with result: Result<Void, Error>) {
        guard let waiter = waiters.removeValue(forKey: token) else { return }
        tokensByEvent[waiter.event]?.remove(token)
        if tokensByEvent[waiter.event]?.isEmpty == true { tokensByEvent[waiter.event] = nil }
        waiter.timeoutTask?.cancel()
        waiter.continuation.resume(with: result)
    }

    mutating func resumeAll(waitingFor event: AwaitedEvent, with result: Result<Void, Error>) {
        for token in tokensByEvent[event] ?? [] { resume(token, with: result) }
    }

    mutating func resumeAll(where matches: (AwaitedEvent) -> Bool, with result: Result<Void, Error>) {
        for (event, tokens) in tokensByEvent where matches(event) {
            for token in tokens { resume(token, with: result) }
        }
    }
}
