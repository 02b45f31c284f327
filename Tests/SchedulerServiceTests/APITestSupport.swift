import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import SchedulerService
import XCTest

/// A real scheduler API on a free loopback port over a fresh test database.
final class APIHarness: @unchecked Sendable {
    static let token = "s3cret-token"
    /// 2026-01-09T06:00:00+08:00: an hour before generate_shortage_alerts' 07:00 slot.
    static let defaultNow = RFC3339.parse("2026-01-09T06:00:00+08:00")!
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    let db: PostgresConnection
    let pool: PostgresPool
    let dispatcher: TickDispatcher
    let directory: ServiceDirectory
    let api: SchedulerAPI
    let port: Int
    private let serving: Task<Void, Error>

    init(token: String? = APIHarness.token, now: Date = APIHarness.defaultNow, leader: Bool = true,
         directory: ServiceDirectory = ServiceDirectory(topics: Topics())) async throws {
        let (url, db) = try await TestDatabase.connect()
        self.db = db
        pool = PostgresPool(url: url, size: 2, logger: testLogger())
        dispatcher = TickDispatcher(pool: pool, topics: Topics(), timeZone: Self.zone, instance: "sched-1", logger: testLogger())
        self.directory = directory
        api = SchedulerAPI(pool: pool, dispatcher: dispatcher, directory: directory, timeZone: Self.zone, apiToken: token,
                           isLeader: { leader }, now: { now })
        port = try freeLoopbackPort()
        let api = self.api, port = self.port
        serving = Task { try await api.run(host: "127.0.0.1", port: port, logger: testLogger("api")) }
        let deadline = Date().addingTimeInterval(10)
        while !isLoopbackPortOpen(port) {
            guard Date() < deadline else { throw TestServerError("scheduler API did not listen on \(port) within 10 s") }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    /// One HTTP exchange; `token` nil sends no Authorization header.
    func call(_ method: String, _ path: String, body: String? = nil, token: String? = nil,
              headers: [String: String] = [:]) async throws -> APIReply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        let json = try BusCoding.decode(JSONValue.self, from: Array(data))
        return APIReply(status: http.statusCode, body: APIBody(json), headers: http.allHeaderFields as? [String: String] ?? [:],
                        text: String(decoding: data, as: UTF8.self))
    }

    func get(_ path: String) async throws -> APIReply { try await call("GET", path) }

    func post(_ path: String, body: String? = nil, token: String? = APIHarness.token,
              headers: [String: String] = [:]) async throws -> APIReply {
        try await call("POST", path, body: body, token: token, headers: headers)
    }

    /// Stops the server as the service would (cancellation → graceful shutdown); throws what `run` threw.
    func stop() async throws {
        serving.cancel()
        try await serving.value
        await pool.close()
        db.close()
    }
}

struct APIReply {
    let status: Int
    let body: APIBody
    let headers: [String: String]
    let text: String

    var data: APIBody { body["data"] }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// Read access into a decoded JSON answer; a missing key or index reads as `nil`-valued (not as JSON null).
struct APIBody: Equatable {
    let value: JSONValue?

    init(_ value: JSONValue?) { self.value = value }

    subscript(_ key: String) -> APIBody {
        if case .object(let fields) = value { return APIBody(fields[key]) }
        return APIBody(nil)
    }

    subscript(_ index: Int) -> APIBody {
        if case .array(let items) = value, items.indices.contains(index) { return APIBody(items[index]) }
        return APIBody(nil)
    }

    var array: [APIBody] {
        if case .array(let items) = value { return items.map(APIBody.init) }
        return []
    }

    var keys: Set<String> {
        if case .object(let fields) = value { return Set(fields.keys) }
        return []
    }

    var string: String? { value?.stringValue }
    var int: Int? { value?.intValue }
    var bool: Bool? { if case .bool(let flag) = value { return flag } else { return nil } }
    var isNull: Bool { value == .null }
}

/// A ServiceDirectory fed from real retained `<prefix>/service/<name>/<instance>` messages: they are
/// published to the shared test broker first, then read back by a fresh subscriber (as a late-starting
/// scheduler would get them) and handed to the directory. The retained messages are cleared afterwards.
func liveDirectory(_ statuses: [(service: String, instance: String, status: ServiceStatusMessage.Status, startedAt: Date)])
    async throws -> ServiceDirectory {
    let topics = Topics(prefix: "apitest-\(UUID().uuidString.prefix(8).lowercased())/v1")
    let broker = MosquittoTestServer.shared.url
    let publisher = try await BusObserver(brokerURL: broker, filter: topics.prefix + "/unused")
    let presences = statuses.map {
        (ServicePresence(service: $0.service, instance: $0.instance, version: "1.2.3", startedAt: $0.startedAt, topics: topics),
         $0.status)
    }
    for (presence, status) in presences { try await publisher.client.publish(presence.message(status)) }

    let reader = try await BusObserver(brokerURL: broker, filter: topics.allServices)
    let received = await reader.waitFor { $0.count >= statuses.count }
    let directory = ServiceDirectory(topics: topics)
    for message in received {
        XCTAssertTrue(message.retain, "expected the retained status of \(message.topic)")
        await directory.handle(message, topic: topics.parse(message.topic)!)
    }
    for (presence, _) in presences {
        try await publisher.client.publish(MQTTMessage(topic: presence.topic, payload: [], qos: 1, retain: true))
    }
    await reader.close()
    await publisher.close()
    return directory
}
