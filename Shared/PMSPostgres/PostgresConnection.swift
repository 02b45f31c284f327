import Dispatch
import Foundation
import Logging

/// One PostgreSQL session over libpq.
///
/// Every blocking libpq call runs on the connection's own serial queue, never on the Swift concurrency pool.
/// A broken connection is re-established at the start of the next call; a statement is never re-sent.
/// Calls from several tasks at once are serialised, but a `transaction` expects exclusive use (see `PostgresPool`).
public final class PostgresConnection: @unchecked Sendable {
    let logger: Logger
    private let target: ConnectionTarget
    private let queue: DispatchQueue
    private let connectedFlag = LockedFlag(false)

    // Only touched on `queue`.
    private let session: LibPQSession
    private var isClosed = false
    private var hasConnectedBefore = false
    private var transactionDepth = 0

    /// Pauses before each connection attempt; a few short tries ride out a server restart.
    static let connectBackoff: [TimeInterval] = [0, 0.1, 0.25, 0.5]

    /// Does not connect yet; the first call (or `connect()`) does.
    public init(url: String, logger: Logger) {
        self.target = ConnectionTarget(url: url)
        var logger = logger
        logger[metadataKey: "postgres"] = "\(target)"
        self.logger = logger
        self.session = LibPQSession(url: url, logger: logger)
        self.queue = DispatchQueue(label: "pms.postgres.connection")
    }

    /// Whether the session was healthy after the last call (libpq only notices a dead server when used).
    public var isConnected: Bool { connectedFlag.get() }

    /// Connects (with a few short retries) unless already connected; also re-opens a closed connection.
    public func connect() async throws {
        try await onQueue { [self] in
            isClosed = false
            try ensureConnected()
        }
    }

    /// Runs one statement with bound parameters and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresBindable] = []) async throws -> [PostgresRow] {
        try await run(sql, parameters).rows
    }

    /// Runs one statement with bound parameters and returns the number of rows it affected.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [any PostgresBindable] = []) async throws -> Int {
        try await run(sql, parameters).affectedRows
    }

    /// Runs several `;`-separated statements without parameters (migrations, seeds).
    public func executeScript(_ sql: String) async throws {
        try await onQueue { [self] in
            try ensureConnected()
            try session.executeScript(sql)
        }
    }

    /// Closes the session; later calls throw until `connect()` is called again.
    public func close() {
        queue.sync {
            isClosed = true
            transactionDepth = 0
            session.finish()
            connectedFlag.set(false)
        }
    }

    func run(_ sql: String, _ parameters: [any PostgresBindable]) async throws -> QueryOutcome {
        let texts = parameters.map(\.postgresText)
        return try await onQueue { [self] in
            try ensureConnected()
            return try session.execute(sql, texts)
        }
    }

    /// Runs `work` on the connection's queue and resumes the caller with its result.
    func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [self] in
                let result = Result(catching: work)
                connectedFlag.set(session.isOK)
                continuation.resume(with: result)
            }
        }
    }

    // MARK: - Queue-confined helpers

    /// Reconnects when needed, except inside a transaction: a new session would silently run the rest of the
    /// transaction's statements outside it.
    private func ensureConnected() throws {
        if isClosed {
            throw PostgresError(kind: .connection, message: "connection to \(target) was closed")
        }
        session.noticeServerHangup()
        if session.isOK { return }
        if transactionDepth > 0 {
            throw PostgresError(
                kind: .connection, sqlState: nil,
                message: "connection to \(target) was lost inside a transaction; the transaction is rolled back",
                detail: nil, hint: nil, constraint: nil, sql: nil, lostConnection: true
            )
        }
        try connectWithRetries()
    }

    private func connectWithRetries() throws {
        if let parseError = target.parseError {
            throw PostgresError(kind: .connection, message: "invalid connection URL: \(parseError)")
        }
        var lastMessage = ""
        for (attempt, pause) in Self.connectBackoff.enumerated() {
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
            do {
                try session.open()
                try session.executeScript("SET TIME ZONE 'UTC'; SET DateStyle = ISO")
                if hasConnectedBefore {
                    logger.info("reconnected to PostgreSQL")
                } else {
                    logger.debug("connected to PostgreSQL")
                }
                hasConnectedBefore = true
                return
            } catch let error as PostgresError {
                lastMessage = error.message
                session.finish()
                logger.debug("connection attempt \(attempt + 1) failed: \(error.message)")
            }
        }
        throw PostgresError(
            kind: .connection,
            message: "could not connect to \(target) after \(Self.connectBackoff.count) attempts: \(lastMessage)"
        )
    }

    // MARK: - Transaction bookkeeping (used by the transaction methods)

    func beginTransaction() async throws {
        try await onQueue { [self] in
            guard transactionDepth == 0 else {
                throw PostgresError(
                    kind: .protocolViolation, message: "transaction() called inside a transaction; use savepoint()"
                )
            }
            try ensureConnected()
            try session.execute("BEGIN", [])
            transactionDepth = 1
        }
    }

    func commitTransaction() async throws {
        try await onQueue { [self] in
            defer { transactionDepth = 0 }
            try ensureConnected()
            let outcome = try session.execute("COMMIT", [])
            // COMMIT of an aborted transaction "succeeds" with the tag ROLLBACK.
            if outcome.commandTag == "ROLLBACK" {
                throw PostgresError(
                    kind: .query, sqlState: "25P02",
                    message: "transaction was rolled back because a statement in it failed", sql: "COMMIT"
                )
            }
        }
    }

    /// Best effort: a lost connection has already rolled back on the server.
    func rollbackTransaction() async {
        _ = try? await onQueue { [self] in
            defer { transactionDepth = 0 }
            guard session.isOK else { return }
            do {
                try session.execute("ROLLBACK", [])
            } catch {
                logger.debug("ROLLBACK failed: \(error)")
            }
        }
    }

    /// Whether the pool may hand this connection out again as is.
    func isReusable() async -> Bool {
        (try? await onQueue { [self] in !isClosed && transactionDepth == 0 && !session.isInsideTransaction }) ?? false
    }
}
