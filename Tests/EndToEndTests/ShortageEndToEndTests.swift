import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// The vertical slice of the foundation: a trigger over the real broker reaches pms-shortage,
/// generate_shortage_alerts runs on real data, alerts reach the database and the bus, notifications
/// turns them into in-app messages, the scheduler records the run and metrics counts it.
final class ShortageEndToEndTests: XCTestCase {
    var cluster: ServiceCluster!
    var observer: BusObserver!
    var p: String { cluster.topics.prefix }

    override func setUp() async throws {
        cluster = try await ServiceCluster(brokerURL: MosquittoTestServer.shared.url)
        observer = try await BusObserver(brokerURL: MosquittoTestServer.shared.url, filter: cluster.topics.prefix + "/#")
        try await cluster.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES (7, 'pm7', '张经理', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-005', '装配线', 7);
            INSERT INTO material_shortages (id, project_id, material_code, material_name, shortage_qty, required_date, status)
            VALUES (11, 5, 'M-001', '气缸', 5.0000, '2026-01-11', 'OPEN');
            """)
    }

    override func tearDown() async throws {
        await observer.close()
        await cluster.stop()
    }

    func trigger(_ body: String = #"{"requested_by":"e2e","params":{"as_of":"2026-01-09T07:00"}}"#) async throws {
        try await observer.publish("\(p)/trigger/generate_shortage_alerts", body)
    }

    func succeededEvents(_ messages: [MQTTMessage]) -> [RunEvent] {
        messages.filter { $0.topic == "\(p)/run/generate_shortage_alerts/succeeded" }
            .compactMap { try? BusCoding.decode(RunEvent.self, from: $0.payload) }
    }

    func testTriggerProducesTheAlertTheInboxMessageAndASucceededRun() async throws {
        try await trigger()
        let p = self.p
        let seen = await observer.waitFor { messages in
            messages.contains { $0.topic == "\(p)/inbox/7" } && messages.contains { $0.topic.hasSuffix("/run/generate_shortage_alerts/succeeded") }
        }
        let alerts = seen.filter { $0.topic.hasPrefix("\(p)/alert/") }
        XCTAssertEqual(alerts.map(\.topic), ["\(p)/alert/CRITICAL/shortage/MATERIAL_SHORTAGE"])
        let alert = try BusCoding.decode(AlertMessage.self, from: alerts[0].payload)
        XCTAssertEqual(alert.alertNo, "SA202601090001")
        XCTAssertEqual(alert.title, "物料缺料：气缸")
        XCTAssertEqual(alert.content, "物料 M-001 缺料 5.0，需求日期：2026-01-11")
        XCTAssertEqual(alert.event, .raised)

        let inbox = seen.filter { $0.topic == "\(p)/inbox/7" }
        XCTAssertEqual(inbox.count, 1)
        let message = try BusCoding.decode(InboxMessage.self, from: inbox[0].payload)
        XCTAssertEqual(message.userID, 7)
        XCTAssertEqual(message.notificationType, "ALERT_NOTIFICATION")
        XCTAssertEqual(message.title, "物料缺料：气缸")
        XCTAssertEqual(message.linkURL, "/alerts/\(alert.alertID)")
        XCTAssertEqual(message.priority, "CRITICAL")

        let runs = succeededEvents(seen)
        XCTAssertEqual(runs.count, 1)
        XCTAssertEqual(runs[0].result?.created, 1)
        XCTAssertEqual(runs[0].trigger, .manual)
        XCTAssertEqual(runs[0].domain, .shortage)
        let lifecycle = seen.filter { $0.topic.hasPrefix("\(p)/run/generate_shortage_alerts/") }.map { $0.topic.split(separator: "/").last! }
        XCTAssertEqual(lifecycle, ["queued", "started", "succeeded"])

        let delivery = try await cluster.rows("SELECT notify_channel, notify_target, notify_user_id, status, event FROM alert_notifications")
        XCTAssertEqual(delivery.map { "\($0["notify_channel"]!) \($0["notify_target"]!) \($0["notify_user_id"]!) \($0["status"]!) \($0["event"]!)" },
                       ["SYSTEM 7 7 SENT RAISED"])
        let notes = try await cluster.rows("SELECT user_id, notification_type, source_type, source_id, link_url, priority, extra_data->>'alert_no' AS no FROM notifications")
        XCTAssertEqual(notes.count, 1)
        XCTAssertEqual(notes[0]["user_id"], "7")
        XCTAssertEqual(notes[0]["source_type"], "alert")
        XCTAssertEqual(notes[0]["source_id"], "\(alert.alertID)")
        XCTAssertEqual(notes[0]["link_url"], "/alerts/\(alert.alertID)")
        XCTAssertEqual(notes[0]["no"], "SA202601090001")

        // The scheduler's run history and the metrics follow the run events.
        let history = await waitForRows("SELECT status, requested_by, trigger, params->>'as_of' AS as_of FROM job_runs WHERE status = 'succeeded'")
        XCTAssertEqual(history.map { "\($0["status"]!) \($0["requested_by"]!) \($0["trigger"]!) \($0["as_of"]!)" },
                       ["succeeded e2e manual 2026-01-09T07:00"])
        let metrics = try await waitForMetrics(containing: #"scheduler_job_success_total{job_id="generate_shortage_alerts""#)
        XCTAssertTrue(metrics.contains(#"scheduler_job_success_total{job_id="generate_shortage_alerts",job_name="缺料预警生成",owner="Supply Chain",category="Shortage"} 1"#), metrics)
    }

    func testSecondTriggerTheSameDayAddsNoAlert() async throws {
        try await trigger()
        let p = self.p
        await observer.waitFor { msgs in msgs.filter { $0.topic == "\(p)/run/generate_shortage_alerts/succeeded" }.count == 1 }
        try await trigger(#"{"requested_by":"e2e","params":{"as_of":"2026-01-09T11:00"}}"#)
        await observer.waitFor { msgs in
            msgs.filter { $0.topic == "\(p)/run/generate_shortage_alerts/succeeded" }.count == 2
                && msgs.contains { $0.topic.hasPrefix("\(p)/inbox/") }
        }
        try await Task.sleep(nanoseconds: 500_000_000)  // room for a second inbox message, which must not come
        let seen = await observer.messages()
        XCTAssertEqual(succeededEvents(seen).map { $0.result?.created }, [1, 0])
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") }.count, 1)
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/inbox/") }.count, 1)
        let value1 = try await cluster.rows("SELECT id FROM alert_records").count
        XCTAssertEqual(value1, 1)
    }

    func testTheSameTickDeliveredTwiceRunsOnce() async throws {
        let tick = TickMessage(runID: UUID(), jobID: "generate_shortage_alerts",
                               scheduledFor: RFC3339.parse("2026-01-09T07:00:00+08:00")!, trigger: .cron)
        let text = String(decoding: try BusCoding.encode(tick), as: UTF8.self)
        try await observer.publish("\(p)/tick/shortage/generate_shortage_alerts", text)
        try await observer.publish("\(p)/tick/shortage/generate_shortage_alerts", text)
        let p = self.p
        await observer.waitFor { msgs in msgs.contains { $0.topic == "\(p)/run/generate_shortage_alerts/succeeded" } }
        try await Task.sleep(nanoseconds: 1_500_000_000)  // room for a wrong second run to show up
        let seen = await observer.messages()
        XCTAssertEqual(seen.filter { $0.topic == "\(p)/run/generate_shortage_alerts/succeeded" }.count, 1)
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") }.count, 1)
        let value2 = try await cluster.rows("SELECT run_id FROM executed_runs").count
        XCTAssertEqual(value2, 1)
    }

    func testBadInputGivesErrorEventsAndEveryServiceKeepsRunning() async throws {
        try await observer.publish("\(p)/trigger/generate_shortage_alerts", "this is not json")
        try await observer.publish("\(p)/trigger/no_such_job", "{}")
        try await observer.publish("\(p)/trigger/generate_shortage_alerts", #"{"params":{"as_of":"someday"}}"#)
        try await observer.publish("\(p)/tick/shortage/generate_shortage_alerts", #"{"run_id": 5}"#)
        try await observer.publish("\(p)/tick/shortage/no_such_job", #"{"run_id":"2F1C8C3E-6A43-4C43-9D42-8E3C3A8E2B10","job_id":"no_such_job","scheduled_for":"2026-01-09T07:00:00+08:00","trigger":"cron","attempt":1}"#)
        try await observer.publish("\(p)/alert/URGENT/shortage/MATERIAL_SHORTAGE", "{]")
        let p = self.p
        let seen = await observer.waitFor { msgs in msgs.filter { $0.topic.hasPrefix("\(p)/errors/") }.count >= 6 }
        let errors = seen.filter { $0.topic.hasPrefix("\(p)/errors/") }.compactMap { message -> String? in
            guard let event = try? BusCoding.decode(ErrorEventMessage.self, from: message.payload) else { return nil }
            return "\(message.topic.split(separator: "/").last!): \(event.reason)"
        }.sorted()
        XCTAssertEqual(errors.count, 6, "\(errors)")
        XCTAssertTrue(errors.contains { $0.hasPrefix("scheduler: malformed trigger: not valid JSON") }, "\(errors)")
        XCTAssertTrue(errors.contains("scheduler: unknown job 'no_such_job'; `pmsctl jobs` lists the 37 job ids"), "\(errors)")
        XCTAssertTrue(errors.contains { $0.hasPrefix("scheduler: malformed trigger: field 'params.as_of'") }, "\(errors)")
        XCTAssertTrue(errors.contains("shortage: malformed tick: field 'run_id': expected a string") || errors.contains { $0.hasPrefix("shortage: malformed tick: field 'run_id'") }, "\(errors)")
        XCTAssertTrue(errors.contains("shortage: unknown job 'no_such_job' for domain shortage"), "\(errors)")
        XCTAssertTrue(errors.contains { $0.hasPrefix("notifications: malformed alert event: not valid JSON") }, "\(errors)")
        let value3 = try await cluster.rows("SELECT id FROM job_runs").count
        XCTAssertEqual(value3, 0, "rejected input starts no run")

        // Still running: a good trigger works end to end.
        try await trigger()
        let after = await observer.waitFor { msgs in msgs.contains { $0.topic == "\(p)/inbox/7" } }
        XCTAssertEqual(after.filter { $0.topic == "\(p)/inbox/7" }.count, 1)
    }

    private func waitForRows(_ sql: String, timeout: Double = 10) async -> [PostgresRow] {
        let deadline = Date().addingTimeInterval(timeout)
        var rows: [PostgresRow] = []
        while Date() < deadline {
            rows = ((try? await cluster.rows(sql)) ?? [])
            if !rows.isEmpty { return rows }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        return rows
    }

    private func waitForMetrics(containing text: String, timeout: Double = 10) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var body = ""
        while Date() < deadline {
            body = (try? await cluster.metricsText()) ?? ""
            if body.contains(text) { return body }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        return body
    }
}
