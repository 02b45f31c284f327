import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSTestSupport
import XCTest

/// Issue 6: every progress job END TO END over the real broker. Each test inserts the data of the first
/// acceptance scenario of the job's unit tests (same ids and dates), publishes a trigger with that scenario's
/// local time as `as_of`, waits for the run's succeeded event and the user-visible output on the bus, and
/// checks what a user would: the alert event and the in-app message pms-notifications makes of it, the
/// reminder pms-progress writes to the inbox itself, the generated task rows, or the rolled-up project rows.
final class ProgressJobsEndToEndTests: JobsEndToEndTestCase {
    // CheckMilestoneAlertsTests scenario 1: PENDING milestone 11 of project 1 (PM 5) planned 2026-01-11; runs at 08:00.
    func testCheckMilestoneAlertsRaisesTheWarningAndTellsThePM() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (5, 'pm5', true), (6, 'owner6', true),
              (7, 'off7', false);
            INSERT INTO projects (id, project_code, project_name, status, pm_id) VALUES (1, 'P1', '项目一', 'ST08', 5);
            INSERT INTO project_milestones (id, project_id, milestone_code, milestone_name, planned_date, status, owner_id)
            VALUES (11, 1, 'MS-001', '设计评审', '2026-01-11', 'PENDING', NULL);
            """)
        let topic = alertTopic("WARNING", "progress", "MILESTONE_WARNING")
        let (seen, run) = try await runJob("check_milestone_alerts", asOf: "2026-01-09T08:00", until: topic, "\(p)/inbox/5")
        XCTAssertEqual(run?.domain, .progress)
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.notified, 1)
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "MS202601090001")
        XCTAssertEqual(alert?.title, "里程碑即将到期：设计评审")
        XCTAssertEqual(alert?.content, "里程碑 MS-001 将在 2 天后到期（计划日期：2026-01-11）")
        XCTAssertEqual(alert?.event, .raised)
        XCTAssertEqual(alert?.projectID, 1)
        try assertAlertInbox(seen, user: 5, alert: alert, priority: "WARNING")
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/inbox/") }.map(\.topic), ["\(p)/inbox/5"])
    }

    // CheckMilestoneRiskAlertsTests scenario 1: milestone 21 due 2026-01-14 with 2 of 5 tasks done; runs at 08:10.
    func testCheckMilestoneRiskAlertsRaisesTheRiskWarningAndTellsThePM() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (5, 'pm5', true), (6, 'owner6', true),
              (7, 'off7', false);
            INSERT INTO projects (id, project_code, project_name, status, pm_id) VALUES (1, 'P1', '项目一', 'ST08', 5);
            INSERT INTO project_milestones (id, project_id, milestone_code, milestone_name, planned_date, status, owner_id)
            VALUES (21, 1, 'MS-021', '出厂验收', '2026-01-14', 'PENDING', NULL);
            INSERT INTO tasks (project_id, milestone_id, task_name, status) VALUES
              (1, 21, '任务1', 'DONE'), (1, 21, '任务2', 'DONE'), (1, 21, '任务3', 'TODO'), (1, 21, '任务4', 'TODO'),
              (1, 21, '任务5', 'IN_PROGRESS');
            """)
        let topic = alertTopic("WARNING", "progress", "MILESTONE_RISK")
        let (seen, run) = try await runJob("check_milestone_risk_alerts", asOf: "2026-01-09T08:10", until: topic, "\(p)/inbox/5")
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.notified, 1)
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "MR202601090001")
        XCTAssertEqual(alert?.title, "里程碑风险：出厂验收")
        XCTAssertEqual(alert?.content, "里程碑 MS-021 将在 5 天后到期，但关联任务完成率仅 40.0%")
        XCTAssertEqual(alert?.event, .raised)
        XCTAssertEqual(alert?.projectID, 1)
        try assertAlertInbox(seen, user: 5, alert: alert, priority: "WARNING")
    }

    // CheckTaskDelayAlertsTests scenario 1: IN_PROGRESS task 101 (owner 7) planned to end 2026-01-08; runs at 10:00.
    func testCheckTaskDelayAlertsRaisesTheDelayAlertAndTellsPMAndOwner() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES
              (1, 'admin', true), (5, 'pm5', true), (7, 'owner7', true), (8, 'owner8', true), (10, 'off10', false);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (1, 'P1', '一号线', 5);
            INSERT INTO tasks (id, project_id, task_name, status, owner_id, plan_end)
            VALUES (101, 1, '机架焊接', 'IN_PROGRESS', 7, '2026-01-08');
            """)
        let topic = alertTopic("WARNING", "progress", "TASK_DELAY")
        let (seen, run) = try await runJob("check_task_delay_alerts", asOf: "2026-01-09T10:00",
                                                   until: topic, "\(p)/inbox/5", "\(p)/inbox/7")
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.notified, 2)
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "TD202601090001")
        XCTAssertEqual(alert?.title, "任务延期：机架焊接")
        XCTAssertEqual(alert?.content, "任务 机架焊接 已延期 1 天（计划完成日期：2026-01-08）")
        XCTAssertEqual(alert?.event, .raised)
        try assertAlertInbox(seen, user: 5, alert: alert, priority: "WARNING")
        try assertAlertInbox(seen, user: 7, alert: alert, priority: "WARNING")
        XCTAssertEqual(seen.filter { $0.topic == "\(p)/inbox/1" }.count, 0, "never admin 1")
    }

    // CheckTaskDeadlineReminderTests scenario 1: unified task 7 (assignee 9) due today 18:00; runs at 09:00.
    // No project, so the assignee is the only recipient.
    func testCheckTaskDeadlineReminderRemindsTheAssignee() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, is_active) VALUES (1, 'admin', true), (5, 'pm5', true), (9, 'u9', true),
              (10, 'off10', false);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (1, 'P1', '一号线', 5);
            INSERT INTO task_unified (id, task_code, title, assignee_id, project_id, status, reminder_enabled,
                                      reminder_before_hours, deadline)
            VALUES (7, 'TASK-260109-001', '周报提交', 9, NULL, 'IN_PROGRESS', true, 24,
                    ('2026-01-09 18:00'::timestamp AT TIME ZONE 'Asia/Shanghai'));
            """)
        let topic = alertTopic("INFO", "progress", "TASK_DEADLINE_REMINDER")
        let (seen, run) = try await runJob("check_task_deadline_reminder", asOf: "2026-01-09T09:00",
                                                   until: topic, "\(p)/inbox/9")
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.notified, 1)
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "TR202601090001")
        XCTAssertEqual(alert?.title, "任务即将到期：周报提交")
        XCTAssertEqual(alert?.content, "任务 TASK-260109-001 将在 9 小时后到期（截止时间：2026-01-09 18:00:00）")
        XCTAssertEqual(alert?.event, .raised)
        XCTAssertNil(alert?.projectID)
        try assertAlertInbox(seen, user: 9, alert: alert, priority: "INFO")
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/inbox/") }.map(\.topic), ["\(p)/inbox/9"])
    }

    // CheckWorkloadOverloadAlertsTests scenario 1: user 9 (张三, department 2 managed by 20) has a full-window
    // TODO task (184 h) and a 40 h allocation: 121.7 %. D = 2026-01-12 (Monday), runs at 11:00.
    func testCheckWorkloadOverloadAlertsRaisesTheWarningAndTellsUserAndManager() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (1, 'admin', NULL, true), (9, 'zhangsan', '张三', true), (10, 'lisi', '李四', true),
              (11, 'wangwu', '王五', true), (12, 'off12', '停用', false), (13, 'u13', NULL, true),
              (14, 'u14', '', true), (15, 'u15', '赵六', true), (16, 'u16', '孙七', true), (20, 'mgr20', '经理', true);
            INSERT INTO departments (id, dept_name, manager_id) VALUES (2, '研发部', 20);
            UPDATE users SET department_id = 2 WHERE id IN (9, 10, 16);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (5, 'P-5', '线体', 1);
            INSERT INTO projects (id, project_code, project_name, pm_id, is_active) VALUES (6, 'P-6', '停用', 1, false);
            INSERT INTO projects (id, project_code, project_name, pm_id, is_archived) VALUES (7, 'P-7', '归档', 1, true);
            INSERT INTO tasks (id, project_id, task_name, status, owner_id, plan_start, plan_end)
            VALUES (91, 5, '任务91', 'TODO', 9, '2026-01-12', '2026-02-11');
            INSERT INTO pmo_resource_allocation (id, project_id, task_id, resource_id, start_date, end_date, planned_hours, status)
            VALUES (91, 5, NULL, 9, '2026-01-13', '2026-01-19', 40, 'PLANNED');
            """)
        let topic = alertTopic("WARNING", "progress", "WORKLOAD_OVERLOAD")
        let (seen, run) = try await runJob("check_workload_overload_alerts", asOf: "2026-01-12T11:00",
                                                   until: topic, "\(p)/inbox/9", "\(p)/inbox/20")
        XCTAssertEqual(run?.result?.checked, 9, "active users")
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.notified, 2)
        let alert = try onlyAlert(seen, topic: topic)
        XCTAssertEqual(alert?.alertNo, "WO202601120001")
        XCTAssertEqual(alert?.title, "资源负荷超限：张三")
        XCTAssertEqual(alert?.content, "用户 张三 未来30天负荷达到 121.7%，超过110%阈值（分配工时：224.0小时，标准工时：184.0小时）")
        XCTAssertEqual(alert?.event, .raised)
        XCTAssertNil(alert?.projectID)
        try assertAlertInbox(seen, user: 9, alert: alert, priority: "WARNING")
        try assertAlertInbox(seen, user: 20, alert: alert, priority: "WARNING")
        XCTAssertEqual(seen.filter { $0.topic == "\(p)/inbox/1" }.count, 0, "never admin 1")
    }

    // CheckEcnOverdueTests scenario 1: ECN-001's 机械部 evaluation (evaluator 12) created 2026-01-05 08:00, 1 day
    // beyond the 3-day SLA at 2026-01-09 09:00. No alert rule: pms-progress writes the reminder itself and its
    // outbox publishes it to the evaluator's inbox.
    func testCheckEcnOverdueReachesTheEvaluatorInbox() async throws {
        try await cluster.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (4, 'app4', '申请人', true), (12, 'eval12', '评估人', true), (15, 'appr15', '审批人', true),
              (16, 'appr16', '二级审批', true), (20, 'exec20', '执行人', true), (30, 'pm30', '项目经理', true),
              (31, 'off31', '离职', false);
            INSERT INTO ecn (id, ecn_no, ecn_title, status, applicant_id, project_id)
            VALUES (31, 'ECN-001', '变更ECN-001', 'EVALUATING', 4, NULL);
            INSERT INTO ecn_evaluations (id, ecn_id, eval_dept, evaluator_id, status, created_at)
            VALUES (301, 31, '机械部', 12, 'PENDING', '2026-01-05 08:00+08');
            """)
        let (seen, run) = try await runJob("check_ecn_overdue", asOf: "2026-01-09T09:00", until: "\(p)/inbox/12")
        XCTAssertEqual(run?.domain, .progress)
        let inbox = seen.filter { $0.topic.hasPrefix("\(p)/inbox/") }
        XCTAssertEqual(inbox.map(\.topic), ["\(p)/inbox/12"])
        let message = try BusCoding.decode(InboxMessage.self, from: try XCTUnwrap(inbox.first).payload)
        XCTAssertEqual(message.userID, 12)
        XCTAssertEqual(message.notificationType, "ECN_OVERDUE_ALERT")
        XCTAssertEqual(message.title, "ECN超时提醒：ECN-001")
        XCTAssertEqual(message.content, "ECN ECN-001 的机械部评估已超时1天")
        XCTAssertEqual(message.priority, "HIGH")
        XCTAssertEqual(message.linkURL, "/ecns?ecnId=31")
        XCTAssertEqual(message.sourceType, "ECN")
        XCTAssertEqual(message.sourceID, 31)
        XCTAssertEqual(message.createdAt, RFC3339.parse("2026-01-09T09:00:00+08:00"))
        let notes = try await cluster.rows("SELECT id FROM notifications WHERE user_id = 12")
        XCTAssertEqual(notes.map { $0["id"] }, ["\(message.notificationID)"])
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") }.count, 0, "a reminder, not an alert")
    }

    // GenerateJobDutyTasksTests scenario 1: DAILY template 3 (lead 1) for position 4 (users 21 and 22); runs at
    // 2026-01-09 04:00 and creates tomorrow's two PENDING tasks with consecutive codes.
    func testGenerateJobDutyTasksCreatesTomorrowsTasks() async throws {
        try await cluster.exec("""
            INSERT INTO positions (id, position_name) VALUES (4, '设备员'), (5, '质检员');
            INSERT INTO departments (id, dept_name) VALUES (1, '生产部'), (2, '设备部');
            INSERT INTO users (id, username, real_name, is_active, position_id, department_id) VALUES
              (21, 'u21', '王五', true, 4, 1), (22, 'u22', NULL, true, 4, 2);
            INSERT INTO job_duty_template (id, position_id, position_name, department_id, duty_name, duty_description,
                frequency, day_of_week, day_of_month, month_of_year, auto_generate, generate_before_days,
                deadline_offset_days, default_priority, estimated_hours, is_active, created_at)
            VALUES (3, 4, '设备员', NULL, '设备点检', '设备点检说明', 'DAILY', NULL, NULL, NULL, true, 1, 0, NULL, 2.00, true,
                    '2026-01-01 10:00+08');
            """)
        let (seen, run) = try await runJob("generate_job_duty_tasks", asOf: "2026-01-09T04:00")
        XCTAssertEqual(run?.domain, .progress)
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 2)
        XCTAssertEqual(run?.result?.skipped, 0)
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") || $0.topic.hasPrefix("\(p)/inbox/") }.count, 0,
                       "the job writes tasks only")
        let rows = try await cluster.rows("""
            SELECT task_code, title, task_type, source_type, source_id, assignee_id, assignee_name, assigner_name,
                   plan_start_date::text AS plan_start, plan_end_date::text AS plan_end,
                   to_char(deadline AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') AS deadline,
                   estimated_hours::text AS hours, status, priority,
                   to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS created
              FROM task_unified ORDER BY task_code
            """)
        XCTAssertEqual(rows.map { $0["task_code"]! }, ["TASK-260109-001", "TASK-260109-002"])
        XCTAssertEqual(rows.map { $0["assignee_id"]! }, ["21", "22"])
        XCTAssertEqual(rows.map { $0["assignee_name"]! }, ["王五", "u22"])
        for r in rows {
            XCTAssertEqual(r["title"], "设备点检")
            XCTAssertEqual(r["task_type"], "JOB_DUTY")
            XCTAssertEqual(r["source_type"], "JOB_DUTY_TEMPLATE")
            XCTAssertEqual(r["source_id"], "3")
            XCTAssertEqual(r["assigner_name"], "系统")
            XCTAssertEqual(r["plan_start"], "2026-01-10")
            XCTAssertEqual(r["plan_end"], "2026-01-10")
            XCTAssertEqual(r["deadline"], "2026-01-10 23:59:59")
            XCTAssertEqual(r["hours"], "2.00")
            XCTAssertEqual(r["status"], "PENDING")
            XCTAssertEqual(r["priority"], "MEDIUM")
            XCTAssertEqual(r["created"], "2026-01-09 04:00")
        }
    }

    // MARK: - roll-ups

    // CalculateProgressSummaryTests scenario 1: project 1's tasks A (100 %, weight 2), B (50 %, weight 1) and a
    // CANCELLED C → weighted 83.33; runs at 10:00. Projects 2 and 3 have no tasks, 4 is inactive.
    func testCalculateProgressSummaryWritesTheWeightedProgress() async throws {
        try await cluster.exec("""
            INSERT INTO projects (id, project_code, project_name, progress_pct, is_active, is_archived, updated_at) VALUES
              (1, 'P-1', '项目一', 0.00, true, false, '2026-01-01T00:00:00Z'),
              (2, 'P-2', '项目二', 0.00, true, false, '2026-01-01T00:00:00Z'),
              (3, 'P-3', '项目三', 12.50, true, false, '2026-01-01T00:00:00Z'),
              (4, 'P-4', '项目四', 7.00, false, false, '2026-01-01T00:00:00Z');
            INSERT INTO tasks (project_id, task_name, status, progress_percent, weight) VALUES
              (1, 'A', 'IN_PROGRESS', 100, 2.00),
              (1, 'B', 'TODO', 50, 1.00),
              (1, 'C', 'CANCELLED', 0, 5.00);
            """)
        let (seen, run) = try await runJob("calculate_progress_summary", asOf: "2026-01-09T10:00")
        XCTAssertEqual(run?.domain, .progress)
        XCTAssertEqual(run?.result?.updated, 1)
        XCTAssertEqual(seen.filter { $0.topic.hasPrefix("\(p)/alert/") || $0.topic.hasPrefix("\(p)/inbox/") }.count, 0)
        let rows = try await cluster.rows("SELECT id, progress_pct::text AS v FROM projects ORDER BY id")
        XCTAssertEqual(rows.map { "\($0["id"]!) \($0["v"]!)" }, ["1 83.33", "2 0.00", "3 12.50", "4 7.00"])
    }

    // CalculateProjectHealthTests scenarios 1–5: closed project 1 → H4, blocker on 2 → H3, 3 ends within 5 days
    // → H2, 4 lags its schedule → H2, 5 stays H1; runs at 10:00.
    func testCalculateProjectHealthWritesHealthAndLogs() async throws {
        try await cluster.exec("""
            INSERT INTO projects (id, project_code, project_name, stage, status, health, planned_start_date,
                                  planned_end_date, actual_start_date, progress_pct, is_active, is_archived) VALUES
              (1, 'P-1', '项目1', 'S4', 'ST30', 'H1', NULL, NULL, NULL, 0, true, false),
              (2, 'P-2', '项目2', 'S4', 'ST08', 'H1', NULL, NULL, NULL, 0, true, false),
              (3, 'P-3', '项目3', 'S4', 'ST08', 'H1', NULL, '2026-01-14', NULL, 0, true, false),
              (4, 'P-4', '项目4', 'S4', 'ST08', 'H1', '2025-12-01', '2026-01-31', '2025-12-01', 50, true, false),
              (5, 'P-5', '项目5', 'S4', 'ST08', 'H1', NULL, NULL, NULL, 0, true, false);
            INSERT INTO issues (issue_no, title, project_id, issue_type, priority, status, is_blocking)
            VALUES ('IS-1', '问题', 2, 'BLOCKER', 'MEDIUM', 'OPEN', false);
            """)
        let (_, run) = try await runJob("calculate_project_health", asOf: "2026-01-09T10:00")
        XCTAssertEqual(run?.result?.checked, 5)
        XCTAssertEqual(run?.result?.updated, 4)
        let health = try await cluster.rows("SELECT id, health FROM projects ORDER BY id")
        XCTAssertEqual(health.map { "\($0["id"]!) \($0["health"]!)" }, ["1 H4", "2 H3", "3 H2", "4 H2", "5 H1"])
        let logs = try await cluster.rows("""
            SELECT project_id, old_health, new_health, change_type, change_reason FROM project_status_logs
             WHERE changed_at = '2026-01-09T10:00:00+08:00'::timestamptz ORDER BY project_id, id
            """)
        XCTAssertEqual(logs.map { "\($0["project_id"]!)|\($0["old_health"]!)|\($0["new_health"]!)|\($0["change_type"]!)|\($0["change_reason"]!)" }, [
            "1|H1|H4|HEALTH_AUTO_CALCULATED|系统自动计算健康度：H1 -> H4",
            "2|H1|H3|HEALTH_AUTO_CALCULATED|系统自动计算健康度：H1 -> H3",
            "3|H1|H2|HEALTH_AUTO_CALCULATED|系统自动计算健康度：H1 -> H2",
            "4|H1|H2|HEALTH_AUTO_CALCULATED|系统自动计算健康度：H1 -> H2",
        ])
    }

    // DailyHealthSnapshotTests scenario 1: project 1 with 3 PENDING alerts, 1 OPEN BLOCKER and 2 overdue key
    // milestones → one H3 snapshot of 2026-01-09; runs at 02:00.
    func testDailyHealthSnapshotWritesTodaysRow() async throws {
        try await cluster.exec("""
            INSERT INTO projects (id, project_code, project_name, status, is_active, is_archived) VALUES (1, 'P-1', '项目1', 'ST08', true, false);
            INSERT INTO alert_records (alert_no, rule_id, target_type, target_id, project_id, alert_level, alert_title, alert_content, status) VALUES
              ('TD1', 11, 'TASK', 1, 1, 'WARNING', '任务延期', '任务延期', 'PENDING'),
              ('TD2', 11, 'TASK', 2, 1, 'WARNING', '任务延期', '任务延期', 'PENDING'),
              ('TD3', 11, 'TASK', 3, 1, 'WARNING', '任务延期', '任务延期', 'PENDING');
            INSERT INTO issues (issue_no, title, project_id, issue_type, status) VALUES ('IS-1', '卡料', 1, 'BLOCKER', 'OPEN');
            INSERT INTO project_milestones (project_id, milestone_code, milestone_name, planned_date, status, is_key) VALUES
              (1, 'M1', '设计评审', '2026-01-05', 'PENDING', true),
              (1, 'M2', '出厂验收', '2026-01-08', 'DELAYED', true),
              (1, 'M3', '备料', '2026-01-02', 'IN_PROGRESS', false);
            """)
        let (_, run) = try await runJob("daily_health_snapshot", asOf: "2026-01-09T02:00")
        XCTAssertEqual(run?.domain, .progress)
        XCTAssertEqual(run?.result?.checked, 1)
        XCTAssertEqual(run?.result?.created, 1)
        XCTAssertEqual(run?.result?.details?["date"], .string("2026-01-09"))
        let rows = try await cluster.rows("""
            SELECT project_id, snapshot_date::text AS d, overall_health, open_alerts, blocking_issues, milestone_delayed, health_score
              FROM project_health_snapshots
            """)
        XCTAssertEqual(rows.map { "\($0["project_id"]!) \($0["d"]!) \($0["overall_health"]!) \($0["open_alerts"]!) \($0["blocking_issues"]!) \($0["milestone_delayed"]!) \($0["health_score"]!)" },
                       ["1 2026-01-09 H3 3 1 2 0"])
        let stored = try await cluster.rows("SELECT health FROM projects WHERE id = 1").first?["health"]
        XCTAssertEqual(stored, "H1", "the snapshot does not write projects.health")
    }
}
