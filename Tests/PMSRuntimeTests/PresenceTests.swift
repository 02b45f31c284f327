import Foundation
import PMSBus
import PMSCore
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
}
