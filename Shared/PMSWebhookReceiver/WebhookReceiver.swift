import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One request as the receiver read it.
public struct ReceivedRequest: Sendable {
    public let method: String
    /// The request target as sent: path with query, e.g. `/robot/send?access_token=x&sign=y`.
    public let uri: String
    public let headers: [(name: String, value: String)]
    public let body: Data
    /// When the whole request (head and body) had been read.
    public let receivedAt: Date

    /// The path without the query.
    public var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
    /// The raw query (after `?`), if any.
    public var query: String? {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 ? String(parts[1]) : nil
    }
    /// Percent-decoded query items; the last one wins for repeated names.
    public var queryItems: [String: String] {
        var items: [String: String] = [:]
        for item in URLComponents(string: uri)?.queryItems ?? [] { items[item.name] = item.value ?? "" }
        return items
    }
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// First header of that name, case-insensitive.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A real HTTP/1.1 server on loopback that records what it is sent: the far side of webhook tests and benchmarks.
public final class WebhookReceiver: Sendable {
    public enum Behaviour: Sendable, Equatable {
        /// Answer every request with this status and body (content-type application/json).
        case respond(status: Int, body: String)
        /// Read the request and never answer (to exercise client timeouts).
        case hang
        /// Answer like `.ok` but keep no requests, only their count and arrival times (benchmarks).
        case countOnly

        public static let okBody = #"{"errcode":0,"errmsg":"ok"}"#
        public static let ok = Behaviour.respond(status: 200, body: okBody)
    }

    public enum WaitError: Error, CustomStringConvertible {
        case timedOut(expected: Int, received: Int)
        public var description: String {
            switch self {
            case .timedOut(let expected, let received): "waited for \(expected) requests, received \(received)"
            }
        }
    }

    public let host: String
    public let port: Int
    private let log: RequestLog
    private let channel: any Channel

    private init(host: String, port: Int, log: RequestLog, channel: any Channel) {
        self.host = host; self.port = port; self.log = log; self.channel = channel
    }

    /// Binds `host:port` (port 0 = any free port; read the bound one from `port`).
    public static func start(
        host: String = "127.0.0.1", port: Int = 0, behaviour: Behaviour = .ok,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> WebhookReceiver {
        let log = RequestLog(behaviour: behaviour)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                log.track(child)
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(WebhookRequestHandler(log: log))
                }
            }
            .bind(host: host, port: port).get()
        guard let bound = channel.localAddress?.port else {
            try? await channel.close()
            throw ChannelError.unknownLocalAddress
        }
        return WebhookReceiver(host: host, port: bound, log: log, channel: channel)
    }

    /// Closes the listening socket and every open connection (hanging ones included).
    public func stop() async {
        try? await channel.close()
        for child in log.openConnections() { try? await child.close() }
    }

    /// `http://host:port` followed by `path` (which may carry a query).
    public func url(path: String = "/") -> String {
        "http://\(host):\(port)\(path.hasPrefix("/") ? path : "/" + path)"
    }

    public func setBehaviour(_ behaviour: Behaviour) { log.setBehaviour(behaviour) }

    /// The recorded requests in arrival order (empty in `.countOnly`).
    public func requests() async -> [ReceivedRequest] { log.requests() }
    /// Every request read so far, also those not kept in `.countOnly`.
    public func requestCount() async -> Int { log.count() }
    public func arrivalTimes() async -> [Date] { log.arrivalTimes() }
    /// Forgets everything recorded so far.
    public func reset() async { log.reset() }

    /// Waits until at least `count` requests were read; throws `WaitError.timedOut` after `timeout`.
    public func waitForRequests(count: Int, timeout: Duration = .seconds(5)) async throws -> [ReceivedRequest] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while log.count() < count {
            if clock.now >= deadline { throw WaitError.timedOut(expected: count, received: log.count()) }
            try await Task.sleep(for: .milliseconds(5))
        }
        return log.requests()
    }
}

/// The shared state behind the lock: read by tests, written by the connection handlers.
final class RequestLog: Sendable {
    private struct State {
        var behaviour: WebhookReceiver.Behaviour
        var requests: [ReceivedRequest] = []
        var arrivals: [Date] = []
        var connections: [ObjectIdentifier: any Channel] = [:]
    }

    private let state: Mutex<State>

    init(behaviour: WebhookReceiver.Behaviour) { state = Mutex(State(behaviour: behaviour)) }

    var keepsBodies: Bool { state.withLock { $0.behaviour != .countOnly } }

    func setBehaviour(_ behaviour: WebhookReceiver.Behaviour) { state.withLock { $0.behaviour = behaviour } }

    /// Records one request and says how to answer it.
    func record(_ request: ReceivedRequest) -> WebhookReceiver.Behaviour {
        state.withLock { state in
            state.arrivals.append(request.receivedAt)
            if state.behaviour != .countOnly { state.requests.append(request) }
            return state.behaviour
        }
    }

    func requests() -> [ReceivedRequest] { state.withLock { $0.requests } }
    func count() -> Int { state.withLock { $0.arrivals.count } }
    func arrivalTimes() -> [Date] { state.withLock { $0.arrivals } }
    func reset() { state.withLock { $0.requests = []; $0.arrivals = [] } }

    func track(_ connection: any Channel) {
        let id = ObjectIdentifier(connection)
        state.withLock { $0.connections[id] = connection }
        connection.closeFuture.whenComplete { _ in self.state.withLock { _ = $0.connections.removeValue(forKey: id) } }
    }

    func openConnections() -> [any Channel] { state.withLock { Array($0.connections.values) } }
}
