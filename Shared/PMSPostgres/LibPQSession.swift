import CLibPQ
import Foundation
import Logging

/// Owns one PGconn. Not thread-safe: used only from its `PostgresConnection`'s serial queue.
final class LibPQSession {
    private let url: String
    private let noticeSink: NoticeSink
    private var handle: OpaquePointer?

    init(url: String, logger: Logger) {
        self.url = url
        self.noticeSink = NoticeSink(logger: logger)
    }

    deinit { finish() }

    var isOK: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// True when a live connection sits inside a transaction block (or a command is still running).
    var isInsideTransaction: Bool {
        guard let handle, isOK else { return false }
        return PQtransactionStatus(handle) != PQTRANS_IDLE
    }

    /// One connection attempt; replaces any previous PGconn. Throws libpq's message.
    func open() throws {
        finish()
        // Our defaults come first so that the URL (expanded from "dbname") can override them.
        let settings: [(String, String)] = [
            ("connect_timeout", "10"),
            ("client_encoding", "UTF8"),
            ("fallback_application_name", "pms-services"),
            ("dbname", url),
        ]
        let keywords = settings.map { strdup($0.0) }
        let values = settings.map { strdup($0.1) }
        defer { (keywords + values).forEach { free($0) } }
        let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        guard let connection = PQconnectdbParams(keywordPointers, valuePointers, 1) else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = PostgresError.connectionMessage(connection)
            PQfinish(connection)
            throw PostgresError(kind: .connection, message: message)
        }
        noticeSink.install(on: connection)
        handle = connection
    }

    /// Reads what the server sent while we were idle, without sending anything. A server that shut down or
    /// terminated this session has closed the socket; reading that EOF marks the connection bad, so the next call
    /// reconnects before sending its statement instead of failing on a dead socket.
    func noticeServerHangup() {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return }
        let socket = PQsocket(handle)
        guard socket >= 0 else { return }
        // Twice: the first read may only pick up the server's goodbye message, the second the EOF behind it.
        for _ in 0..<2 {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { return }
            guard PQconsumeInput(handle) == 1 else { return }
            _ = PQisBusy(handle)  // parses it; an idle-time error goes to the notice processor
            while let notification = PQnotifies(handle) { PQfreemem(notification) }
            guard PQstatus(handle) == CONNECTION_OK else { return }
        }
    }

    func finish() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// One statement with text parameters through PQexecParams.
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?]) throws -> QueryOutcome {
        let connection = try liveHandle(sql: sql)
        if let position = parameters.firstIndex(where: { $0?.utf8.contains(0) == true }) {
            throw PostgresError(kind: .query, message: "parameter $\(position + 1) contains a NUL character", sql: sql)
        }
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { text in text.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        let result = PQexecParams(connection, sql, Int32(pointers.count), nil, pointers, nil, nil, 0)
        return try QueryOutcome.consume(result, connection: connection, sql: sql)
    }

    /// Several statements without parameters through PQexec; returns the last statement's outcome.
    @discardableResult
    func executeScript(_ sql: String) throws -> QueryOutcome {
        let connection = try liveHandle(sql: sql)
        let result = PQexec(connection, sql)
        return try QueryOutcome.consume(result, connection: connection, sql: sql)
    }

    private func liveHandle(sql: String) throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError(kind: .connection, message: "not connected", sql: sql)
        }
        return handle
    }
}
