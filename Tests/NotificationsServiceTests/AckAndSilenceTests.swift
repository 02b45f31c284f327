import Foundation
import NotificationsService
import PMSBus
import PMSCore
import PMSMQTT
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest

/// Acknowledgements (`<prefix>/alert-ack/<id>`) and silences (`<prefix>/silence`) on the real broker and a
/// fresh database: a notifications service loop with both consumers; an observer records the bus, including
/// the error events on `<prefix>/errors/notifications`. Tests that need a fixed order of several messages hand
/// them to the loop directly (`loop.handle`); their error events still travel over the broker.
final class AckAndSilenceTests: XCTestCase {
    var db: PostgresConnection!
    var topics: Topics!
    var runtime: ServiceRuntime!
    var loop: ServiceLoop!
    var loopTask: Task<Void, Never>!
    var observer: BusObserver!
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    override func setUp() async throws {
        let (url, connection) = try await TestDatabase.connect()
        db = connection
        topics = Topics(prefix: "ack\(UUID().uuidString.prefix(8).lowercased())/pms/v1")
        observer = try await BusObserver(brokerURL: MosquittoTestServer.shared.url, filter: topics.prefix + "/#")
        runtime = ServiceRuntime(configuration: ServiceConfiguration(
            service: "notifications", instance: "t1", mqttURL: MosquittoTestServer.shared.url, databaseURL: url,
            topics: topics, timeZone: Self.zone, logLevel: .critical), cleanSession: true)
        loop = ServiceLoop(runtime: runtime, consumers: [AlertAckConsumer(runtime: runtime), SilenceConsumer(runtime: runtime)],
                           relay: nil)
        let loop = self.loop!
        loopTask = Task { await loop.run() }
        _ = await runtime.mqtt.waitUntilConnected(timeout: 10)
        // Subscriptions are made right after connecting; give the broker a moment to register them.
        try await Task.sleep(nanoseconds: 300_000_000)
        try await db.executeScript("""
            INSERT INTO users (id, username, is_active) VALUES (12, 'zhang', true), (13, 'wang', true), (14, 'li', false);
            INSERT INTO alert_records (id, alert_no, rule_id, target_type, target_id, alert_level, alert_title,
                                       alert_content, triggered_at, status, acknowledged_by, acknowledged_at,
                                       handle_end_at, updated_at)
            SELECT v.id, v.no, r.id, 'MATERIAL_SHORTAGE', v.target, 'WARNING', '缺料', '缺料',
                   '2026-01-08 08:00+08', v.status, v.ack_by, v.ack_at::timestamptz, v.end_at::timestamptz,
                   '2026-01-08 08:00+08'
              FROM alert_rules r,
                   (VALUES (42, 'SA202601080001', 1, 'PENDING', NULL::bigint, NULL, NULL),
                           (43, 'SA202601080002', 2, 'RESOLVED', NULL, NULL, '2026-01-08 12:00+08'),
                           (44, 'SA202601080003', 3, 'ACKNOWLEDGED', 12, '2026-01-08 09:00+08', NULL))
                       AS v (id, no, target, status, ack_by, ack_at, end_at)
             WHERE r.rule_code = 'MATERIAL_SHORTAGE';
            """)
    }

    override func tearDown() async throws {
        loopTask.cancel()
        await runtime.stop()
        await observer.close()
        db.close()
    }

    var errorsTopic: String { topics.errors(service: "notifications") }

    func publish(_ topic: String, _ text: String) async throws { try await observer.publish(topic, text) }

    /// Hands one message to the service loop as the broker would, and waits for it to be handled.
    func deliver(_ topic: String, _ text: String) async { await loop.handle(MQTTMessage(topic: topic, string: text)) }

    /// Waits for `count` error events and returns them decoded, in arrival order.
    func errorEvents(count: Int, timeout: Double = 10) async -> [ErrorEventMessage] {
        let topic = errorsTopic
        let messages = await observer.waitFor(timeout: timeout) { $0.filter { $0.topic == topic }.count >= count }
        return messages.filter { $0.topic == topic }.compactMap { try? BusCoding.decode(ErrorEventMessage.self, from: $0.payload) }
    }

