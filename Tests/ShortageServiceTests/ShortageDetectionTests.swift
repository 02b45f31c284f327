import Foundation
import PMSRuntime
import ShortageService
import PMSTestSupport
import XCTest

/// The detection pass of generate_shortage_alerts (DECISIONS "Shortage detection"): BOM lines of
/// released, latest BOMs of active projects, needed by D+14, against receipts and open PO coverage.
final class ShortageDetectionTests: XCTestCase {
    var h: JobHarness!
    let job = GenerateShortageAlerts()

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .shortage)
        try await h.exec("""
            INSERT INTO users (id, username, is_active) VALUES (7, 'pm7', true), (8, 'buyer', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-005', '装配线', 7);
            INSERT INTO materials (id, material_code, material_name) VALUES (1, 'M-001', '气缸'), (2, 'M-002', '导轨'), (3, 'M-003', '电机');
            INSERT INTO bom_headers (id, project_id, status, is_latest) VALUES (100, 5, 'RELEASED', true), (101, 5, 'RELEASED', false), (102, 5, 'DRAFT', true);
            -- line 1: needs 10 by D+3, 2 received, an approved PO covers 5 of which 1 arrived -> covered 6, short 4
            INSERT INTO bom_items (id, bom_id, material_id, material_code, material_name, quantity, required_date, received_qty)
            VALUES (1001, 100, 1, 'M-001', '气缸', 10, '2026-01-12', 2),
            -- line 2: fully covered by an ordered PO
                   (1002, 100, 2, 'M-002', '导轨', 4, '2026-01-12', 0),
            -- line 3: short but needed after D+14
                   (1003, 100, 3, 'M-003', '电机', 9, '2026-01-24', 0),
            -- old version and draft BOMs are ignored
                   (1004, 101, 1, 'M-001', '气缸', 50, '2026-01-10', 0),
                   (1005, 102, 1, 'M-001', '气缸', 50, '2026-01-10', 0);
            INSERT INTO purchase_orders (id, order_no, project_id, status, created_by) VALUES (500, 'PO-500', 5, 'APPROVED', 8), (501, 'PO-501', 5, 'ORDERED', 8), (502, 'PO-502', 5, 'DRAFT', 8);
            INSERT INTO purchase_order_items (order_id, material_id, bom_item_id, material_code, quantity, received_qty)
            VALUES (500, 1, 1001, 'M-001', 5, 1), (501, 2, 1002, 'M-002', 4, 0), (502, 1, 1001, 'M-001', 100, 0);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func testShortLinesBecomeOpenShortagesAndAlerts() async throws {
        let value1 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value1)
        let shortages = try await h.rows("""
            SELECT project_id, bom_item_id, material_code, material_name, required_qty, available_qty, shortage_qty, required_date, status
              FROM material_shortages ORDER BY bom_item_id
            """)
        XCTAssertEqual(shortages.count, 1)
        XCTAssertEqual(shortages[0]["bom_item_id"], "1001")
        XCTAssertEqual(shortages[0]["required_qty"], "10.0000")
        XCTAssertEqual(shortages[0]["available_qty"], "6.0000")
        XCTAssertEqual(shortages[0]["shortage_qty"], "4.0000")
        XCTAssertEqual(shortages[0]["required_date"], "2026-01-12")
        XCTAssertEqual(shortages[0]["status"], "OPEN")
        let alert = try await h.rows("SELECT alert_level, alert_content FROM alert_records").first
        XCTAssertEqual(alert?["alert_level"], "CRITICAL")
        XCTAssertEqual(alert?["alert_content"], "物料 M-001 缺料 4.0，需求日期：2026-01-12")
        let details = try await h.lastResult("generate_shortage_alerts")?.details
        XCTAssertEqual(details?["shortages_opened"], .number(1))
    }

    func testRerunUpdatesTheSameShortageAndCoverageResolvesIt() async throws {
        let value2 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value2)
        let value3 = await h.run(job, at: "2026-01-09T08:00")
        XCTAssertSucceeded(value3)
        let value4 = try await h.count("SELECT 1 FROM material_shortages")
        XCTAssertEqual(value4, 1, "the open line is upserted, not duplicated")
        // More arrives: 2 + 5 ordered (4 still open) ... now 6 received on the line and the PO fully received.
        try await h.exec("UPDATE bom_items SET received_qty = 10 WHERE id = 1001")
        let value5 = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(value5)
        let row = try await h.rows("SELECT status, solution FROM material_shortages").first
        XCTAssertEqual(row?["status"], "RESOLVED")
        XCTAssertEqual(row?["solution"], "AUTO: covered")
        let value6 = try await h.rows("SELECT status, handle_result FROM alert_records").first?["status"]
        XCTAssertEqual(value6, "RESOLVED")
    }

    func testAcknowledgedShortageStaysAcknowledgedWhileStillShort() async throws {
        let value7 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value7)
        try await h.exec("UPDATE material_shortages SET status = 'ACKNOWLEDGED'")
        try await h.exec("UPDATE bom_items SET received_qty = 3 WHERE id = 1001")
        let value8 = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(value8)
        let rows = try await h.rows("SELECT status, shortage_qty FROM material_shortages")
        XCTAssertEqual(rows.map { "\($0["status"]!) \($0["shortage_qty"]!)" }, ["ACKNOWLEDGED 3.0000"])
    }

    func testLinesOfInactiveProjectsAreNotDetected() async throws {
        try await h.exec("UPDATE projects SET is_active = false")
        let value9 = await h.run(job, at: "2026-01-09T07:00")
        XCTAssertSucceeded(value9)
        let value10 = try await h.count("SELECT 1 FROM material_shortages")
        XCTAssertEqual(value10, 0)
    }
}
