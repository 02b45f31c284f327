import Foundation
import PMSBus
import PMSRuntime
import ShortageService
import PMSTestSupport
import XCTest

/// services-shortage-production.md, generate_shortage_alerts: every acceptance scenario (corrected
/// behaviour), plus detection, lifecycle and idempotency. D = 2026-01-09 (Asia/Shanghai).
final class GenerateShortageAlertsTests: XCTestCase {
    var h: JobHarness!
    let job = GenerateShortageAlerts()

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .shortage)
        // User 7 is active and the PM of project 5; user 8 is a buyer (role PU); user 9 is inactive.
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES (7, 'pm7', '张经理', true), (8, 'buyer8', '李采购', true), (9, 'gone9', '离职', false);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-005', '装配线', 7);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func insertShortage(id: Int, required: String?, status: String = "OPEN", qty: String = "5.0000",
                        code: String = "M-001", name: String = "气缸", project: Int = 5) async throws {
        try await h.db.execute(
            """
            INSERT INTO material_shortages (id, project_id, material_code, material_name, shortage_qty, required_date, status)
            VALUES ($1, $2, $3, $4, $5::numeric, $6::date, $7)
            """, [id, project, code, name, qty, required, status])
    }

    // Scenario 1.
    func testOpenShortageRaisesOneExactAlertForThePM() async throws {
        try await insertShortage(id: 11, required: "2026-01-11")
        let value1 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value1)

        let alerts = try await h.rows("""
            SELECT a.alert_no, a.target_type, a.target_id, a.target_no, a.target_name, a.project_id, a.alert_level,
                   a.alert_title, a.alert_content, a.trigger_value, a.threshold_value, a.status, a.dedup_key, r.rule_code
              FROM alert_records a JOIN alert_rules r ON r.id = a.rule_id
            """)
        XCTAssertEqual(alerts.count, 1)
        let a = alerts[0]
        XCTAssertEqual(a["alert_no"], "SA202601090001")
        XCTAssertEqual(a["rule_code"], "MATERIAL_SHORTAGE")
        XCTAssertEqual(a["target_type"], "MATERIAL_SHORTAGE")
        XCTAssertEqual(a["target_id"], "11")
        XCTAssertEqual(a["target_no"], "M-001")
        XCTAssertEqual(a["target_name"], "气缸 缺料")
        XCTAssertEqual(a["project_id"], "5")
        XCTAssertEqual(a["alert_level"], "CRITICAL")
        XCTAssertEqual(a["alert_title"], "物料缺料：气缸")
        XCTAssertEqual(a["alert_content"], "物料 M-001 缺料 5.0，需求日期：2026-01-11")
        XCTAssertEqual(a["trigger_value"], "5.0")
        XCTAssertEqual(a["threshold_value"], "0")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["dedup_key"], "MATERIAL_SHORTAGE:MATERIAL_SHORTAGE:11")

        let recipients = try await h.rows("SELECT user_id, reason FROM alert_recipients")
        XCTAssertEqual(recipients.map { [$0["user_id"]!, $0["reason"]!] }, [["7", "PM"]])

        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/CRITICAL/shortage/MATERIAL_SHORTAGE"])
        XCTAssertEqual(events[0].alert.alertNo, "SA202601090001")
        XCTAssertEqual(events[0].alert.event, .raised)
        XCTAssertEqual(events[0].alert.content, "物料 M-001 缺料 5.0，需求日期：2026-01-11")
        XCTAssertEqual(events[0].alert.triggeredAt, RFC3339.parse("2026-01-09T07:00:00+08:00"))

        let result = try await h.lastResult("generate_shortage_alerts")
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
    }

    // Scenario 2 (corrected mapping).
    func testLevelsFollowDaysToNeedAndNumbersFollowLoadOrder() async throws {
        try await insertShortage(id: 21, required: "2026-01-08", code: "M-021")
        try await insertShortage(id: 22, required: "2026-01-14", code: "M-022")
        try await insertShortage(id: 23, required: "2026-01-19", code: "M-023")
        try await insertShortage(id: 24, required: nil, code: "M-024")
        let value2 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value2)
        let rows = try await h.rows("SELECT target_id, alert_level, alert_no, alert_content FROM alert_records ORDER BY target_id")
        XCTAssertEqual(rows.map { $0["alert_level"]! }, ["URGENT", "WARNING", "INFO", "INFO"])
        XCTAssertEqual(rows.map { $0["alert_no"]! }, ["SA202601090001", "SA202601090002", "SA202601090003", "SA202601090004"])
        XCTAssertEqual(rows[3]["alert_content"], "物料 M-024 缺料 5.0，需求日期：未设置")
    }

    func testLevelBoundariesThreeAndSevenDays() async throws {
        try await insertShortage(id: 31, required: "2026-01-09", code: "A")  // 0 days
        try await insertShortage(id: 32, required: "2026-01-12", code: "B")  // 3
        try await insertShortage(id: 33, required: "2026-01-13", code: "C")  // 4
        try await insertShortage(id: 34, required: "2026-01-16", code: "D")  // 7
        try await insertShortage(id: 35, required: "2026-01-17", code: "E")  // 8
        let value3 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value3)
        let levels = try await h.rows("SELECT alert_level FROM alert_records ORDER BY target_id").map { $0["alert_level"]! }
        XCTAssertEqual(levels, ["CRITICAL", "CRITICAL", "WARNING", "WARNING", "INFO"])
    }

    // Scenario 3.
    func testAcknowledgedAndResolvedShortagesRaiseNothing() async throws {
        try await insertShortage(id: 41, required: "2026-01-10", status: "ACKNOWLEDGED")
        try await insertShortage(id: 42, required: "2026-01-10", status: "RESOLVED")
        let value4 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value4)
        let value5 = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(value5, 0)
        let result = try await h.lastResult("generate_shortage_alerts")
        XCTAssertEqual(result?.checked, 0)
        XCTAssertEqual(result?.created, 0)
    }

    // Scenario 4, corrected: also when the alert was acknowledged.
    func testRerunTheSameDayWritesNothingNewEvenAfterAcknowledge() async throws {
        try await insertShortage(id: 11, required: "2026-01-11")
        let value6 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value6)
        let value7 = await h.run(job, at: "2026-01-09T07:30")
        XCTAssertSucceeded(value7)
        let value8 = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(value8, 1)
        try await h.exec("UPDATE alert_records SET status = 'ACKNOWLEDGED'")
        let value9 = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(value9)
        let value10 = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(value10, 1)
        let value11 = try await h.alertEvents().count
        XCTAssertEqual(value11, 1, "one raised event, nothing on re-runs")
        let value12 = try await h.lastResult("generate_shortage_alerts")?.created
        XCTAssertEqual(value12, 0)
    }

    // Scenario 5, first half: the level rises in place.
    func testOpenAlertRisesToUrgentWhenTheNeedDatePasses() async throws {
        try await insertShortage(id: 11, required: "2026-01-19")
        let value13 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value13)
        let value14 = try await h.rows("SELECT alert_level FROM alert_records").first?["alert_level"]
        XCTAssertEqual(value14, "INFO")
        try await h.exec("UPDATE material_shortages SET required_date = '2026-01-08' WHERE id = 11")
        let value15 = await h.run(job, at: "2026-01-09T07:30")
        XCTAssertSucceeded(value15)
        let rows = try await h.rows("SELECT alert_no, alert_level, alert_content FROM alert_records")
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_no"], "SA202601090001")
        XCTAssertEqual(rows[0]["alert_level"], "URGENT")
        XCTAssertEqual(rows[0]["alert_content"], "物料 M-001 缺料 5.0，需求日期：2026-01-08")
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/INFO/shortage/MATERIAL_SHORTAGE",
                                             "pms/v1/alert/URGENT/shortage/MATERIAL_SHORTAGE"])
        XCTAssertEqual(events.map(\.alert.event), [.raised, .escalated])
    }

    func testLevelNeverFalls() async throws {
        try await insertShortage(id: 11, required: "2026-01-08")
        let value16 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value16)
        try await h.exec("UPDATE material_shortages SET required_date = '2026-02-20', shortage_qty = 2 WHERE id = 11")
        let value17 = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(value17)
        let row = try await h.rows("SELECT alert_level, trigger_value FROM alert_records").first
        XCTAssertEqual(row?["alert_level"], "URGENT")
        XCTAssertEqual(row?["trigger_value"], "2.0", "the content and trigger value are refreshed")
    }

    // Scenario 5, second half.
    func testAlertResolvesItselfWhenTheShortageIsResolved() async throws {
        try await insertShortage(id: 11, required: "2026-01-11")
        let value18 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value18)
        try await h.exec("UPDATE material_shortages SET status = 'RESOLVED' WHERE id = 11")
        let value19 = await h.run(job, at: "2026-01-10T07:00")
        XCTAssertSucceeded(value19)
        let row = try await h.rows("SELECT status, handle_result, handle_end_at = '2026-01-10T07:00:00+08:00'::timestamptz AS at_now FROM alert_records").first
        XCTAssertEqual(row?["status"], "RESOLVED")
        XCTAssertEqual(row?["handle_result"], "AUTO: condition cleared")
        XCTAssertEqual(row?["at_now"], "t")
        let value20 = try await h.lastResult("generate_shortage_alerts")?.resolved
        XCTAssertEqual(value20, 1)
    }

    func testAcknowledgedShortageKeepsItsOpenAlert() async throws {
        try await insertShortage(id: 11, required: "2026-01-11")
        let value21 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value21)
        try await h.exec("UPDATE material_shortages SET status = 'ACKNOWLEDGED' WHERE id = 11")
        let value22 = await h.run(job, at: "2026-01-10T07:00")
        XCTAssertSucceeded(value22)
        let value23 = try await h.rows("SELECT status FROM alert_records").map { $0["status"]! }
        XCTAssertEqual(value23, ["PENDING"])
    }

    func testIgnoredAlertSuppressesWhileTheConditionHolds() async throws {
        try await insertShortage(id: 11, required: "2026-01-11")
        let value24 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value24)
        try await h.exec("UPDATE alert_records SET status = 'IGNORED'")
        let value25 = await h.run(job, at: "2026-01-10T07:00")
        XCTAssertSucceeded(value25)
        let value26 = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(value26, 1)
        // The condition breaks, then returns: a new alert.
        try await h.exec("UPDATE material_shortages SET status = 'RESOLVED' WHERE id = 11")
        let value27 = await h.run(job, at: "2026-01-11T07:00")
        XCTAssertSucceeded(value27)
        let value28 = try await h.count("SELECT 1 FROM alert_records WHERE condition_cleared_at IS NOT NULL")
        XCTAssertEqual(value28, 1)
        try await h.exec("UPDATE material_shortages SET status = 'OPEN' WHERE id = 11")
        let value29 = await h.run(job, at: "2026-01-12T07:00")
        XCTAssertSucceeded(value29)
        let value30 = try await h.rows("SELECT status FROM alert_records ORDER BY id").map { $0["status"]! }
        XCTAssertEqual(value30, ["IGNORED", "PENDING"])
    }

    func testInactiveOrArchivedProjectsAreOutOfScope() async throws {
        try await h.exec("INSERT INTO projects (id, project_code, project_name, pm_id, is_active) VALUES (6, 'P-006', '停用项目', 7, false)")
        try await insertShortage(id: 11, required: "2026-01-11")
        try await insertShortage(id: 12, required: "2026-01-11", code: "M-012", project: 6)
        let value31 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value31)
        let value32 = try await h.rows("SELECT target_id FROM alert_records").map { $0["target_id"]! }
        XCTAssertEqual(value32, ["11"])
        try await h.exec("UPDATE projects SET is_archived = true WHERE id = 5")
        let value33 = await h.run(job, at: "2026-01-10T07:00")
        XCTAssertSucceeded(value33)
        let value34 = try await h.rows("SELECT status, handle_result FROM alert_records").first?["handle_result"]
        XCTAssertEqual(value34, "AUTO: condition cleared")
    }

    func testRecipientsArePMHandlerAndRoleHoldersOnlyActiveOnes() async throws {
        try await h.exec("""
            INSERT INTO roles (id, role_code, role_name) VALUES (1, 'PU', '采购'), (2, 'PMC', '计划');
            INSERT INTO user_roles (user_id, role_id) VALUES (8, 1), (9, 2), (7, 2);
            """)
        try await insertShortage(id: 11, required: "2026-01-11")
        try await h.exec("UPDATE material_shortages SET handler_id = 8 WHERE id = 11")
        let value35 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value35)
        let recipients = try await h.rows("SELECT user_id, reason, role_code FROM alert_recipients ORDER BY user_id")
        XCTAssertEqual(recipients.map { "\($0["user_id"]!):\($0["reason"]!)" }, ["7:PM", "8:HANDLER"],
                       "first reason wins (PM before ROLE, HANDLER before ROLE); inactive user 9 is left out")
    }

    func testNumbersContinueAfterAlertsOfTheDayAndAcrossRuns() async throws {
        try await h.exec("""
            INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, alert_level, alert_title, alert_content, status)
            VALUES ('SA202601090005', 1, 'MATERIAL_SHORTAGE', 999, 'INFO', 'x', 'x', 'CLOSED');
            """)
        try await insertShortage(id: 11, required: "2026-01-11")
        let value36 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value36)
        try await insertShortage(id: 12, required: "2026-01-11", code: "M-012")
        let value37 = await h.run(job, at: "2026-01-09T10:00")
        XCTAssertSucceeded(value37)
        let value38 = try await h.rows("SELECT alert_no FROM alert_records WHERE target_id IN (11, 12) ORDER BY target_id").map { $0["alert_no"]! }
        XCTAssertEqual(value38,
                       ["SA202601090006", "SA202601090007"])
    }

    func testDisabledRuleWritesNothingAndSaysSo() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'MATERIAL_SHORTAGE'")
        try await insertShortage(id: 11, required: "2026-01-11")
        let value39 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value39)
        let value40 = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(value40, 0)
        let value41 = try await h.lastResult("generate_shortage_alerts")?.note
        XCTAssertEqual(value41, "rule disabled")
    }

    func testMissingRuleFailsTheRunWithTheReason() async throws {
        try await h.exec("DELETE FROM alert_rules WHERE rule_code = 'MATERIAL_SHORTAGE'")
        let outcome = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertEqual(outcome, .failed("rule missing: alert rule MATERIAL_SHORTAGE does not exist"))
        let failed = try await h.rows("SELECT payload->>'error' AS error FROM outbox WHERE topic = 'pms/v1/run/generate_shortage_alerts/failed'")
        XCTAssertEqual(failed.map { $0["error"]! }, ["rule missing: alert rule MATERIAL_SHORTAGE does not exist"])
        let value42 = try await h.count("SELECT 1 FROM executed_runs")
        XCTAssertEqual(value42, 0, "a failed run is not recorded, so a redelivery re-runs it")
    }

    func testTheSameTickDeliveredTwiceRunsOnce() async throws {
        try await insertShortage(id: 11, required: "2026-01-11")
        let runID = UUID()
        let value43 = await h.run(job, at: "2026-01-09T07:00", runID: runID)
        XCTAssertSucceeded(value43)
        try await insertShortage(id: 12, required: "2026-01-11", code: "M-012")
        let value44 = await h.run(job, at: "2026-01-09T07:00", runID: runID)
        XCTAssertEqual(value44, .duplicate)
        let value45 = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(value45, 1)
        let value46 = try await h.count("SELECT 1 FROM outbox WHERE topic LIKE 'pms/v1/run/%/started'")
        XCTAssertEqual(value46, 1)
    }

    func testAsOfParamMakesTheRunBehaveAsOfThatDay() async throws {
        try await insertShortage(id: 11, required: "2026-03-02")
        var tick = JobHarness.tick(job.id, at: "2026-01-09T07:00")
        tick.params = ["as_of": .string("2026-03-01")]
        let value47 = await h.runner.run(job, tick: tick)
        XCTAssertSucceeded(value47)
        let value48 = try await h.rows("SELECT alert_no, alert_level FROM alert_records").map { "\($0["alert_no"]!) \($0["alert_level"]!)" }
        XCTAssertEqual(value48,
                       ["SA202603010001 CRITICAL"])
    }

    func testBadAsOfFailsTheRunWithTheReason() async throws {
        var tick = JobHarness.tick(job.id, at: "2026-01-09T07:00")
        tick.params = ["as_of": .string("someday")]
        guard case .failed(let reason) = await h.runner.run(job, tick: tick) else { return XCTFail("expected failure") }
        XCTAssertTrue(reason.contains("params.as_of"), reason)
    }
}
