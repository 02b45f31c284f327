import Foundation
import PMSBus
import PMSRuntime
@testable import ShortageService
import PMSTestSupport
import XCTest

/// services-shortage-production.md, daily_spec_match_check: the five acceptance scenarios (corrected
/// expectations), plus re-runs, redelivery, level rise, auto-resolve, the disabled rule, BOM lines, generic
/// requirements and the matcher itself. D = 2026-01-09 (Asia/Shanghai), runs at 09:00.
final class DailySpecMatchCheckTests: XCTestCase {
    var h: JobHarness!
    let job = DailySpecMatchCheck()

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .shortage)
        // User 7 is the PM of projects 5 and 6, user 8 the buyer of PO 41, user 10 holds QA_MGR.
        // Project 6 is archived. R1 is the scenarios' requirement; PO 41 is APPROVED in project 5.
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES (7, 'pm7', '张经理', true), (8, 'buyer8', '李采购', true),
                (10, 'qa10', '质量经理', true);
            INSERT INTO roles (id, role_code, role_name) VALUES (1, 'QA_MGR', '质量经理');
            INSERT INTO user_roles (user_id, role_id) VALUES (10, 1);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-005', '装配线', 7);
            INSERT INTO projects (id, project_code, project_name, pm_id, is_archived) VALUES (6, 'P-006', '归档项目', 7, true);
            INSERT INTO technical_spec_requirements (id, project_id, material_code, material_name, specification, key_parameters, requirement_level)
            VALUES (1, 5, 'M-9', '气缸', 'SC50x100 24VDC', '{"voltage":"24"}', 'REQUIRED');
            INSERT INTO purchase_orders (id, order_no, project_id, status, created_by) VALUES (41, 'PO-41', 5, 'APPROVED', 8);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func insertLine(_ id: Int, spec: String?, order: Int = 41, code: String = "M-9", name: String? = nil,
                    material: Int? = nil) async throws {
        try await h.db.execute(
            """
            INSERT INTO purchase_order_items (id, order_id, material_id, material_code, material_name, specification, quantity)
            VALUES ($1, $2, $3, $4, $5, $6, 1)
            """, [id, order, material, code, name, spec])
    }

    func records(_ filter: String = "true") async throws -> [PostgresRowText] {
        try await h.rows("""
            SELECT id, project_id, spec_requirement_id, match_type, match_target_id, match_status, match_score,
                   differences::text AS differences, alert_id, fingerprint IS NOT NULL AS has_fingerprint,
                   superseded_at IS NOT NULL AS superseded
              FROM spec_match_records WHERE \(filter) ORDER BY id
            """).map { row in Dictionary(uniqueKeysWithValues: row.columns.map { ($0, row[$0] ?? "NULL") }) }
    }

    func alerts() async throws -> [PostgresRowText] {
        try await h.rows("""
            SELECT a.id, a.alert_no, a.target_type, a.target_id, a.target_no, a.target_name, a.project_id, a.alert_level,
                   a.alert_title, a.alert_content, a.trigger_value, a.threshold_value, a.status, a.dedup_key,
                   a.handle_result, a.alert_data::text AS alert_data, r.rule_code
              FROM alert_records a JOIN alert_rules r ON r.id = a.rule_id ORDER BY a.id
            """).map { row in Dictionary(uniqueKeysWithValues: row.columns.map { ($0, row[$0] ?? "NULL") }) }
    }

    // Scenario 1: a matching PO line → MATCHED 100.00, no differences, no alert.
    func testScenario1MatchingLineIsRecordedWithoutAlert() async throws {
        try await insertLine(411, spec: "SC50x100 24VDC")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await records()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["project_id"], "5")
        XCTAssertEqual(rows[0]["spec_requirement_id"], "1")
        XCTAssertEqual(rows[0]["match_type"], "PURCHASE_ORDER")
        XCTAssertEqual(rows[0]["match_target_id"], "411")
        XCTAssertEqual(rows[0]["match_status"], "MATCHED")
        XCTAssertEqual(rows[0]["match_score"], "100.00")
        XCTAssertEqual(rows[0]["differences"], "NULL")
        XCTAssertEqual(rows[0]["alert_id"], "NULL")
        XCTAssertEqual(rows[0]["has_fingerprint"], "t")
        let n = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(n, 0)
        let result = try await h.lastResult("daily_spec_match_check")
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.details?["mismatched"], .number(0))
    }

    // Scenario 2: 12VDC against 24VDC → MISMATCHED 77.38 with a WARNING alert, linked to the record.
    func testScenario2VoltageMismatchRaisesWarning() async throws {
        try await insertLine(412, spec: "SC50x100 12VDC")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rec = try await records()
        XCTAssertEqual(rec.count, 1)
        XCTAssertEqual(rec[0]["match_status"], "MISMATCHED")
        XCTAssertEqual(rec[0]["match_score"], "77.38")
        XCTAssertEqual(rec[0]["differences"], #"{"parameters": {"voltage": {"actual": "12", "required": "24", "deviation": 12.0}}}"#)
        let exact = try await h.count("""
            SELECT 1 FROM spec_match_records
             WHERE differences = '{"parameters":{"voltage":{"required":"24","actual":"12","deviation":12.0}}}'::jsonb
            """)
        XCTAssertEqual(exact, 1)

        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0], recordID = rec[0]["id"]!
        XCTAssertEqual(rec[0]["alert_id"], a["id"])
        XCTAssertEqual(a["alert_no"], "AL202601090001")
        XCTAssertEqual(a["rule_code"], "SPEC_MISMATCH")
        XCTAssertEqual(a["target_type"], "SPEC_MATCH")
        XCTAssertEqual(a["target_id"], recordID)
        XCTAssertEqual(a["target_no"], "MATCH-\(recordID)")
        XCTAssertEqual(a["target_name"], "气缸 规格不匹配")
        XCTAssertEqual(a["project_id"], "5")
        XCTAssertEqual(a["alert_level"], "WARNING")
        XCTAssertEqual(a["alert_title"], "物料 气缸 规格不匹配")
        XCTAssertEqual(a["alert_content"], "物料 气缸 的规格与技术规格书要求不一致。匹配度：77.38%。差异：电压: 要求 24, 实际 12")
        XCTAssertEqual(a["trigger_value"], "77.38")
        XCTAssertEqual(a["threshold_value"], "80")
        XCTAssertEqual(a["status"], "PENDING")
        XCTAssertEqual(a["dedup_key"], "SPEC_MISMATCH:SPEC_MATCH:\(recordID)")
        let data = try await h.count("""
            SELECT 1 FROM alert_records WHERE alert_data @> '{"spec_requirement_id":1,"material_name":"气缸",
              "required_spec":"SC50x100 24VDC","match_score":77.38,
              "differences":{"parameters":{"voltage":{"required":"24","actual":"12","deviation":12.0}}}}'::jsonb
            """)
        XCTAssertEqual(data, 1)

        let recipients = try await h.recipients()
        XCTAssertEqual(recipients, ["7:PM", "8:CREATOR", "10:ROLE"])
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.topic), ["pms/v1/alert/WARNING/shortage/SPEC_MISMATCH"])
        XCTAssertEqual(events[0].alert.event, .raised)
        XCTAssertEqual(events[0].alert.alertNo, "AL202601090001")
        let result = try await h.lastResult("daily_spec_match_check")
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.details?["mismatched"], .number(1))
    }

    // Scenario 3 (corrected): a completely different part → MISMATCHED 15.15 with a CRITICAL alert.
    func testScenario3DifferentPartIsCriticalNotUnknown() async throws {
        try await insertLine(413, spec: "MHZ2-20D")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rec = try await records()
        XCTAssertEqual(rec[0]["match_status"], "MISMATCHED")
        XCTAssertEqual(rec[0]["match_score"], "15.15")
        let diff = try await h.count("""
            SELECT 1 FROM spec_match_records WHERE differences = '{"specification":{"required":"SC50x100 24VDC",
              "actual":"MHZ2-20D","similarity":0.18181818181818182},
              "parameters":{"voltage":{"required":"24","actual":null,"missing":true}}}'::jsonb
            """)
        XCTAssertEqual(diff, 1)
        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["alert_level"], "CRITICAL")
        XCTAssertEqual(rows[0]["threshold_value"], "50")
        XCTAssertEqual(rows[0]["alert_content"],
                       "物料 气缸 的规格与技术规格书要求不一致。匹配度：15.15%。差异：规格: 要求 SC50x100 24VDC, 实际 MHZ2-20D; 电压: 要求 24, 实际 缺失")
        let topics = try await h.alertEvents().map(\.topic)
        XCTAssertEqual(topics, ["pms/v1/alert/CRITICAL/shortage/SPEC_MISMATCH"])
    }

    // Scenario 4 (corrected): the PO line's material brand is passed → MATCHED 100.00, no alert.
    func testScenario4BrandOfThePOLineMaterialCounts() async throws {
        try await h.exec("""
            UPDATE technical_spec_requirements SET brand = 'SMC' WHERE id = 1;
            INSERT INTO materials (id, material_code, material_name, brand) VALUES (900, 'M-9', '气缸', 'smc');
            """)
        try await insertLine(414, spec: "SC50x100 24VDC", material: 900)
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rec = try await records()
        XCTAssertEqual(rec.map { "\($0["match_status"]!) \($0["match_score"]!) \($0["differences"]!)" }, ["MATCHED 100.00 NULL"])
        let n = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(n, 0)
    }

    func testPOLineWithoutMaterialBrandMissesTheBrand() async throws {
        try await h.exec("UPDATE technical_spec_requirements SET brand = 'SMC' WHERE id = 1")
        try await insertLine(414, spec: "SC50x100 24VDC")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rec = try await records()
        XCTAssertEqual(rec[0]["match_status"], "MISMATCHED")
        XCTAssertEqual(rec[0]["match_score"], "75.00")
        let rows = try await alerts()
        XCTAssertEqual(rows.map { $0["alert_level"]! }, ["WARNING"])
        XCTAssertEqual(rows[0]["alert_content"], "物料 气缸 的规格与技术规格书要求不一致。匹配度：75.00%。差异：品牌: 要求 SMC, 实际 缺失")
    }

    // Scenario 5: an archived project writes nothing; a re-run at 09:30 adds no record and no alert.
    func testScenario5ArchivedProjectAndSameDayRerun() async throws {
        try await h.exec("""
            INSERT INTO technical_spec_requirements (id, project_id, material_code, material_name, specification, key_parameters)
            VALUES (2, 6, 'M-9', '气缸', 'SC50x100 24VDC', '{"voltage":"24"}');
            INSERT INTO purchase_orders (id, order_no, project_id, status, created_by) VALUES (61, 'PO-61', 6, 'APPROVED', 8);
            INSERT INTO materials (id, material_code, material_name, brand) VALUES (900, 'M-9', '气缸', 'smc');
            """)
        try await insertLine(612, spec: "SC50x100 12VDC", order: 61)
        try await insertLine(411, spec: "SC50x100 24VDC")
        try await insertLine(412, spec: "SC50x100 12VDC")
        try await insertLine(413, spec: "MHZ2-20D")
        try await insertLine(414, spec: "SC50x100 24VDC", material: 900)
        let first = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(first)
        let project6 = try await h.count("SELECT 1 FROM spec_match_records WHERE project_id = 6")
        XCTAssertEqual(project6, 0)
        let rec = try await records()
        XCTAssertEqual(rec.map { "\($0["match_target_id"]!) \($0["match_status"]!) \($0["match_score"]!)" },
                       ["411 MATCHED 100.00", "412 MISMATCHED 77.38", "413 MISMATCHED 15.15", "414 MATCHED 100.00"])
        let before = try await alerts()
        XCTAssertEqual(before.map { "\($0["alert_no"]!) \($0["alert_level"]!)" },
                       ["AL202601090001 WARNING", "AL202601090002 CRITICAL"], "numbers in load order")
        let firstResult = try await h.lastResult("daily_spec_match_check")
        XCTAssertEqual(firstResult?.checked, 4)
        XCTAssertEqual(firstResult?.details?["mismatched"], .number(2))

        let again = await h.run(job, at: "2026-01-09T09:30")
        XCTAssertSucceeded(again)
        let recordsAfter = try await h.count("SELECT 1 FROM spec_match_records")
        XCTAssertEqual(recordsAfter, 4)
        let after = try await alerts()
        XCTAssertEqual(after.map { "\($0["alert_no"]!) \($0["alert_level"]!) \($0["status"]!)" },
                       ["AL202601090001 WARNING PENDING", "AL202601090002 CRITICAL PENDING"])
        let events = try await h.alertEvents().count
        XCTAssertEqual(events, 2)
        let recipients = try await h.count("SELECT 1 FROM alert_recipients")
        XCTAssertEqual(recipients, 6)
        let result = try await h.lastResult("daily_spec_match_check")
        XCTAssertEqual(result?.checked, 0)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.details?["records_written"], .number(0))
    }

    func testEmptySpecificationIsUnknownWithAnInfoAlert() async throws {
        try await insertLine(415, spec: nil)
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rec = try await records()
        XCTAssertEqual(rec.map { "\($0["match_status"]!) \($0["match_score"]!)" }, ["UNKNOWN 0.00"])
        let rows = try await alerts()
        XCTAssertEqual(rows.map { $0["alert_level"]! }, ["INFO"])
        XCTAssertEqual(rows[0]["alert_content"],
                       "物料 气缸 的规格与技术规格书要求不一致。匹配度：0.00%。差异：规格: 要求 SC50x100 24VDC, 实际 缺失; 电压: 要求 24, 实际 缺失")
        XCTAssertEqual(rows[0]["threshold_value"], "NULL")
    }

    func testRedeliveredTickRunsOnce() async throws {
        try await insertLine(412, spec: "SC50x100 12VDC")
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T09:00", runID: runID)
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE purchase_order_items SET specification = 'MHZ2-20D' WHERE id = 412")
        let second = await h.run(job, at: "2026-01-09T09:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let n = try await h.count("SELECT 1 FROM spec_match_records")
        XCTAssertEqual(n, 1)
        let levels = try await alerts().map { $0["alert_level"]! }
        XCTAssertEqual(levels, ["WARNING"])
    }

    func testLevelRisesInPlaceWhenTheLineGetsWorse() async throws {
        try await insertLine(412, spec: "SC50x100 12VDC")
        let first = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE purchase_order_items SET specification = 'MHZ2-20D' WHERE id = 412")
        let next = await h.run(job, at: "2026-01-10T09:00")
        XCTAssertSucceeded(next)

        let rec = try await records()
        XCTAssertEqual(rec.map { "\($0["match_status"]!) \($0["superseded"]!)" }, ["MISMATCHED t", "MISMATCHED f"])
        let rows = try await alerts()
        XCTAssertEqual(rows.count, 1)
        let a = rows[0], current = rec[1]["id"]!
        XCTAssertEqual(a["alert_no"], "AL202601090001")
        XCTAssertEqual(a["alert_level"], "CRITICAL")
        XCTAssertEqual(a["target_id"], current)
        XCTAssertEqual(a["target_no"], "MATCH-\(current)")
        XCTAssertEqual(a["dedup_key"], "SPEC_MISMATCH:SPEC_MATCH:\(current)")
        XCTAssertEqual(a["trigger_value"], "15.15")
        XCTAssertEqual(a["threshold_value"], "50")
        XCTAssertEqual(a["alert_content"],
                       "物料 气缸 的规格与技术规格书要求不一致。匹配度：15.15%。差异：规格: 要求 SC50x100 24VDC, 实际 MHZ2-20D; 电压: 要求 24, 实际 缺失")
        XCTAssertEqual(rec[1]["alert_id"], a["id"])
        let events = try await h.alertEvents()
        XCTAssertEqual(events.map(\.alert.event), [.raised, .escalated])
        XCTAssertEqual(events[1].topic, "pms/v1/alert/CRITICAL/shortage/SPEC_MISMATCH")
        let result = try await h.lastResult("daily_spec_match_check")
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.details?["levels_raised"], .number(1))
    }

    func testAlertResolvesWhenTheLineIsCorrected() async throws {
        try await insertLine(412, spec: "SC50x100 12VDC")
        let first = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE purchase_order_items SET specification = 'SC50x100 24VDC' WHERE id = 412")
        let next = await h.run(job, at: "2026-01-10T09:00")
        XCTAssertSucceeded(next)
        let rec = try await records()
        XCTAssertEqual(rec.map { "\($0["match_status"]!) \($0["superseded"]!)" }, ["MISMATCHED t", "MATCHED f"])
        let row = try await h.rows("""
            SELECT status, handle_result, handle_end_at = '2026-01-10T09:00:00+08:00'::timestamptz AS at_now FROM alert_records
            """).first
        XCTAssertEqual(row?["status"], "RESOLVED")
        XCTAssertEqual(row?["handle_result"], "AUTO: condition cleared")
        XCTAssertEqual(row?["at_now"], "t")
        let resolved = try await h.lastResult("daily_spec_match_check")?.resolved
        XCTAssertEqual(resolved, 1)
    }

    func testAlertResolvesWhenTheProjectIsArchived() async throws {
        try await insertLine(412, spec: "SC50x100 12VDC")
        let first = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE projects SET is_archived = true WHERE id = 5")
        let next = await h.run(job, at: "2026-01-10T09:00")
        XCTAssertSucceeded(next)
        let status = try await alerts().map { "\($0["status"]!) \($0["handle_result"]!)" }
        XCTAssertEqual(status, ["RESOLVED AUTO: condition cleared"])
    }

    func testIgnoredAlertSuppressesWhileTheMismatchLastsEvenAcrossReevaluation() async throws {
        try await insertLine(412, spec: "SC50x100 12VDC")
        let first = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(first)
        try await h.exec("UPDATE alert_records SET status = 'IGNORED'")
        let same = await h.run(job, at: "2026-01-10T09:00")
        XCTAssertSucceeded(same)
        try await h.exec("UPDATE purchase_order_items SET specification = 'MHZ2-20D' WHERE id = 412")
        let worse = await h.run(job, at: "2026-01-11T09:00")
        XCTAssertSucceeded(worse)
        let rows = try await alerts()
        XCTAssertEqual(rows.map { $0["status"]! }, ["IGNORED"])
        let skipped = try await h.lastResult("daily_spec_match_check")?.skipped
        XCTAssertEqual(skipped, 1)
    }

    func testChangedRequirementIsReevaluatedAndClearsTheAlert() async throws {
        try await insertLine(412, spec: "SC50x100 12VDC")
        let first = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(first)
        try await h.exec("""
            UPDATE technical_spec_requirements SET specification = 'SC50x100 12VDC', key_parameters = '{"voltage":"12"}',
                   updated_at = '2026-01-09T12:00:00+08:00' WHERE id = 1
            """)
        let next = await h.run(job, at: "2026-01-10T09:00")
        XCTAssertSucceeded(next)
        let rec = try await records()
        XCTAssertEqual(rec.map { "\($0["match_status"]!) \($0["match_score"]!) \($0["superseded"]!)" },
                       ["MISMATCHED 77.38 t", "MATCHED 100.00 f"])
        let status = try await alerts().map { "\($0["status"]!) \($0["handle_result"]!)" }
        XCTAssertEqual(status, ["RESOLVED AUTO: condition cleared"])
    }

    func testDisabledRuleWritesNothingAndSaysSo() async throws {
        try await h.exec("UPDATE alert_rules SET is_enabled = false WHERE rule_code = 'SPEC_MISMATCH'")
        try await insertLine(412, spec: "SC50x100 12VDC")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let records = try await h.count("SELECT 1 FROM spec_match_records")
        XCTAssertEqual(records, 0)
        let alerts = try await h.count("SELECT 1 FROM alert_records")
        XCTAssertEqual(alerts, 0)
        let events = try await h.alertEvents().count
        XCTAssertEqual(events, 0)
        let note = try await h.lastResult("daily_spec_match_check")?.note
        XCTAssertEqual(note, "rule disabled")
    }

    func testMissingRuleFailsTheRun() async throws {
        try await h.exec("DELETE FROM alert_rules WHERE rule_code = 'SPEC_MISMATCH'")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertEqual(outcome, .failed("rule missing: alert rule SPEC_MISMATCH does not exist"))
    }

    func testBomLinesOfLatestApprovedOrReleasedHeadersWithAMaterial() async throws {
        try await h.exec("""
            INSERT INTO materials (id, material_code, material_name, brand) VALUES (900, 'M-9', '气缸', 'smc');
            INSERT INTO bom_headers (id, project_id, status, is_latest) VALUES (71, 5, 'RELEASED', true),
                (72, 5, 'RELEASED', false), (73, 5, 'DRAFT', true), (74, 5, 'APPROVED', true);
            INSERT INTO bom_items (id, bom_id, material_id, material_code, specification, quantity) VALUES
                (711, 71, 900, 'OTHER', 'SC50x100 12VDC', 1), (712, 71, NULL, 'M-9', 'SC50x100 12VDC', 1),
                (721, 72, 900, 'M-9', 'SC50x100 12VDC', 1), (731, 73, 900, 'M-9', 'SC50x100 12VDC', 1),
                (741, 74, 900, 'M-9', 'SC50x100 24VDC', 1);
            """)
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rec = try await records()
        XCTAssertEqual(rec.map { "\($0["match_type"]!) \($0["match_target_id"]!) \($0["match_status"]!)" },
                       ["BOM 711 MISMATCHED", "BOM 741 MATCHED"], "material code from materials; no material, old or draft BOM skipped")
        let recipients = try await h.recipients()
        XCTAssertEqual(recipients, ["7:PM", "10:ROLE"], "no PO creator for BOM lines")
    }

    func testGenericRequirementAppliesByNameOnlyWithoutCodedOne() async throws {
        try await h.exec("""
            INSERT INTO technical_spec_requirements (id, project_id, material_code, material_name, specification)
            VALUES (3, 5, NULL, ' 电磁阀 ', 'VF3130 24VDC');
            """)
        try await insertLine(421, spec: "VF3130 24VDC", code: "M-20", name: "电磁阀")
        try await insertLine(422, spec: "VF3130 24VDC", code: "M-21", name: "接头")
        try await insertLine(423, spec: "SC50x100 24VDC", code: "M-9", name: "电磁阀")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rec = try await records()
        XCTAssertEqual(rec.map { "\($0["match_target_id"]!) R\($0["spec_requirement_id"]!) \($0["match_status"]!)" },
                       ["421 R3 MATCHED", "423 R1 MATCHED"])
        let result = try await h.lastResult("daily_spec_match_check")
        XCTAssertEqual(result?.checked, 3, "the line without a requirement is checked again every day")
        XCTAssertEqual(result?.details?["lines_without_requirement"], .number(1))
    }

    func testStrictRequirementWithDifferencesIsMismatched() async throws {
        try await h.exec("""
            UPDATE technical_spec_requirements SET requirement_level = 'STRICT', key_parameters = '{"voltage":"24","current":"0.5"}' WHERE id = 1
            """)
        // Same spec, the current is not stated: (50 + 0.1·50) / 0.6 = 91.67 ≥ 80, but with a difference.
        try await insertLine(416, spec: "SC50x100 24VDC")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rec = try await records()
        XCTAssertEqual(rec[0]["match_status"], "MISMATCHED")
        XCTAssertEqual(rec[0]["match_score"], "91.67")
        let levels = try await alerts().map { $0["alert_level"]! }
        XCTAssertEqual(levels, ["WARNING"])
    }

    func testBadKeyParametersRowIsLoggedAndSkipped() async throws {
        try await h.exec("""
            INSERT INTO technical_spec_requirements (id, project_id, material_code, material_name, specification, key_parameters)
            VALUES (4, 5, 'M-30', '传感器', 'E2E-X5', '[1,2]');
            """)
        try await insertLine(431, spec: "E2E-X5", code: "M-30")
        try await insertLine(412, spec: "SC50x100 12VDC")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rec = try await records()
        XCTAssertEqual(rec.map { $0["match_target_id"]! }, ["412"])
        let result = try await h.lastResult("daily_spec_match_check")
        XCTAssertEqual(result?.details?["bad_rows"], .number(1))
    }

    // The matcher against Python difflib and the extraction rules.
    func testSimilarityMatchesPythonDifflib() {
        XCTAssertEqual(SpecMatcher.similarity("sc50x100 24vdc", "sc50x100 12vdc"), 0.9285714285714286)
        XCTAssertEqual(SpecMatcher.similarity("sc50x100 24vdc", "mhz2-20d"), 0.18181818181818182)
        XCTAssertEqual(SpecMatcher.similarity("abcd", "bcda"), 0.75)
        XCTAssertEqual(SpecMatcher.similarity("", ""), 1.0)
        XCTAssertEqual(SpecMatcher.similarity("气缸sc50", "气缸sc-50"), 0.9230769230769231)
        let b = String(repeating: "ab", count: 150) + "xyz", a = "xyzab" + String(repeating: "a", count: 10)
        XCTAssertEqual(SpecMatcher.similarity(a, b), 0.018867924528301886, "autojunk")
    }

    func testExtractionNormalisesUnitsAndIgnoresRanges() {
        let x = SpecParameterExtractor()
        let found = x.extract("24VDC 10mA 1.5kW 50Hz 0-50℃ 100x50x20mm")
        XCTAssertEqual(found["voltage"]?.text, "24")
        XCTAssertEqual(found["current"]?.text, "0.01")
        XCTAssertEqual(found["power"]?.text, "1500")
        XCTAssertEqual(found["frequency"]?.text, "50")
        XCTAssertEqual(found["temp_min"]?.text, "0")
        XCTAssertEqual(found["temp_max"]?.text, "50")
        XCTAssertNil(found["accuracy"], "a range is not an accuracy")
        XCTAssertEqual([found["length"]?.text, found["width"]?.text, found["height"]?.text], ["100", "50", "20"])
        XCTAssertEqual(x.extract("精度：±0.5 直径：20mm")["accuracy"]?.text, "0.5")
        XCTAssertEqual(x.extract("直径：20mm")["diameter"]?.text, "20")
        XCTAssertEqual(x.extract("±0.1%")["accuracy"]?.text, "0.1")
        XCTAssertEqual(x.normalise(key: "current", text: "10mA"), Decimal(string: "0.01"))
    }
}

typealias PostgresRowText = [String: String]
