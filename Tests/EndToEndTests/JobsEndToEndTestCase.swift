import Foundation
import PMSBus
import PMSMQTT
import PMSTestSupport
import XCTest

/// What the per-job end-to-end tests share: a fresh `ServiceCluster` and a `BusObserver` per test, a trigger
/// over the bus that waits for the run and the user-visible output, and the checks of an alert and of the
/// in-app message notifications makes of it.
class JobsEndToEndTestCase: XCTestCase {
    var cluster: ServiceCluster!
    var observer: BusObserver!
    var p: String { cluster.topics.prefix }

    override func setUp() async throws {
        cluster = try await ServiceCluster(brokerURL: MosquittoTestServer.shared.url)
        observer = try await BusObserver(brokerURL: MosquittoTestServer.shared.url, filter: cluster.topics.prefix + "/#")
    }

    override func tearDown() async throws {
        await observer.close()
        await cluster.stop()
    }

    // MARK: - helpers

    func alertTopic(_ level: String, _ domain: String, _ rule: String) -> String {
        "\(p)/alert/\(level)/\(domain)/\(rule)"
    }

    /// Publishes a trigger for `jobID` at the local time `asOf` and waits until the run succeeded (or failed)
    /// and every topic in `topics` has been seen. Fails the test when the run failed or anything is missing;
    /// returns everything seen and the decoded succeeded event.
    func runJob(_ jobID: String, asOf: String, until topics: String..., timeout: Double = 30,
                        file: StaticString = #filePath, line: UInt = #line) async throws -> ([MQTTMessage], RunEvent?) {
        try await observer.publish("\(p)/trigger/\(jobID)", #"{"requested_by":"e2e","params":{"as_of":"\#(asOf)"}}"#)
        let p = self.p
        let succeeded = "\(p)/run/\(jobID)/succeeded", failed = "\(p)/run/\(jobID)/failed"
        let seen = await observer.waitFor(timeout: timeout) { msgs in
            let present = Set(msgs.map(\.topic))
            return present.contains(failed) || (present.contains(succeeded) && topics.allSatisfy { present.contains($0) })
        }
        if let failure = seen.first(where: { $0.topic == failed }) {
            let event = try? BusCoding.decode(RunEvent.self, from: failure.payload)
            XCTFail("\(jobID) failed: \(event?.error ?? String(decoding: failure.payload, as: UTF8.self))", file: file, line: line)
        }
        let present = Set(seen.map(\.topic))
        let missing = ([succeeded] + topics).filter { !present.contains($0) }
        XCTAssertEqual(missing, [], "not seen on the bus; seen: \(present.sorted())", file: file, line: line)
        let runs = seen.filter { $0.topic == succeeded }.compactMap { try? BusCoding.decode(RunEvent.self, from: $0.payload) }
        XCTAssertEqual(runs.count, 1, file: file, line: line)
        XCTAssertEqual(runs.first?.trigger, .manual, file: file, line: line)
        XCTAssertEqual(runs.first?.jobID, jobID, file: file, line: line)
        return (seen, runs.first)
    }

    /// The one alert event seen under the alert topics, which must be `topic`; nil (after a failure) otherwise.
    func onlyAlert(_ seen: [MQTTMessage], topic: String, file: StaticString = #filePath, line: UInt = #line) throws -> AlertMessage? {
        let alerts = seen.filter { $0.topic.hasPrefix("\(p)/alert/") }
        XCTAssertEqual(alerts.map(\.topic), [topic], file: file, line: line)
        guard let first = alerts.first else { return nil }
        return try BusCoding.decode(AlertMessage.self, from: first.payload)
    }

    /// The in-app message pms-notifications published to `user` for `alert`.
    func assertAlertInbox(_ seen: [MQTTMessage], user: Int64, alert: AlertMessage?, priority: String,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let inbox = seen.filter { $0.topic == "\(p)/inbox/\(user)" }
        XCTAssertEqual(inbox.count, 1, "inbox of user \(user)", file: file, line: line)
        guard let first = inbox.first, let alert else { return }
        let message = try BusCoding.decode(InboxMessage.self, from: first.payload)
        XCTAssertEqual(message.userID, user, file: file, line: line)
        XCTAssertEqual(message.notificationType, "ALERT_NOTIFICATION", file: file, line: line)
        XCTAssertEqual(message.title, alert.title, file: file, line: line)
        XCTAssertEqual(message.content, alert.content, file: file, line: line)
        XCTAssertEqual(message.linkURL, "/alerts/\(alert.alertID)", file: file, line: line)
        XCTAssertEqual(message.priority, priority, file: file, line: line)
    }
}
