import Foundation
import PMSPostgres
import PMSRuntime
import ProductionService
import PMSTestSupport
import XCTest

/// services-shortage-production.md, check_equipment_maintenance_reminder: every acceptance scenario
/// (corrected expectations), plus recipients, overdue reminders, idempotency and redelivery.
/// D = 2026-01-09 (Asia/Shanghai), run at 08:30. Users 1–8 active; workshop 1's manager is user 13 (active);
/// equipment 71 'EQ-71' '数控车床', last maintenance D−87 = 2025-10-14.
final class CheckEquipmentMaintenanceReminderTests: XCTestCase {
    var h: JobHarness!
    let job = CheckEquipmentMaintenanceReminder()
    let jobID = "check_equipment_maintenance_reminder"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .production)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES
              (1, 'u1', true), (2, 'u2', true), (3, 'u3', true), (4, 'u4', true), (5, 'u5', true),
              (6, 'u6', true), (7, 'u7', true), (8, 'u8', true), (13, 'ws13', true);
            INSERT INTO workshop (id, workshop_code, workshop_name, manager_id) VALUES (1, 'WS-1', '机加车间', 13);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func equipment(_ id: Int, code: String, name: String, next: String?, workshop: Int? = 1, active: Bool = true,
                   status: String = "IDLE", last: String? = "2025-10-14") async throws {
        try await h.db.execute(
            """
            INSERT INTO equipment (id, equipment_code, equipment_name, workshop_id, status, is_active,
                                   last_maintenance_date, next_maintenance_date)
            VALUES ($1, $2, $3, $4, $5, $6, $7::date, $8::date)
            """, [id, code, name, workshop, status, active, last, next])
    }

    func equipment71(next: String) async throws {
        try await equipment(71, code: "EQ-71", name: "数控车床", next: next)
    }

    func extraMatches(_ json: String, sourceID: Int) async throws -> Bool {
        let row = try await h.rows(
            "SELECT bool_and(extra_data = $1::jsonb) AS same FROM notifications WHERE source_id = $2", [json, sourceID])
        return row.first?["same"] == "t"
    }

    // Scenario 1, corrected: one row, for the workshop manager 13, with the exact texts and payload.
    func testScenario1DueInThreeDaysRemindsTheWorkshopManager() async throws {
        try await equipment71(next: "2026-01-12")
        let outcome = await h.run(job, at: "2026-01-09T08:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 1)
        let n = rows[0]
        XCTAssertEqual(n["user_id"], "13")
        XCTAssertEqual(n["notification_type"], "EQUIPMENT_MAINTENANCE_REMINDER")
        XCTAssertEqual(n["priority"], "HIGH")
        XCTAssertEqual(n["title"], "设备保养提醒：数控车床")
        XCTAssertEqual(n["content"], "设备 EQ-71（数控车床）将在 3 天后进行保养，保养日期：2026-01-12，请提前安排。")
        XCTAssertEqual(n["source_type"], "equipment")
        XCTAssertEqual(n["source_id"], "71")
        XCTAssertEqual(n["link_url"], "/production/equipment/71")
        XCTAssertEqual(n["is_read"], "f")
        XCTAssertEqual(n["dedupe_key"], "EQUIPMENT_MAINTENANCE_REMINDER|equipment|71|13|2026-01-12|3")
        XCTAssertEqual(n["created"], "2026-01-09 08:30")
        let extraOK = try await extraMatches("""
            {"equipment_code": "EQ-71", "equipment_name": "数控车床", "next_maintenance_date": "2026-01-12",
             "days_until_maintenance": 3, "last_maintenance_date": "2025-10-14"}
            """, sourceID: 71)
        XCTAssertTrue(extraOK, "extra_data was \(n["extra"] ?? "NULL")")

        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["production pms/v1/inbox/13"])
        let payload = try await h.rows("""
            SELECT o.payload->>'user_id' AS user_id, o.payload->>'title' AS title, o.payload->>'content' AS content,
                   o.payload->>'priority' AS priority, o.payload->>'link_url' AS link_url,
                   o.payload->>'source_type' AS source_type, o.payload->>'source_id' AS source_id,
                   o.payload->>'notification_type' AS type, o.payload->>'created_at' AS created_at,
                   (o.payload->>'notification_id')::bigint = n.id AS same_id
              FROM outbox o JOIN notifications n ON true WHERE o.topic = 'pms/v1/inbox/13'
            """)
        let p = try XCTUnwrap(payload.first)
        XCTAssertEqual(p["user_id"], "13")
        XCTAssertEqual(p["title"], "设备保养提醒：数控车床")
        XCTAssertEqual(p["content"], "设备 EQ-71（数控车床）将在 3 天后进行保养，保养日期：2026-01-12，请提前安排。")
        XCTAssertEqual(p["priority"], "HIGH")
        XCTAssertEqual(p["link_url"], "/production/equipment/71")
        XCTAssertEqual(p["source_type"], "equipment")
        XCTAssertEqual(p["source_id"], "71")
        XCTAssertEqual(p["type"], "EQUIPMENT_MAINTENANCE_REMINDER")
        XCTAssertEqual(p["created_at"], "2026-01-09T00:30:00.000Z")
        XCTAssertEqual(p["same_id"], "t")

        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 1)
        XCTAssertEqual(result?.skipped, 0)
        XCTAssertEqual(result?.unrouted, 0)
    }

    // Scenario 2, corrected: D+1 and D → URGENT (D reads "今天需要进行保养"), D+7 → NORMAL, D+8 → nothing,
    // D−1 → an URGENT overdue reminder.
    func testScenario2PriorityMappingAndTexts() async throws {
        try await equipment(81, code: "EQ-81", name: "铣床", next: "2026-01-10")
        try await equipment(82, code: "EQ-82", name: "磨床", next: "2026-01-09")
        try await equipment(83, code: "EQ-83", name: "钻床", next: "2026-01-16", last: nil)
        try await equipment(84, code: "EQ-84", name: "冲床", next: "2026-01-17")
        try await equipment(85, code: "EQ-85", name: "折弯机", next: "2026-01-08")
        let outcome = await h.run(job, at: "2026-01-09T08:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["source_id"]! }, ["81", "82", "83", "85"])
        XCTAssertEqual(rows.map { $0["priority"]! }, ["URGENT", "URGENT", "NORMAL", "URGENT"])
        XCTAssertEqual(rows.map { $0["user_id"]! }, ["13", "13", "13", "13"])
        XCTAssertEqual(rows.map { $0["title"]! }, ["设备保养提醒：铣床", "设备保养提醒：磨床", "设备保养提醒：钻床", "设备保养提醒：折弯机"])
        XCTAssertEqual(rows.map { $0["content"]! }, [
            "设备 EQ-81（铣床）将在 1 天后进行保养，保养日期：2026-01-10，请提前安排。",
            "设备 EQ-82（磨床）今天需要进行保养，保养日期：2026-01-09，请提前安排。",
            "设备 EQ-83（钻床）将在 7 天后进行保养，保养日期：2026-01-16，请提前安排。",
            "设备 EQ-85（折弯机）保养已逾期 1 天，保养日期：2026-01-08，请尽快安排。",
        ])
        XCTAssertEqual(rows.map { $0["dedupe_key"]! }, [
            "EQUIPMENT_MAINTENANCE_REMINDER|equipment|81|13|2026-01-10|1",
            "EQUIPMENT_MAINTENANCE_REMINDER|equipment|82|13|2026-01-09|0",
            "EQUIPMENT_MAINTENANCE_REMINDER|equipment|83|13|2026-01-16|7",
            "EQUIPMENT_MAINTENANCE_REMINDER|equipment|85|13|2026-01-08|OVERDUE-2026-01-09",
        ])
        let nullLast = try await extraMatches("""
            {"equipment_code": "EQ-83", "equipment_name": "钻床", "next_maintenance_date": "2026-01-16",
             "days_until_maintenance": 7, "last_maintenance_date": null}
            """, sourceID: 83)
        XCTAssertTrue(nullLast)
        let overdueExtra = try await extraMatches("""
            {"equipment_code": "EQ-85", "equipment_name": "折弯机", "next_maintenance_date": "2026-01-08",
             "days_until_maintenance": -1, "last_maintenance_date": "2025-10-14"}
            """, sourceID: 85)
        XCTAssertTrue(overdueExtra)
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, Array(repeating: "production pms/v1/inbox/13", count: 4))
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 4)   // D+8 is outside the window
        XCTAssertEqual(result?.created, 4)
    }

    // Scenario 3: a re-run at D 09:00 writes nothing new, neither rows nor inbox messages.
    func testScenario3RerunTheSameDayWritesNothingNew() async throws {
        try await equipment71(next: "2026-01-12")
        let first = await h.run(job, at: "2026-01-09T08:30")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(second)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?["created"], "2026-01-09 08:30")
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages.count, 1)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.notified, 0)
        XCTAssertEqual(result?.skipped, 1)
    }

    // Scenario 4, corrected: D+1 with the date unchanged (2 days) is not a threshold; D+2 (1 day) is.
    func testScenario4NextDayOnlyOnThresholds() async throws {
        try await equipment71(next: "2026-01-12")
        let d = await h.run(job, at: "2026-01-09T08:30")
        XCTAssertSucceeded(d)
        let d1 = await h.run(job, at: "2026-01-10T08:30")
        XCTAssertSucceeded(d1)
        let afterD1 = try await h.notifications()
        XCTAssertEqual(afterD1.count, 1)
        let resultD1 = try await h.lastResult(jobID)
        XCTAssertEqual(resultD1?.checked, 1)
        XCTAssertEqual(resultD1?.created, 0)
        let d2 = await h.run(job, at: "2026-01-11T08:30")
        XCTAssertSucceeded(d2)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows.last?["priority"], "URGENT")
        XCTAssertEqual(rows.last?["content"], "设备 EQ-71（数控车床）将在 1 天后进行保养，保养日期：2026-01-12，请提前安排。")
        XCTAssertEqual(rows.last?["dedupe_key"], "EQUIPMENT_MAINTENANCE_REMINDER|equipment|71|13|2026-01-12|1")
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages.count, 2)
    }

    // Scenario 5: inactive equipment (D+2 as in the spec, and D+3, a threshold), a NULL date and DISABLED
    // equipment give no notifications.
    func testScenario5InactiveNullAndDisabledEquipmentGetNothing() async throws {
        try await equipment(72, code: "EQ-72", name: "旧车床", next: "2026-01-11", active: false)
        try await equipment(73, code: "EQ-73", name: "旧铣床", next: "2026-01-12", active: false)
        try await equipment(74, code: "EQ-74", name: "新车床", next: nil)
        try await equipment(75, code: "EQ-75", name: "停用钻床", next: "2026-01-12", status: "DISABLED")
        let outcome = await h.run(job, at: "2026-01-09T08:30")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 0)
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, [])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 0)
        XCTAssertEqual(result?.created, 0)
    }

    // Equipment under MAINTENANCE is still reminded (spec: acceptable); not-due equipment gets nothing.
    func testNotDueEquipmentGetsNothingAndMaintenanceStatusIsReminded() async throws {
        try await equipment(76, code: "EQ-76", name: "镗床", next: "2026-01-14")   // 5 days: no threshold
        try await equipment(77, code: "EQ-77", name: "刨床", next: "2026-02-20")   // far away
        try await equipment(78, code: "EQ-78", name: "线切割", next: "2026-01-12", status: "MAINTENANCE")
        let outcome = await h.run(job, at: "2026-01-09T08:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["source_id"]! }, ["78"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 2)
        XCTAssertEqual(result?.created, 1)
    }

    // Gap 2: overdue maintenance is reminded every day, with the overdue days counting up.
    func testOverdueMaintenanceIsRemindedEveryDay() async throws {
        try await equipment71(next: "2026-01-05")
        let d = await h.run(job, at: "2026-01-09T08:30")
        XCTAssertSucceeded(d)
        let again = await h.run(job, at: "2026-01-09T12:00")
        XCTAssertSucceeded(again)
        let next = await h.run(job, at: "2026-01-10T08:30")
        XCTAssertSucceeded(next)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["content"]! }, [
            "设备 EQ-71（数控车床）保养已逾期 4 天，保养日期：2026-01-05，请尽快安排。",
            "设备 EQ-71（数控车床）保养已逾期 5 天，保养日期：2026-01-05，请尽快安排。",
        ])
        XCTAssertEqual(rows.map { $0["priority"]! }, ["URGENT", "URGENT"])
        XCTAssertEqual(rows.map { $0["dedupe_key"]! }, [
            "EQUIPMENT_MAINTENANCE_REMINDER|equipment|71|13|2026-01-05|OVERDUE-2026-01-09",
            "EQUIPMENT_MAINTENANCE_REMINDER|equipment|71|13|2026-01-05|OVERDUE-2026-01-10",
        ])
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages.count, 2)
    }

    // Recipients: manager plus active PMC holders; an inactive manager and inactive holders get nothing.
    func testRecipientsAreManagerAndActivePMCHoldersNeverInactiveUsers() async throws {
        try await h.exec("""
            INSERT INTO users (id, username, is_active, is_superuser) VALUES
              (20, 'pmc20', true, false), (21, 'pmc21off', false, false), (22, 'super22', true, true),
              (23, 'ws23off', false, false);
            INSERT INTO roles (id, role_code) VALUES (1, 'PMC'), (2, 'QA');
            INSERT INTO user_roles (user_id, role_id) VALUES (20, 1), (21, 1), (5, 2);
            INSERT INTO workshop (id, workshop_code, workshop_name, manager_id) VALUES (2, 'WS-2', '装配车间', 23);
            """)
        try await equipment71(next: "2026-01-12")
        try await equipment(79, code: "EQ-79", name: "装配台", next: "2026-01-12", workshop: 2)
        let outcome = await h.run(job, at: "2026-01-09T08:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        // Equipment 71: manager 13 + PMC 20; equipment 79: inactive manager 23 falls back to PMC 20 alone.
        XCTAssertEqual(rows.map { "\($0["source_id"]!):\($0["user_id"]!)" }, ["71:13", "71:20", "79:20"])
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["production pms/v1/inbox/13", "production pms/v1/inbox/20", "production pms/v1/inbox/20"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 3)
        XCTAssertEqual(result?.notified, 2)
    }

    // Fallback: no active manager and no active role holder → the active superusers only; an inactive
    // role routes to nobody.
    func testFallbackToActiveSuperusers() async throws {
        try await h.exec("""
            INSERT INTO users (id, username, is_active, is_superuser) VALUES
              (22, 'super22', true, true), (24, 'super24off', false, true), (25, 'pmc25', true, false);
            INSERT INTO roles (id, role_code, is_active) VALUES (1, 'PMC', false);
            INSERT INTO user_roles (user_id, role_id) VALUES (25, 1);
            UPDATE users SET is_active = false WHERE id = 13;
            """)
        try await equipment71(next: "2026-01-12")
        try await equipment(80, code: "EQ-80", name: "无车间设备", next: "2026-01-16", workshop: nil)
        let outcome = await h.run(job, at: "2026-01-09T08:30")
        XCTAssertSucceeded(outcome)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { "\($0["source_id"]!):\($0["user_id"]!)" }, ["71:22", "80:22"])
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["production pms/v1/inbox/22", "production pms/v1/inbox/22"])
    }

    // DECISIONS: nobody is a silent fallback; due equipment without any recipient is counted as unrouted.
    func testNoRecipientAtAllIsUnrouted() async throws {
        try await h.exec("UPDATE users SET is_active = false WHERE id = 13")
        try await equipment71(next: "2026-01-12")
        let outcome = await h.run(job, at: "2026-01-09T08:30")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.unrouted, 1)
        XCTAssertEqual(result?.created, 0)
    }

    // A moved maintenance date is a new episode: the same bucket is reminded again for the new date.
    func testMovedDateIsANewEpisode() async throws {
        try await equipment71(next: "2026-01-12")
        let first = await h.run(job, at: "2026-01-09T08:30")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE equipment SET next_maintenance_date = '2026-01-16' WHERE id = 71")
        let second = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(second)
        let rows = try await h.notifications()
        XCTAssertEqual(rows.map { $0["dedupe_key"]! }, [
            "EQUIPMENT_MAINTENANCE_REMINDER|equipment|71|13|2026-01-12|3",
            "EQUIPMENT_MAINTENANCE_REMINDER|equipment|71|13|2026-01-16|7",
        ])
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await equipment71(next: "2026-01-12")
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T08:30", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T08:30", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 1)
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages.count, 1)
    }
}
