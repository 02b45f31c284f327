import Dispatch

/// Runs blocking libmosquitto calls (DNS lookup in connect, thread join in loop_stop) off Swift's
/// cooperative thread pool.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try body() })
        }
    }
}
