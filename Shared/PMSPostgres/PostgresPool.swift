import Logging

/// A small pool; connections are created lazily up to `size` and handed out exclusively.
/// A connection whose server went away reconnects on its next use (see `PostgresConnection`).
public actor PostgresPool {
    private let url: String
    private let size: Int
    private let logger: Logger
    private var idle: [PostgresConnection] = []
    /// Connections that exist (idle, in use, or being opened).
    private var openCount = 0
    private var waiters: [CheckedContinuation<PostgresConnection, any Error>] = []
    private var isClosed = false

    public init(url: String, size: Int = 4, logger: Logger) {
        precondition(size > 0, "pool size must be positive")
        self.url = url
        self.size = size
        self.logger = logger
    }

    /// Runs `body` with a connection no one else uses meanwhile.
    public func withConnection<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await acquire()
        do {
            let value = try await body(connection)
            await release(connection)
            return value
        } catch {
            await release(connection)
            throw error
        }
    }

    /// `PostgresConnection.transaction` on a pooled connection.
    public func transaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in
            try await connection.transaction(body)
        }
    }

    /// Closes idle connections now and the others when they come back; waiting callers get an error.
    public func close() async {
        isClosed = true
        for connection in idle { connection.close() }
        openCount -= idle.count
        idle.removeAll()
        let pending = waiters
        waiters.removeAll()
        for waiter in pending { waiter.resume(throwing: Self.closedError) }
    }

    private static let closedError = PostgresError(kind: .connection, message: "connection pool is closed")

    private func acquire() async throws -> PostgresConnection {
        if isClosed { throw Self.closedError }
        if let connection = idle.popLast() { return connection }
        if openCount < size {
            openCount += 1
            let connection = PostgresConnection(url: url, logger: logger)
            do {
                try await connection.connect()
            } catch {
                openCount -= 1
                // Someone may have queued behind this attempt; let them try for themselves.
                wakeWaiterWithNewConnection()
                throw error
            }
            return connection
        }
        return try await withCheckedThrowingContinuation { waiters.append($0) }
    }

    private func release(_ connection: PostgresConnection) async {
        // A connection left inside a transaction (e.g. a manual BEGIN) must not leak it to the next user.
        let reusable = await connection.isReusable()
        if isClosed || !reusable {
            if !reusable && !isClosed { logger.warning("discarding a pooled connection left inside a transaction") }
            connection.close()
            openCount -= 1
            wakeWaiterWithNewConnection()
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().resume(returning: connection)
        } else {
            idle.append(connection)
        }
    }

    /// After a connection was dropped there is room for one more; give it to the longest waiter.
    private func wakeWaiterWithNewConnection() {
        guard !waiters.isEmpty, openCount < size else { return }
        let waiter = waiters.removeFirst()
        openCount += 1
        let connection = PostgresConnection(url: url, logger: logger)
        // The connection connects lazily on its first call, which reports any failure to the caller.
        waiter.resume(returning: connection)
    }
}
