import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 5: every shortage and production job END TO END over the real broker (the tenth,
/// generate_shortage_alerts, is in ShortageEndToEndTests). Each test inserts the data of the first
/// acceptance scenario of the job's unit tests (same ids and dates), publishes a trigger with that scenario's
/// local time as `as_of`, waits for the run's succeeded event and the user-visible output on the bus, and
/// checks what a user would: the alert event and the in-app message notifications makes of it, the report
/// row, or the reminder in the inbox.
final class DomainJobsEndToEndTests: JobsEndToEndTestCase {
    // MARK: - shortage

    // DailyKitCheckTests scenario 1: order 21 starts 2026-01-12, its latest manual check says 60 %.
    // The alert has no project and no stored recipient, so (by design: never a silent fallback to user 1)
    // notifications has nobody to tell: no inbox message.
    func testDailyKitCheckRaisesTheKitRateAlert() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (7, 'pm7', true), (12, 'ws-mgr', true);
            INSERT INTO work_order (id, work_order_no, task_name, status, plan_start_date)
            VALUES (21, 'WO-21', '装配A', 'ASSIGNED', '2026-01-12');
            INSERT INTO mat_kit_check (work_order_id, kit_rate, shortage_items, check_time, check_method)
            VALUES (21, 60.00, 3, '2026-01-08T10:00:00+08:00', 'manual');
            """)
        let (seen, run) = try await runJob("daily_kit_check", asOf: "2026-01-09T06:00", until: alertTopic("WARNING", "shortage", "KIT_RATE_LOW"))
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.domain, .shortage)
        XCTAssertEqual(run?.trigger, .manual)
        let alert = try onlyAlert(seen, topic: alertTopic("WARNING", "shortage", "KIT_RATE_LOW"))
        XCTAssertEqual(alert?.alertNo, "KC202601090001")
        XCTAssertEqual(alert?.title, "工单齐套率过低：装配A")
        XCTAssertEqual(alert?.content, "工单 WO-21 齐套率仅 60.0%，缺料 3 项")
        XCTAssertEqual(alert?.event, .raised)
        XCTAssertNil(alert?.projectID)
        // Room for a wrong inbox message (e.g. a fallback to admin 1) to show up.
        let p = self.p
        let later = await observer.waitFor(timeout: 1.5) { msgs in msgs.contains { $0.topic.hasPrefix("\(p)/inbox/") } }
        XCTAssertEqual(later.filter { $0.topic.hasPrefix("\(p)/inbox/") }.map(\.topic), [], "an alert without recipients reaches no inbox")
    }

    // DailyKitCheckTests "machine BOM" scenario: the first one whose alert has recipients (PM 7 and workshop
    // manager 12), so the in-app message can be checked for daily_kit_check too.
    func testDailyKitCheckAlertWithRecipientsReachesThePMInbox() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (7, 'pm7', true), (12, 'ws-mgr', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-5', '线体', 7);
            INSERT INTO machines (id, project_id, machine_code) VALUES (50, 5, 'MC-50');
            INSERT INTO materials (id, material_code, material_name, current_stock) VALUES (1, 'M-1', '螺丝', 3), (2, 'M-2', '气缸', 0);
            INSERT INTO bom_headers (id, project_id, machine_id, status, is_latest) VALUES (70, 5, 50, 'RELEASED', true);
            INSERT INTO bom_items (bom_id, material_id, quantity) VALUES (70, 1, 1), (70, 2, 1);
            INSERT INTO workshop (id, workshop_name, manager_id) VALUES (3, '总装车间', 12);
            INSERT INTO work_order (id, work_order_no, task_name, status, plan_start_date, project_id, workshop_id, machine_id, plan_qty)
            VALUES (26, 'WO-26', '工单26', 'PENDING', '2026-01-10', 5, 3, 50, 2);
            """)
        let topic = alertTopic("CRITICAL", "shortage", "KIT_RATE_LOW")
        let (seen, run) = try await runJob("daily_kit_check", asOf: "2026-01-09T06:00", until: topic, "\(p)/inbox/7", "\(p)/inbox/12")
        XCTAssertEqual(run?.result?.created, 1)
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "KC202601090001")
        XCTAssertEqual(alert?.title, "工单齐套率过低：工单26")
        XCTAssertEqual(alert?.projectID, 5)
        try assertAlertInbox(seen, user: 7, alert: alert, priority: "CRITICAL")
        try assertAlertInbox(seen, user: 12, alert: alert, priority: "CRITICAL")
    }

    // CheckDeliveryDelayTests scenario 1: APPROVED PO-31, required 2026-01-06, 6 of 10 open; runs at 14:00.
    func testCheckDeliveryDelayRaisesTheDelayAlertAndTellsThePM() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES (7, 'pm7', '张经理', true), (8, 'buyer8', '李采购', true), (9, 'gone9', '离职', false);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-005', '装配线', 7);
            INSERT INTO purchase_orders (id, order_no, order_title, project_id, status, required_date, created_by)
            VALUES (31, 'PO-31', '电气件', 5, 'APPROVED', '2026-01-06', 8);
            INSERT INTO purchase_order_items (order_id, material_code, quantity, received_qty) VALUES (31, 'M-31', 10, 4);
            """)
        let topic = alertTopic("WARNING", "shortage", "DELIVERY_DELAY")
        let (seen, run) = try await runJob("check_delivery_delay", asOf: "2026-01-09T14:00", until: topic, "\(p)/inbox/7", "\(p)/inbox/8")
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.details?["delayed_count"], .number(1))
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "DD202601090001")
        XCTAssertEqual(alert?.title, "采购订单到货延迟：PO-31")
        XCTAssertEqual(alert?.content, "采购订单 PO-31 已延迟 3 天（要求交期：2026-01-06）")
        XCTAssertEqual(alert?.triggeredAt, RFC3339.parse("2026-01-09T14:00:00+08:00"))
        try assertAlertInbox(seen, user: 7, alert: alert, priority: "WARNING")
        try assertAlertInbox(seen, user: 8, alert: alert, priority: "WARNING")
    }

    // GenerateShortageDailyReportTests scenario 1: reports, kit checks and arrivals of T = 2026-01-09; runs at
    // 2026-01-10 05:15. A report job: its output is the run's counts and the report row.
    func testGenerateShortageDailyReportWritesTheReportOfYesterday() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true);
            INSERT INTO projects (id, project_code, project_name) VALUES (1, 'P-1', '项目一');
            INSERT INTO shortage_reports (report_time, resolved_at) VALUES
              ('2026-01-09T09:00:00+08:00', '2026-01-09T15:00:00+08:00'), ('2026-01-09T10:00:00+08:00', NULL);
            INSERT INTO mat_kit_check (kit_rate, kit_status, check_time) VALUES
              (100.00, 'complete', '2026-01-09T06:00:00+08:00'), (50.00, 'partial', '2026-01-09T06:00:00+08:00'),
              (80.00, 'partial', '2026-01-09T06:00:00+08:00');
            INSERT INTO material_arrivals (expected_date, actual_date, is_delayed) VALUES
              ('2026-01-09', NULL, false), ('2026-01-09', NULL, false),
              ('2026-01-05', '2026-01-09', true), ('2026-01-12', '2026-01-09', false);
            """)
        let (seen, run) = try await runJob("generate_shortage_daily_report", asOf: "2026-01-10T05:15")
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.updated, 0)
        XCTAssertEqual(run?.result?.details?["date"], .string("2026-01-09"))
        XCTAssertEqual(run?.result?.details?["new_reports"], .number(2))
        XCTAssertEqual(run?.result?.details?["new_alerts"], .number(0))
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") }.count, 0, "the report raises no alert")
        let rows = try await cluster.rows("""
            SELECT report_date::text AS report_date, new_reports, resolved_reports, total_work_orders, kit_complete_count,
                   kit_rate, expected_arrivals, actual_arrivals, delayed_arrivals, on_time_rate, new_alerts
              FROM mat_shortage_daily_report
            """)
        XCTAssertEqual(rows.count, 1)
        let r = try XCTUnwrap(rows.first)
        XCTAssertEqual(r["report_date"], "2026-01-09")
        XCTAssertEqual(r["new_reports"], "2")
        XCTAssertEqual(r["resolved_reports"], "1")
        XCTAssertEqual(r["total_work_orders"], "3")
        XCTAssertEqual(r["kit_complete_count"], "1")
        XCTAssertEqual(r["kit_rate"], "76.67")
        XCTAssertEqual(r["expected_arrivals"], "2")
        XCTAssertEqual(r["actual_arrivals"], "2")
        XCTAssertEqual(r["delayed_arrivals"], "1")
        XCTAssertEqual(r["on_time_rate"], "50.00")
        XCTAssertEqual(r["new_alerts"], "0")
    }

    // DailySpecMatchCheckTests scenario 2 (scenario 1 is a MATCHED line and produces nothing a user sees):
    // PO-41 line 412 is 12VDC against the required 24VDC; runs at 09:00.
    func testDailySpecMatchCheckRaisesTheMismatchAlertAndTellsThePM() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES (7, 'pm7', '张经理', true), (8, 'buyer8', '李采购', true),
                (10, 'qa10', '质量经理', true);
            INSERT INTO roles (id, role_code, role_name) VALUES (1, 'QA_MGR', '质量经理');
            INSERT INTO user_roles (user_id, role_id) VALUES (10, 1);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-005', '装配线', 7);
            INSERT INTO projects (id, project_code, project_name, pm_id, is_archived) VALUES (6, 'P-006', '归档项目', 7, true);
            INSERT INTO technical_spec_requirements (id, project_id, material_code, material_name, specification, key_parameters, requirement_level)
            VALUES (1, 5, 'M-9', '气缸', 'SC50x100 24VDC', '{"voltage":"24"}', 'REQUIRED');
            INSERT INTO purchase_orders (id, order_no, project_id, status, created_by) VALUES (41, 'PO-41', 5, 'APPROVED', 8);
            INSERT INTO purchase_order_items (id, order_id, material_code, specification, quantity)
            VALUES (412, 41, 'M-9', 'SC50x100 12VDC', 1);
            """)
        let topic = alertTopic("WARNING", "shortage", "SPEC_MISMATCH")
        let (seen, run) = try await runJob("daily_spec_match_check", asOf: "2026-01-09T09:00",
                                           until: topic, "\(p)/inbox/7", "\(p)/inbox/8", "\(p)/inbox/10")
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.details?["mismatched"], .number(1))
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "AL202601090001")
        XCTAssertEqual(alert?.title, "物料 气缸 规格不匹配")
        XCTAssertEqual(alert?.content, "物料 气缸 的规格与技术规格书要求不一致。匹配度：77.38%。差异：电压: 要求 24, 实际 12")
        XCTAssertEqual(alert?.event, .raised)
        try assertAlertInbox(seen, user: 7, alert: alert, priority: "WARNING")
        try assertAlertInbox(seen, user: 10, alert: alert, priority: "WARNING")
        let records = try await cluster.rows("SELECT match_status, match_score FROM spec_match_records")
        XCTAssertEqual(records.map { "\($0["match_status"]!) \($0["match_score"]!)" }, ["MISMATCHED 77.38"])
    }

    // MARK: - production

    // CheckProductionPlanAlertsTests scenario 1: EXECUTING plan 51 at 50 %, ends 2026-01-14; runs at 11:00.
    func testCheckProductionPlanAlertsRaisesTheLagAlertAndTellsThePM() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES
              (1, 'admin', true), (7, 'pm7', true), (8, 'creator8', true), (9, 'pmc9', true), (10, 'off10', false),
              (11, 'ws11', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-5', '线体', 7);
            INSERT INTO workshop (id, workshop_code, workshop_name, manager_id) VALUES (3, 'WS-3', '总装车间', 11);
            INSERT INTO production_plan (id, plan_no, plan_name, project_id, plan_end_date, status, progress)
            VALUES (51, 'MPS-51', '一月总装计划', 5, '2026-01-14', 'EXECUTING', 50);
            """)
        let topic = alertTopic("WARNING", "production", "PRODUCTION_PLAN")
        let (seen, run) = try await runJob("check_production_plan_alerts", asOf: "2026-01-09T11:00", until: topic, "\(p)/inbox/7")
        XCTAssertEqual(run?.domain, .production)
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.notified, 1)
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "PP202601090001")
        XCTAssertEqual(alert?.title, "生产计划进度滞后：一月总装计划")
        XCTAssertEqual(alert?.content, "生产计划 MPS-51 进度仅 50%，距离计划结束日期还有 5 天")
        try assertAlertInbox(seen, user: 7, alert: alert, priority: "WARNING")
    }

    // CheckWorkReportTimeoutTests scenario 1: order 61 started Tue 16:00, no report; Fri 10:00 = 30 working
    // hours. Recipients: the assignee (user 12) and the workshop manager (13); no project, so no PM.
    func testCheckWorkReportTimeoutRaisesTheTimeoutAlertAndTellsTheWorker() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES
              (1, 'admin', true), (7, 'pm7', true), (12, 'worker12', true), (13, 'manager13', true),
              (14, 'manager14', true);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-5', '线体', 7);
            INSERT INTO workshop (id, workshop_name, manager_id) VALUES (3, '焊接车间', 13), (4, '装配车间', 14);
            INSERT INTO worker (id, user_id, workshop_id) VALUES (20, 12, 3);
            INSERT INTO work_order (id, work_order_no, task_name, workshop_id, actual_start_time, assigned_to, status)
            VALUES (61, 'WO-61', '焊接机架', 3, ('2026-01-06 16:00'::timestamp AT TIME ZONE 'Asia/Shanghai'), 20, 'STARTED');
            """)
        let topic = alertTopic("WARNING", "production", "WORK_REPORT_TIMEOUT")
        let (seen, run) = try await runJob("check_work_report_timeout", asOf: "2026-01-09T10:00",
                                           until: topic, "\(p)/inbox/12", "\(p)/inbox/13")
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.notified, 2)
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "WT202601090001")
        XCTAssertEqual(alert?.title, "报工超时：焊接机架")
        XCTAssertEqual(alert?.content, "工单 WO-61 已超过 30 小时未报工")
        try assertAlertInbox(seen, user: 12, alert: alert, priority: "WARNING")
        try assertAlertInbox(seen, user: 13, alert: alert, priority: "WARNING")
        XCTAssertEqual(seen.filter { $0.topic == "\(p)/inbox/1" }.count, 0, "never admin 1")
    }

    // GenerateProductionDailyReportsTests scenario 1: two workshops, two orders, reports on T = 2026-01-09;
    // runs at 2026-01-10 05:00 and (re)generates T, T−1 and T−2 for the plant and each workshop.
    func testGenerateProductionDailyReportsWritesTheReportsOfYesterday() async throws {
        try await cluster.exec("""
            INSERT INTO workshop (id, workshop_code, workshop_name, is_active) VALUES
              (1, 'WS-1', '机加车间', true), (2, 'WS-2', '装配车间', true);
            INSERT INTO worker (id, workshop_id, status) VALUES
              (1, 1, 'ACTIVE'), (2, 2, 'ACTIVE'), (3, 1, 'LEAVE'), (4, 2, 'RESIGNED');
            INSERT INTO production_exception (workshop_id, report_time, resolved_at) VALUES
              (1, '2026-01-09T10:00:00+08:00', NULL),
              (2, '2026-01-06T10:00:00+08:00', '2026-01-09T16:00:00+08:00');
            INSERT INTO work_order (id, work_order_no, task_name, workshop_id, plan_qty, standard_hours, plan_start_date, plan_end_date, status) VALUES
              (101, 'WO-101', '工单', 1, 10, 8, '2026-01-08', '2026-01-10', 'STARTED'),
              (102, 'WO-102', '工单', 2, 5, 4, '2026-01-09', '2026-01-09', 'STARTED');
            INSERT INTO work_report (work_order_id, worker_id, report_time, completed_qty, qualified_qty, defect_qty, work_hours, status) VALUES
              (101, 1, '2026-01-09T09:00:00+08:00', 6, 5, 1, 9, 'APPROVED'),
              (102, 2, '2026-01-09T11:00:00+08:00', NULL, 4, 0, 3, 'APPROVED');
            """)
        let (seen, run) = try await runJob("generate_production_daily_reports", asOf: "2026-01-10T05:00")
        XCTAssertEqual(run?.domain, .production)
        XCTAssertEqual(run?.result?.created, 9)
        XCTAssertEqual(run?.result?.updated, 0)
        XCTAssertEqual(run?.result?.details?["date"], .string("2026-01-09"))
        XCTAssertEqual(run?.result?.details?["generated"], .number(3))
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") || $0.topic.hasPrefix("\(p)/inbox/") }.count, 0)
        let rows = try await cluster.rows("""
            SELECT coalesce(workshop_id::text, 'plant') AS scope, plan_qty::text AS plan_qty, completed_qty::text AS completed_qty,
                   completion_rate::text AS completion_rate, pass_rate::text AS pass_rate, summary
              FROM production_daily_report WHERE report_date = '2026-01-09'::date ORDER BY scope
            """)
        XCTAssertEqual(rows.map { "\($0["scope"]!) \($0["plan_qty"]!) \($0["completed_qty"]!) \($0["completion_rate"]!) \($0["pass_rate"]!)" },
                       ["1 3 6 180.00 83.33", "2 5 4 80.00 100.00", "plant 8 10 120.00 90.00"])
        XCTAssertEqual(rows.last?["summary"], "全厂 01-09 计划 8 件，完成 10 件（120.0%），实工 12.0 小时，效率 180.0%，异常 1 起。")
        let total = try await cluster.rows("SELECT id FROM production_daily_report").count
        XCTAssertEqual(total, 9)
    }

    // CheckEquipmentMaintenanceReminderTests scenario 1: equipment 71 due 2026-01-12; runs at 08:30. The job
    // writes the notification itself; the production service's outbox publishes it to the manager's inbox.
    func testCheckEquipmentMaintenanceReminderReachesTheWorkshopManagerInbox() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES
              (1, 'u1', true), (2, 'u2', true), (3, 'u3', true), (4, 'u4', true), (5, 'u5', true),
              (6, 'u6', true), (7, 'u7', true), (8, 'u8', true), (13, 'ws13', true);
            INSERT INTO workshop (id, workshop_code, workshop_name, manager_id) VALUES (1, 'WS-1', '机加车间', 13);
            INSERT INTO equipment (id, equipment_code, equipment_name, workshop_id, status, is_active,
                                   last_maintenance_date, next_maintenance_date)
            VALUES (71, 'EQ-71', '数控车床', 1, 'IDLE', true, '2025-10-14', '2026-01-12');
            """)
        let (seen, run) = try await runJob("check_equipment_maintenance_reminder", asOf: "2026-01-09T08:30", until: "\(p)/inbox/13")
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.notified, 1)
        let inbox = seen.filter { $0.topic.hasPrefix("\(p)/inbox/") }
        XCTAssertEqual(inbox.map(\.topic), ["\(p)/inbox/13"])
        let message = try BusCoding.decode(InboxMessage.self, from: try XCTUnwrap(inbox.first).payload)
        XCTAssertEqual(message.userID, 13)
        XCTAssertEqual(message.notificationType, "EQUIPMENT_MAINTENANCE_REMINDER")
        XCTAssertEqual(message.title, "设备保养提醒：数控车床")
        XCTAssertEqual(message.content, "设备 EQ-71（数控车床）将在 3 天后进行保养，保养日期：2026-01-12，请提前安排。")
        XCTAssertEqual(message.priority, "HIGH")
        XCTAssertEqual(message.linkURL, "/production/equipment/71")
        XCTAssertEqual(message.sourceType, "equipment")
        XCTAssertEqual(message.sourceID, 71)
        XCTAssertEqual(message.createdAt, RFC3339.parse("2026-01-09T08:30:00+08:00"))
        let notes = try await cluster.rows("SELECT id FROM notifications WHERE user_id = 13")
        XCTAssertEqual(notes.map { $0["id"] }, ["\(message.notificationID)"])
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") }.count, 0, "a reminder, not an alert")
    }

    // CheckOutsourcingDeliveryAlertsTests scenario 1: IN_PROGRESS OS-81 required 2026-01-11; runs at 15:00.
    func testCheckOutsourcingDeliveryAlertsRaisesTheDueAlertAndTellsThePM() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES
              (1, 'admin', true), (7, 'pm7', true), (8, 'creator8', true), (9, 'pu9', true), (10, 'pu10-off', false);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-5', '线体', 7);
            INSERT INTO outsourcing_orders (id, order_no, order_title, project_id, required_date, status)
            VALUES (81, 'OS-81', '机架焊接', 5, '2026-01-11', 'IN_PROGRESS');
            """)
        let topic = alertTopic("WARNING", "production", "OUTSOURCING_DELIVERY")
        let (seen, run) = try await runJob("check_outsourcing_delivery_alerts", asOf: "2026-01-09T15:00", until: topic, "\(p)/inbox/7")
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.notified, 1)
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "OD202601090001")
        XCTAssertEqual(alert?.title, "外协订单交期临近：OS-81")
        XCTAssertEqual(alert?.content, "外协订单 OS-81 将在 2 天后到期（要求交期：2026-01-11）")
        try assertAlertInbox(seen, user: 7, alert: alert, priority: "WARNING")
    }
}
