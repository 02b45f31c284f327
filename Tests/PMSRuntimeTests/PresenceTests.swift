import Foundation
import Logging
import PMSBus
import PMSCore
import PMSMQTT
import PMSRuntime
import PMSTestSupport
import XCTest

final class PresenceTests: XCTestCase {
    /// The retained `service/<name>/<instance>` status: online on start, offline on a clean stop, and
    /// offline by last will when the broker loses the connection without a goodbye.
    func testRetainedStatusOnlineThenOffline() async throws {
        let topics = Topics(prefix: "presence\(UUID().uuidString.prefix(6))/pms/v1")
        let runtime = ServiceRuntime(configuration: ServiceConfiguration(
            service: "shortage", instance: "p1", mqttURL: MosquittoTestServer.shared.url, databaseURL: "postgresql://unused",
            topics: topics, timeZone: TimeZone(identifier: "Asia/Shanghai")!, logLevel: .critical))
        await runtime.start()

        // A late subscriber still sees the status: it is retained.
        let observer = try await BusObserver(brokerURL: MosquittoTestServer.shared.url, filter: topics.allServices)
        let online = await observer.waitFor { !$0.isEmpty }
        XCTAssertEqual(online.first?.topic, "\(topics.prefix)/service/shortage/p1")
        XCTAssertEqual(online.first?.retain, true)
        let status = try BusCoding.decode(ServiceStatusMessage.self, from: online.first!.payload)
        XCTAssertEqual(status.status, .online)
        XCTAssertEqual(status.service, "shortage")
        XCTAssertEqual(status.version, PMSVersion.current)

        await runtime.stop()
        let after = await observer.waitFor { $0.count >= 2 }
        XCTAssertEqual(after.count, 2)
        XCTAssertEqual(try BusCoding.decode(ServiceStatusMessage.self, from: after[1].payload).status, .offline)
        await observer.close()
    }

    /// The broker publishes the will ("offline", retained) when a connection breaks without a goodbye. Here
    /// it is written by hand, then the broker restarts: the service reconnects and says online again by
    /// itself, so a healthy service never stays marked offline.
    func testOnlineAgainAfterAReconnect() async throws {
        let broker = try MosquittoTestServer.start()
        addTeardownBlock { try? broker.stop() }
        let topics = Topics(prefix: "presence\(UUID().uuidString.prefix(6))/pms/v1")
        let runtime = Self.runtime(brokerURL: broker.url, topics: topics)
        await runtime.start()
        let observer = try await BusObserver(brokerURL: broker.url, filter: topics.allServices)
        let online = await observer.waitFor { Self.statuses($0) == [.online] }
        XCTAssertEqual(Self.statuses(online), [.online])

        let will = MQTTClient(configuration: MQTTConfiguration(url: broker.url, clientID: "will-\(UUID().uuidString.prefix(6))",
                                                               cleanSession: true), logger: Logger(label: "test"))
        try await will.connect()
        try await will.publish(runtime.presence.message(.offline))
        await will.disconnect()
        _ = await observer.waitFor { Self.statuses($0).last == .offline }

        try broker.restart()
        let back = await observer.waitFor(timeout: 30) { Self.statuses($0).suffix(2) == [.offline, .online] }
        XCTAssertEqual(Self.statuses(back).suffix(2), [.offline, .online], "broker log:\n\(broker.log().suffix(2000))")
        await observer.close()
        await runtime.stop()
    }

    /// A service started while the broker is down says online once the broker comes up.
    func testOnlineOnceABrokerThatWasDownAtStartComesUp() async throws {
        let broker = try MosquittoTestServer.start()
        addTeardownBlock { try? broker.stop() }
        try broker.stop()
        let topics = Topics(prefix: "presence\(UUID().uuidString.prefix(6))/pms/v1")
        let runtime = Self.runtime(brokerURL: broker.url, topics: topics)
        let starting = Task { await runtime.start() }
        try await Task.sleep(nanoseconds: 1_500_000_000)
        try broker.restart()
        await starting.value

        let observer = try await BusObserver(brokerURL: broker.url, filter: topics.allServices)
        let online = await observer.waitFor { Self.statuses($0).contains(.online) }
        XCTAssertEqual(Self.statuses(online), [.online])
        XCTAssertEqual(online.first?.retain, true)
        await observer.close()
        await runtime.stop()
    }

    private static func runtime(brokerURL: String, topics: Topics) -> ServiceRuntime {
        ServiceRuntime(configuration: ServiceConfiguration(
            service: "shortage", instance: "p1", mqttURL: brokerURL, databaseURL: "postgresql://unused",
            topics: topics, timeZone: TimeZone(identifier: "Asia/Shanghai")!, logLevel: .critical))
    }

    private static func statuses(_ messages: [MQTTMessage]) -> [ServiceStatusMessage.Status] {
        messages.compactMap { try? BusCoding.decode(ServiceStatusMessage.self, from: $0.payload).status }
    }
}