    func reasons(count: Int) async -> [String] { await errorEvents(count: count).map(\.reason) }

    /// Polls until `sql` returns a row, or 10 s.
    func waitForRow(_ sql: String) async throws -> PostgresRow? {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let row = try await db.query(sql).first { return row }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return nil
    }

    func alert(_ id: Int) async throws -> PostgresRow {
        try await db.query("""
            SELECT status, acknowledged_by::text AS by, acknowledged_at::text AS at, handle_note,
                   (updated_at = '2026-01-08 08:00+08')::text AS updated_untouched,
                   (acknowledged_at = '2026-01-08 09:00+08')::text AS ack_untouched
              FROM alert_records WHERE id = $1
            """, [id]).first!
    }

    func silences() async throws -> [PostgresRow] {
        try await db.query("""
            SELECT id, rule_code, target_type, target_id::text AS target_id, starts_at, ends_at,
                   created_by::text AS created_by, comment FROM alert_silences ORDER BY id
            """)
    }

    static func inFuture(hours: Double) -> String { RFC3339.format(Date().addingTimeInterval(hours * 3600), in: zone) }

    // MARK: acknowledgements

    // End to end over the broker: the PENDING alert becomes ACKNOWLEDGED by the user, with the note.
    func testAckOverTheBusAcknowledgesThePendingAlert() async throws {
        try await publish(topics.alertAck(alertID: 42), #"{"user_id": 12, "note": "在处理"}"#)
        let row = try await waitForRow("SELECT 1 FROM alert_records WHERE id = 42 AND status = 'ACKNOWLEDGED'")
        XCTAssertNotNil(row, "the alert was not acknowledged")
        let alert = try await alert(42)
        XCTAssertEqual(alert["by"], "12")
        XCTAssertNotNil(alert["at"])
        XCTAssertEqual(alert["handle_note"], "在处理")
        XCTAssertEqual(alert["updated_untouched"], "false")
        let errors = await observer.messages(onTopic: errorsTopic)
        XCTAssertEqual(errors.count, 0)
    }

    // End to end over the broker: each bad request answers on the errors topic with its exact reason.
    func testBadAcksOverTheBusAnswerOnTheErrorsTopic() async throws {
        try await publish(topics.alertAck(alertID: 42), #"{"user_id": 12,"#)
        try await publish(topics.alertAck(alertID: 999), #"{"user_id": 12}"#)
        try await publish(topics.alertAck(alertID: 43), #"{"user_id": 12}"#)
        try await publish(topics.prefix + "/alert-ack/abc", #"{"user_id": 12}"#)
        let events = await errorEvents(count: 4)
        XCTAssertEqual(Set(events.map(\.reason)), [
            "malformed JSON: the payload is not valid JSON",
            "alert 999 does not exist",
            "alert 43 is RESOLVED; only PENDING alerts can be acknowledged",
            "alert id 'abc' is not a positive integer",
        ])
        XCTAssertEqual(Set(events.map(\.service)), ["notifications"])
        XCTAssertEqual(events.first { $0.reason.hasPrefix("alert 43") }?.topic, topics.alertAck(alertID: 43))
        XCTAssertEqual(events.first { $0.reason.hasPrefix("malformed") }?.payloadExcerpt, #"{"user_id": 12,"#)
        let pending = try await alert(42)
        XCTAssertEqual(pending["status"], "PENDING")
        let resolved = try await alert(43)
        XCTAssertEqual(resolved["status"], "RESOLVED")
    }

    func testAckFieldAndUserValidation() async throws {
        let ack = topics.alertAck(alertID: 42)
        await deliver(ack, #"{"note": "x"}"#)
        await deliver(ack, #"{"user_id": "12"}"#)
        await deliver(ack, #"{"user_id": 12.5}"#)
        await deliver(ack, #"{"user_id": true}"#)
        await deliver(ack, #"[12]"#)
        await deliver(ack, #"{"user_id": 12, "userId": 12}"#)
        await deliver(ack, #"{"user_id": 12, "note": 5}"#)
        await deliver(ack, "{\"user_id\": 12, \"note\": \"\(String(repeating: "长", count: 501))\"}")
        await deliver(ack, #"{"user_id": 77}"#)
        await deliver(ack, #"{"user_id": 14}"#)
        await deliver(topics.prefix + "/alert-ack/0", #"{"user_id": 12}"#)
        await deliver(topics.prefix + "/alert-ack/-3", #"{"user_id": 12}"#)
        let got = await reasons(count: 12)
        XCTAssertEqual(got, [
            "user_id is missing",
            "user_id must be a positive integer",
            "user_id must be a positive integer",
            "user_id must be a positive integer",
            "malformed JSON: the payload must be a JSON object",
            "unknown field 'userId'",
            "note must be a string",
            "note is longer than 500 characters",
            "user 77 does not exist",
            "user 14 is inactive",
            "alert id '0' is not a positive integer",
            "alert id '-3' is not a positive integer",
        ])
        let alert = try await alert(42)
        XCTAssertEqual(alert["status"], "PENDING")
        XCTAssertNil(alert["by"])
    }

    // A redelivered ack (same user, already ACKNOWLEDGED) does nothing and is not an error; another user's
    // ack of an ACKNOWLEDGED alert is one.
    func testRedeliveredAckIsANoOp() async throws {
        await deliver(topics.alertAck(alertID: 42), #"{"user_id": 12}"#)
        let first = try await alert(42)
        XCTAssertEqual(first["status"], "ACKNOWLEDGED")
        XCTAssertNil(first["handle_note"], "no note given: none stored")
        await deliver(topics.alertAck(alertID: 42), #"{"user_id": 12, "note": "again"}"#)
        let second = try await alert(42)
        XCTAssertEqual(second["at"], first["at"])
        XCTAssertNil(second["handle_note"])
        await deliver(topics.alertAck(alertID: 44), #"{"user_id": 12}"#)
        let untouched = try await alert(44)
        XCTAssertEqual(untouched["by"], "12")
        XCTAssertEqual(untouched["ack_untouched"], "true")
        XCTAssertEqual(untouched["updated_untouched"], "true")
        await deliver(topics.alertAck(alertID: 44), #"{"user_id": 13}"#)
        let got = await reasons(count: 1)
        XCTAssertEqual(got, ["alert 44 is ACKNOWLEDGED; only PENDING alerts can be acknowledged"])
        try await Task.sleep(nanoseconds: 300_000_000)
        let all = await observer.messages(onTopic: errorsTopic)
        XCTAssertEqual(all.count, 1, "the redeliveries are not errors")
    }

    // MARK: silences

    // End to end over the broker: the silence row, starting now.
    func testSilenceOverTheBusIsStored() async throws {
        let endsAt = Self.inFuture(hours: 24)
        let before = Date()
        try await publish(topics.silence, """
            {"rule_code": "MATERIAL_SHORTAGE", "target_type": "MATERIAL_SHORTAGE", "target_id": 7,
             "ends_at": "\(endsAt)", "created_by": 12, "comment": "盘点中"}
            """)
        let row = try await waitForRow("SELECT 1 FROM alert_silences")
        XCTAssertNotNil(row, "the silence was not stored")
        let stored = try await silences()
        XCTAssertEqual(stored.count, 1)
        XCTAssertEqual(stored.first?["rule_code"], "MATERIAL_SHORTAGE")
        XCTAssertEqual(stored.first?["target_type"], "MATERIAL_SHORTAGE")
        XCTAssertEqual(stored.first?["target_id"], "7")
        XCTAssertEqual(stored.first?["created_by"], "12")
        XCTAssertEqual(stored.first?["comment"], "盘点中")
        let ends = try stored.first?.decode(Date.self, "ends_at")
        XCTAssertEqual(ends.map { RFC3339.format($0, in: Self.zone) }, endsAt)
        let starts = try XCTUnwrap(try stored.first?.decode(Date.self, "starts_at"))
        XCTAssertGreaterThanOrEqual(starts.timeIntervalSince(before), -1)
        XCTAssertLessThan(starts.timeIntervalSince(before), 10)
        let errors = await observer.messages(onTopic: errorsTopic)
        XCTAssertEqual(errors.count, 0)
    }

    // The same request twice stores one row, with or without starts_at.
    func testDuplicateSilenceStoresOneRow() async throws {
        let withStart = """
            {"rule_code": "MATERIAL_SHORTAGE", "starts_at": "2026-01-01T00:00:00+08:00", "ends_at": "\(Self.inFuture(hours: 5))"}
            """
        await deliver(topics.silence, withStart)
        await deliver(topics.silence, withStart)
        let targetOnly = """
            {"target_type": "WORK_ORDER", "target_id": 9, "ends_at": "\(Self.inFuture(hours: 2))"}
            """
        await deliver(topics.silence, targetOnly)
        await deliver(topics.silence, targetOnly)
        let stored = try await silences()
        XCTAssertEqual(stored.count, 2)
        XCTAssertEqual(stored.map { $0["rule_code"] }, ["MATERIAL_SHORTAGE", nil])
        XCTAssertEqual(stored.map { $0["target_type"] }, [nil, "WORK_ORDER"])
        try await Task.sleep(nanoseconds: 300_000_000)
        let errors = await observer.messages(onTopic: errorsTopic)
        XCTAssertEqual(errors.count, 0)
    }

    func testBadSilencesAreRejectedWithTheirReason() async throws {
        let future = Self.inFuture(hours: 3)
        await deliver(topics.silence, #"{"ends_at": "\#(future)", "comment": "no matcher"}"#)
        await deliver(topics.silence, #"{"rule_code": "MATERIAL_SHORTAGE", "ends_at": "2020-01-01T00:00:00+08:00"}"#)
        await deliver(topics.silence, #"{"target_type": "WORK_ORDER", "ends_at": "\#(future)"}"#)
        await deliver(topics.silence, #"{"rule_code": "NO_SUCH_RULE", "ends_at": "\#(future)"}"#)
        await deliver(topics.silence, #"{"rule_code": "MATERIAL_SHORTAGE", "ends_at": "tomorrow"}"#)
        await deliver(topics.silence, #"{"rule_code": "MATERIAL_SHORTAGE"}"#)
        await deliver(topics.silence,
                      #"{"rule_code": "MATERIAL_SHORTAGE", "starts_at": "2099-01-02T00:00:00Z", "ends_at": "2099-01-01T00:00:00Z"}"#)
        await deliver(topics.silence, #"{"rule_code": "MATERIAL_SHORTAGE", "ends_at": "\#(future)", "created_by": 77}"#)
        await deliver(topics.silence, #"{"target_type": "SHIP", "target_id": 1, "ends_at": "\#(future)"}"#)
        await deliver(topics.silence, #"{"rule_code": "MATERIAL_SHORTAGE", "ends_at": "\#(future)", "target_id": "7"}"#)
        await deliver(topics.silence, "not json")
        let got = await reasons(count: 11)
        XCTAssertEqual(got, [
            "a silence needs rule_code, or target_type and target_id",
            "ends_at 2020-01-01T00:00:00+08:00 is not in the future",
            "target_type and target_id must be given together",
            "unknown rule_code 'NO_SUCH_RULE'",
            "ends_at 'tomorrow' is not an RFC 3339 date-time",
            "ends_at is missing",
            "ends_at must be after starts_at",
            "created_by: user 77 does not exist",
            "target_type 'SHIP' is not a known target type",
            "target_id must be a positive integer",
            "malformed JSON: the payload is not valid JSON",
        ])
        let stored = try await silences()
        XCTAssertEqual(stored.count, 0)
    }
}
