import Foundation
import PMSRuntime
import ShortageService
import PMSTestSupport
import XCTest

/// services-shortage-production.md, daily_kit_check: every acceptance scenario (corrected), plus
/// level, lifecycle and idempotency. D = 2026-01-09 (Asia/Shanghai), run at 06:00.
final class DailyKitCheckTests: XCTestCase {
    var h: JobHarness!
    let job = DailyKitCheck()

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .shortage)
        try await h.exec("INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (7, 'pm7', true), (12, 'ws-mgr', true)")
    }

    override func tearDown() async throws { await h.close() }

    func order(_ id: Int, status: String = "PENDING", start: String, project: Int? = nil, workshop: Int? = nil,
               machine: Int? = nil, name: String? = nil) async throws {
        try await h.db.execute(
            """
            INSERT INTO work_order (id, work_order_no, task_name, status, plan_start_date, project_id, workshop_id, machine_id)
            VALUES ($1, $2, $3, $4, $5::date, $6, $7, $8)
            """, [id, "WO-\(id)", name ?? "工单\(id)", status, start, project, workshop, machine])
    }

    func manualCheck(_ order: Int, rate: String?, shortageItems: Int?, at time: String) async throws {
        try await h.db.execute(
            """
            INSERT INTO mat_kit_check (work_order_id, kit_rate, shortage_items, check_time, check_method)
            VALUES ($1, $2::numeric, $3, $4::timestamptz, 'manual')
            """, [order, rate, shortageItems, time])
    }

    // Scenario 1 (corrected recipients: no fallback to user 1).
    func testLowManualKitRateRaisesTheExactAlert() async throws {
        try await order(21, status: "ASSIGNED", start: "2026-01-12", name: "装配A")
        try await manualCheck(21, rate: "60.00", shortageItems: 3, at: "2026-01-08T10:00:00+08:00")
        let value1 = await h.run(job, at: "2026-01-09T06:00")
        XCTAssertSucceeded(value1)
        let rows = try await h.rows("""
            SELECT alert_no, target_type, target_id, target_no, target_name, project_id, alert_level, alert_title,
                   alert_content, trigger_value, threshold_value, status FROM alert_records
            """)
        XCTAssertEqual(rows.count, 1)
        let a = rows[0]
        XCTAssertEqual(a["alert_no"], "KC202601090001")
        XCTAssertEqual(a["target_type"], "WORK_ORDER")
        XCTAssertEqual(a["target_id"], "21")
        XCTAssertEqual(a["target_no"], "WO-21")
        XCTAssertEqual(a["target_name"], "装配A")
        XCTAssertNil(a["project_id"])
        XCTAssertEqual(a["alert_level"], "WARNING")
        XCTAssertEqual(a["alert_title"], "工单齐套率过低：装配A")
        XCTAssertEqual(a["alert_content"], "工单 WO-21 齐套率仅 60.0%，缺料 3 项")
        XCTAssertEqual(a["trigger_value"], "60.0")
        XCTAssertEqual(a["threshold_value"], "80")
        XCTAssertEqual(a["status"], "PENDING")
        let value2 = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(value2, 0, "user 1 is never a silent fallback")
        let value3 = try await h.alertEvents().map(\.topic)
        XCTAssertEqual(value3, ["pms/v1/alert/WARNING/shortage/KIT_RATE_LOW"])
    }

    // Scenario 2.
    func testOrdersOutsideTheWindowOrAlreadyStartedAreNotChecked() async throws {
        try await order(22, start: "2026-01-17")
        try await order(23, status: "STARTED", start: "2026-01-10")
        try await manualCheck(22, rate: "10.00", shortageItems: 9, at: "2026-01-08T10:00:00+08:00")
        try await manualCheck(23, rate: "10.00", shortageItems: 9, at: "2026-01-08T10:00:00+08:00")
        let value4 = await h.run(job, at: "2026-01-09T06:00")
        XCTAssertSucceeded(value4)
        let value5 = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(value5, 0)
        let value6 = try await h.lastResult("daily_kit_check")?.checked
        XCTAssertEqual(value6, 0)
    }

    // Scenario 3.
    func testOnlyTheLatestCheckCountsAndEightyIsNotBelowEighty() async throws {
        try await order(24, start: "2026-01-09")
        try await manualCheck(24, rate: "50.00", shortageItems: 5, at: "2026-01-05T10:00:00+08:00")
        try await manualCheck(24, rate: "80.00", shortageItems: 1, at: "2026-01-08T10:00:00+08:00")
        let value7 = await h.run(job, at: "2026-01-09T06:00")
        XCTAssertSucceeded(value7)
        let value8 = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(value8, 0)
    }

    // Scenario 4.
    func testRerunTheSameDayAddsNoRow() async throws {
        try await order(21, status: "ASSIGNED", start: "2026-01-12")
        try await manualCheck(21, rate: "60.00", shortageItems: 3, at: "2026-01-08T10:00:00+08:00")
        let value9 = await h.run(job, at: "2026-01-09T06:00")
        XCTAssertSucceeded(value9)
        let value10 = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(value10)
        let value11 = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(value11, 1)
        let value12 = try await h.lastResult("daily_kit_check")?.created
        XCTAssertEqual(value12, 0)
    }

    // Scenario 5.
    func testFreshCheckFromBOMLinesIsStoredAndAlerts() async throws {
        try await h.exec("""
            INSERT INTO materials (id, material_code, material_name, current_stock) VALUES
              (1, 'M-1', '螺丝', 100), (2, 'M-2', '气缸', 0), (3, 'M-3', '导轨', 0), (4, 'M-4', '电机', 0);
            INSERT INTO purchase_orders (id, order_no, status) VALUES (600, 'PO-600', 'ORDERED'), (601, 'PO-601', 'DRAFT');
            -- M-2 in transit 5 (enough), M-3 in transit 1 of 2 (partly), M-4 only on a draft order (nothing)
            INSERT INTO purchase_order_items (order_id, material_id, material_code, quantity, received_qty, status) VALUES
              (600, 2, 'M-2', 5, 0, 'PENDING'), (600, 3, 'M-3', 1, 0, 'PENDING'), (601, 4, 'M-4', 10, 0, 'PENDING');
            """)
        try await order(25, start: "2026-01-11")
        try await h.exec("""
            INSERT INTO mat_work_order_bom (work_order_id, material_id, material_code, required_qty) VALUES
              (25, 1, 'M-1', 10), (25, 2, 'M-2', 5), (25, 3, 'M-3', 2), (25, 4, 'M-4', 1);
            """)
        // Three of four lines fully available? M-1 yes, M-2 yes, M-3 partly, M-4 no -> 2 of 4. Make M-3 covered:
        try await h.exec("UPDATE materials SET current_stock = 1 WHERE id = 3")
        let value13 = await h.run(job, at: "2026-01-09T06:00")
        XCTAssertSucceeded(value13)
        let checks = try await h.rows("""
            SELECT check_no, check_method, check_type, kit_rate, kit_status, total_items, fulfilled_items, shortage_items,
                   in_transit_items, can_start, check_date, shortage_summary::text AS summary
              FROM mat_kit_check WHERE work_order_id = 25
            """)
        XCTAssertEqual(checks.count, 1)
        XCTAssertEqual(checks[0]["check_no"], "AUTO-20260109-25")
        XCTAssertEqual(checks[0]["check_method"], "auto")
        XCTAssertEqual(checks[0]["check_type"], "work_order")
        XCTAssertEqual(checks[0]["kit_rate"], "75.00")
        XCTAssertEqual(checks[0]["kit_status"], "partial")
        XCTAssertEqual(checks[0]["total_items"], "4")
        XCTAssertEqual(checks[0]["fulfilled_items"], "3")
        XCTAssertEqual(checks[0]["shortage_items"], "1")
        XCTAssertEqual(checks[0]["in_transit_items"], "0")
        XCTAssertEqual(checks[0]["can_start"], "f")
        XCTAssertEqual(checks[0]["check_date"], "2026-01-09")
        XCTAssertEqual(checks[0]["summary"], #"[{"material": "M-4", "required": 1.0000, "available": 0.0000}]"#)
        let alert = try await h.rows("SELECT alert_no, alert_level, alert_content FROM alert_records").first
        XCTAssertEqual(alert?["alert_no"], "KC202601090001")
        XCTAssertEqual(alert?["alert_level"], "WARNING")
        XCTAssertEqual(alert?["alert_content"], "工单 WO-25 齐套率仅 75.0%，缺料 1 项")

        // Same day again: still one auto row, one alert.
        let value14 = await h.run(job, at: "2026-01-09T12:00")
        XCTAssertSucceeded(value14)
        let value15 = try await h.count("SELECT 1 FROM mat_kit_check WHERE work_order_id = 25")
        XCTAssertEqual(value15, 1)
        let value16 = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(value16, 1)
    }

    func testMachineBOMIsUsedWhenTheOrderHasNoLinesOfItsOwn() async throws {
        try await h.exec("""
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-5', '线体', 7);
            INSERT INTO machines (id, project_id, machine_code) VALUES (50, 5, 'MC-50');
            INSERT INTO materials (id, material_code, material_name, current_stock) VALUES (1, 'M-1', '螺丝', 3), (2, 'M-2', '气缸', 0);
            INSERT INTO bom_headers (id, project_id, machine_id, status, is_latest) VALUES (70, 5, 50, 'RELEASED', true);
            INSERT INTO bom_items (bom_id, material_id, quantity) VALUES (70, 1, 1), (70, 2, 1);
            INSERT INTO workshop (id, workshop_name, manager_id) VALUES (3, '总装车间', 12);
            """)
        try await order(26, start: "2026-01-10", project: 5, workshop: 3, machine: 50)
        try await h.exec("UPDATE work_order SET plan_qty = 2 WHERE id = 26")
        let value17 = await h.run(job, at: "2026-01-09T06:00")
        XCTAssertSucceeded(value17)
        let check = try await h.rows("SELECT kit_rate, kit_status FROM mat_kit_check WHERE work_order_id = 26").first
        XCTAssertEqual(check?["kit_rate"], "50.00", "M-1: 3 ≥ 1×2; M-2: 0 < 1×2")
        XCTAssertEqual(check?["kit_status"], "partial")
        let alert = try await h.rows("SELECT alert_level, project_id FROM alert_records").first
        XCTAssertEqual(alert?["alert_level"], "CRITICAL", "starts on D+1")
        XCTAssertEqual(alert?["project_id"], "5")
        let recipients = try await h.rows("SELECT user_id, reason FROM alert_recipients ORDER BY user_id")
        XCTAssertEqual(recipients.map { "\($0["user_id"]!):\($0["reason"]!)" }, ["7:PM", "12:WORKSHOP_MANAGER"])
    }

    func testAlertResolvesWhenTheKitRateRecovers() async throws {
        try await order(21, start: "2026-01-12")
        try await manualCheck(21, rate: "60.00", shortageItems: 3, at: "2026-01-08T10:00:00+08:00")
        let value18 = await h.run(job, at: "2026-01-09T06:00")
        XCTAssertSucceeded(value18)
        try await manualCheck(21, rate: "95.00", shortageItems: 0, at: "2026-01-09T10:00:00+08:00")
        let value19 = await h.run(job, at: "2026-01-10T06:00")
        XCTAssertSucceeded(value19)
        let row = try await h.rows("SELECT status, handle_result FROM alert_records").first
        XCTAssertEqual(row?["status"], "RESOLVED")
        XCTAssertEqual(row?["handle_result"], "AUTO: condition cleared")
    }

    func testNullKitRateCountsAsZeroAndLevelRisesNearTheStart() async throws {
        try await order(27, start: "2026-01-13")
        try await manualCheck(27, rate: nil, shortageItems: nil, at: "2026-01-08T10:00:00+08:00")
        let value20 = await h.run(job, at: "2026-01-09T06:00")
        XCTAssertSucceeded(value20)
        let value21 = try await h.rows("SELECT alert_content, alert_level FROM alert_records").map { "\($0["alert_level"]!) \($0["alert_content"]!)" }
        XCTAssertEqual(value21,
                       ["WARNING 工单 WO-27 齐套率仅 0.0%，缺料 0 项"])
        let value22 = await h.run(job, at: "2026-01-12T06:00")
        XCTAssertSucceeded(value22)
        let value23 = try await h.rows("SELECT alert_level FROM alert_records").map { $0["alert_level"]! }
        XCTAssertEqual(value23, ["CRITICAL"])
    }

    func testOrdersWithNeitherLinesNorChecksAreSkipped() async throws {
        try await order(28, start: "2026-01-10")
        let value24 = await h.run(job, at: "2026-01-09T06:00")
        XCTAssertSucceeded(value24)
        let result = try await h.lastResult("daily_kit_check")
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.skipped, 1)
        let value25 = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(value25, 0)
    }

    func testDisabledRuleWritesNothing() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'KIT_RATE_LOW'")
        try await order(21, start: "2026-01-12")
        try await manualCheck(21, rate: "60.00", shortageItems: 3, at: "2026-01-08T10:00:00+08:00")
        let value26 = await h.run(job, at: "2026-01-09T06:00")
        XCTAssertSucceeded(value26)
        let value27 = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(value27, 0)
        let value28 = try await h.lastResult("daily_kit_check")?.note
        XCTAssertEqual(value28, "rule disabled")
    }
}
