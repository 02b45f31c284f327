import Logging

/// The part of a client that libmosquitto's callbacks reach (through an `Unmanaged` userdata pointer):
/// locked state, the incoming-message stream and the logger. It holds no reference back to the client.
final class ClientSession: Sendable {
    let state = Locked(SessionState())
    let logger: Logger
    /// "host:port" for logs.
    let brokerLabel: String
    let incoming: AsyncStream<MQTTMessage>.Continuation
    /// Published after every CONNACK (MQTTConfiguration.birth).
    let birth: MQTTMessage?

    init(logger: Logger, brokerLabel: String, incoming: AsyncStream<MQTTMessage>.Continuation,
         birth: MQTTMessage? = nil) {
        self.logger = logger
        self.brokerLabel = brokerLabel
        self.incoming = incoming
        self.birth = birth
    }

    /// Runs `start` under the lock; it sends a request and names the event to wait for (nil = done already).
    /// Then suspends until that event, `timeout` seconds (throwing `timeoutError`) or task cancellation.
    func wait(
        timeout: Double,
        timeoutError: MQTTError,
        _ start: (inout SessionState) throws -> AwaitedEvent?
    ) async throws {
        let token = state.withLock { $0.makeToken() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                // Registering under the same lock as the send means the acknowledgement cannot overtake us.
                let registered = state.withLock { state -> Bool in
                    do {
                        guard let event = try start(&state) else {
                            continuation.resume()
                            return false
                        }
                        state.waiters.add(token, waitingFor: event, continuation: continuation)
                        if Task.isCancelled {  // the cancellation handler may have run before we registered
                            state.waiters.resume(token, with: .failure(CancellationError()))
                            return false
                        }
                        return true
                    } catch {
                        continuation.resume(throwing: error)
                        return false
                    }
                }
                if registered { armTimeout(token, after: timeout, error: timeoutError) }
            }
        } onCancel: {
            state.withLock { $0.waiters.resume(token, with: .failure(CancellationError())) }
        }
    }

    private func armTimeout(_ token: UInt64, after seconds: Double, error: MQTTError) {
        let nanoseconds = UInt64(min(max(seconds, 0), 1e9) * 1e9)
        let task = Task { [weak self] in
            try? await Task.sleep(nanoseconds: nanoseconds)
            guard !Task.isCancelled else { return }
            self?.state.withLock { $0.waiters.resume(token, with: .failure(error)) }
        }
        let attached = state.withLock { $0.waiters.attachTimeoutTask(task, to: token) }
        if !attached { task.cancel() }
    }

    /// After the loop has stopped: nothing will be acknowledged any more.
    func finish() {
        state.withLock { state in
            state.phase = .stopped
            state.isConnected = false
            state.resubscriptionFilters.removeAll()
            state.waiters.resumeAll(where: { _ in true }, with: .failure(MQTTError.notConnected))
        }
        incoming.finish()
    }
}
