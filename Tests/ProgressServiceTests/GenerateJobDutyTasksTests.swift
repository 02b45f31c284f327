import Foundation
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ProgressService
import XCTest

/// services-progress.md, generate_job_duty_tasks: every acceptance scenario (corrected: users found by
/// position, target = the occurrence itself, cross-month look-ahead, consecutive codes, 23:59:59 deadlines),
/// plus BIWEEKLY/QUARTERLY/YEARLY, lead 0, the legacy position fallback, invalid templates, counters past 999
/// and redelivery. Users 21 and 22 are active with position_id 4. The job writes tasks only and has no
/// alert rule, so there is no "rule disabled" case.
final class GenerateJobDutyTasksTests: XCTestCase {
    var h: JobHarness!
    let job = GenerateJobDutyTasks()
    let jobID = "generate_job_duty_tasks"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .progress)
        try await h.exec("""
            INSERT INTO positions (id, position_name) VALUES (4, '设备员'), (5, '质检员');
            INSERT INTO departments (id, dept_name) VALUES (1, '生产部'), (2, '设备部');
            INSERT INTO users (id, username, real_name, is_active, position_id, department_id) VALUES
              (21, 'u21', '王五', true, 4, 1), (22, 'u22', NULL, true, 4, 2);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func template(_ id: Int, name: String, frequency: String, dayOfWeek: Int? = nil, dayOfMonth: Int? = nil,
                  monthOfYear: Int? = nil, lead: Int? = 3, offset: Int = 0, hours: String? = nil,
                  priority: String? = nil, position: Int = 4, positionName: String = "设备员",
                  department: Int? = nil, active: Bool = true, auto: Bool = true,
                  created: String = "2026-01-01 10:00+08") async throws {
        try await h.db.execute(
            """
            INSERT INTO job_duty_template (id, position_id, position_name, department_id, duty_name, duty_description,
                frequency, day_of_week, day_of_month, month_of_year, auto_generate, generate_before_days,
                deadline_offset_days, default_priority, estimated_hours, is_active, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::numeric, $16, $17::timestamptz)
            """,
            [id, position, positionName, department, name, name + "说明", frequency, dayOfWeek, dayOfMonth, monthOfYear,
             auto, lead, offset, priority, hours, active, created])
    }

    func tasks() async throws -> [PostgresRow] {
        try await h.rows("""
            SELECT task_code, title, description, task_type, category, tags::text AS tags, source_type, source_id,
                   project_id, assignee_id, assignee_name, assigner_id, assigner_name,
                   plan_start_date::text AS plan_start, plan_end_date::text AS plan_end,
                   to_char(deadline AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') AS deadline,
                   estimated_hours::text AS hours, status, progress, priority, is_urgent, reminder_enabled,
                   reminder_before_hours, created_by,
                   to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS created
              FROM task_unified ORDER BY task_code
            """)
    }

    /// "template:user:plan_start" of every task, by code.
    func summary() async throws -> [String] {
        try await tasks().map { "\($0["source_id"]!):\($0["assignee_id"]!):\($0["plan_start"]!)" }
    }

    // Scenario 1: DAILY, lead 1 → two PENDING tasks for D+1, consecutive codes, deadline 23:59:59 local.
    func testScenario1DailyTemplateCreatesOneTaskPerUser() async throws {
        try await template(3, name: "设备点检", frequency: "DAILY", lead: 1, offset: 0, hours: "2.00", priority: nil)
        let outcome = await h.run(job, at: "2026-01-09T04:00")
        XCTAssertSucceeded(outcome)
        let rows = try await tasks()
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows.map { $0["task_code"]! }, ["TASK-260109-001", "TASK-260109-002"])
        XCTAssertEqual(rows.map { $0["assignee_id"]! }, ["21", "22"])
        XCTAssertEqual(rows.map { $0["assignee_name"]! }, ["王五", "u22"])   // real_name, else username
        for r in rows {
            XCTAssertEqual(r["title"], "设备点检")
            XCTAssertEqual(r["description"], "设备点检说明")
            XCTAssertEqual(r["task_type"], "JOB_DUTY")
            XCTAssertEqual(r["category"], "JOB_DUTY")
            XCTAssertEqual(r["tags"], "[\"岗位职责\"]")
            XCTAssertEqual(r["source_type"], "JOB_DUTY_TEMPLATE")
            XCTAssertEqual(r["source_id"], "3")
            XCTAssertNil(r["project_id"])
            XCTAssertNil(r["assigner_id"])
            XCTAssertEqual(r["assigner_name"], "系统")
            XCTAssertEqual(r["plan_start"], "2026-01-10")
            XCTAssertEqual(r["plan_end"], "2026-01-10")
            XCTAssertEqual(r["deadline"], "2026-01-10 23:59:59")
            XCTAssertEqual(r["hours"], "2.00")
            XCTAssertEqual(r["status"], "PENDING")
            XCTAssertEqual(r["progress"], "0")
            XCTAssertEqual(r["priority"], "MEDIUM")
            XCTAssertEqual(r["is_urgent"], "f")
            XCTAssertEqual(r["reminder_enabled"], "t")
            XCTAssertEqual(r["reminder_before_hours"], "24")
            XCTAssertNil(r["created_by"])
            XCTAssertEqual(r["created"], "2026-01-09 04:00")
        }
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 2)
        XCTAssertEqual(result?.skipped, 0)
    }

    // Codes continue the day's numeric maximum (N, N+1), and grow past 999 ("-1000" sorts before "-999" as text).
    func testCodesContinueTheDaysCounterNumerically() async throws {
        try await h.exec("""
            INSERT INTO task_unified (task_code, title, assignee_id) VALUES
              ('TASK-260109-999', '手工任务', 21), ('TASK-260109-1000', '手工任务', 21), ('TASK-260108-5000', '昨天', 21);
            """)
        try await template(3, name: "设备点检", frequency: "DAILY", lead: 1)
        let outcome = await h.run(job, at: "2026-01-09T04:00")
        XCTAssertSucceeded(outcome)
        let codes = try await h.rows("SELECT task_code FROM task_unified WHERE source_id = 3 ORDER BY assignee_id")
        XCTAssertEqual(codes.map { $0["task_code"]! }, ["TASK-260109-1001", "TASK-260109-1002"])
    }

    func testCodesStartFromAnExistingSmallCounter() async throws {
        try await h.exec("INSERT INTO task_unified (task_code, title, assignee_id) VALUES ('TASK-260109-007', '手工', 21)")
        try await template(3, name: "设备点检", frequency: "DAILY", lead: 1, priority: "HIGH")
        let outcome = await h.run(job, at: "2026-01-09T04:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.rows(
            "SELECT task_code, priority FROM task_unified WHERE source_id = 3 ORDER BY assignee_id")
        XCTAssertEqual(rows.map { $0["task_code"]! }, ["TASK-260109-008", "TASK-260109-009"])
        XCTAssertEqual(rows.map { $0["priority"]! }, ["HIGH", "HIGH"])
    }

    // Scenario 2, corrected: Friday creates Monday's tasks; Saturday, Sunday and Monday create nothing new
    // (the original adds a second set dated 2026-01-15 on Monday).
    func testScenario2WeeklyTargetIsTheOccurrenceItself() async throws {
        try await template(5, name: "周例检", frequency: "WEEKLY", dayOfWeek: 1, lead: 3)
        let friday = await h.run(job, at: "2026-01-09T04:00")
        XCTAssertSucceeded(friday)
        let afterFriday = try await summary()
        XCTAssertEqual(afterFriday, ["5:21:2026-01-12", "5:22:2026-01-12"])
        for day in ["2026-01-10T04:00", "2026-01-11T04:00", "2026-01-12T04:00"] {
            let outcome = await h.run(job, at: day)
            XCTAssertSucceeded(outcome)
            let result = try await h.lastResult(jobID)
            XCTAssertEqual(result?.created, 0, day)
            XCTAssertEqual(result?.skipped, 2, day)
        }
        let tuesday = await h.run(job, at: "2026-01-13T04:00")   // next Monday is 6 days away: beyond the lead
        XCTAssertSucceeded(tuesday)
        let rows = try await summary()
        XCTAssertEqual(rows, ["5:21:2026-01-12", "5:22:2026-01-12"])
    }

    // Scenario 3: MONTHLY day 2, lead 3, on 2026-01-30 → 2026-02-02 (cross-month look-ahead).
    func testScenario3MonthlyLooksAheadIntoNextMonth() async throws {
        try await template(6, name: "月度盘点", frequency: "MONTHLY", dayOfMonth: 2, lead: 3, offset: 2)
        let outcome = await h.run(job, at: "2026-01-30T04:00")
        XCTAssertSucceeded(outcome)
        let rows = try await tasks()
        XCTAssertEqual(rows.map { "\($0["assignee_id"]!):\($0["plan_start"]!)" }, ["21:2026-02-02", "22:2026-02-02"])
        XCTAssertEqual(rows.map { $0["deadline"]! }, ["2026-02-04 23:59:59", "2026-02-04 23:59:59"])
        XCTAssertEqual(rows.map { $0["task_code"]! }, ["TASK-260130-001", "TASK-260130-002"])
    }

    // The monthly day is clamped to the month's last day (31 → 28 February).
    func testMonthlyDayIsClampedToTheMonthsEnd() async throws {
        try await template(7, name: "月末结账", frequency: "MONTHLY", dayOfMonth: 31, lead: 3)
        let outcome = await h.run(job, at: "2026-02-26T04:00")
        XCTAssertSucceeded(outcome)
        let rows = try await summary()
        XCTAssertEqual(rows, ["7:21:2026-02-28", "7:22:2026-02-28"])
    }

    // Scenario 4: inactive template, auto_generate false, and a position with no active user create nothing.
    func testScenario4NegativeTemplatesCreateNothing() async throws {
        try await h.exec("INSERT INTO users (id, username, is_active, position_id) VALUES (25, 'u25', false, 5)")
        try await template(8, name: "停用模板", frequency: "DAILY", lead: 1, active: false)
        try await template(9, name: "手工模板", frequency: "DAILY", lead: 1, auto: false)
        try await template(10, name: "质检日检", frequency: "DAILY", lead: 1, position: 5, positionName: "质检员")
        let outcome = await h.run(job, at: "2026-01-09T04:00")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM task_unified")
        XCTAssertEqual(total, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.details?["templates_without_users"], .number(1))
    }

    // Scenario 5: a re-run at 04:30 the same day adds nothing.
    func testScenario5RerunTheSameDayAddsNothing() async throws {
        try await template(3, name: "设备点检", frequency: "DAILY", lead: 1)
        try await template(5, name: "周例检", frequency: "WEEKLY", dayOfWeek: 1, lead: 3)
        let first = await h.run(job, at: "2026-01-09T04:00")
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T04:30")
        XCTAssertSucceeded(second)
        let rows = try await summary()
        XCTAssertEqual(rows, ["3:21:2026-01-10", "3:22:2026-01-10", "5:21:2026-01-12", "5:22:2026-01-12"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.skipped, 4)
    }

    // A new holder of the position gets the task even though colleagues already have theirs (per user dedup).
    func testNewUserOfThePositionStillGetsTheTask() async throws {
        try await template(3, name: "设备点检", frequency: "DAILY", lead: 1)
        let first = await h.run(job, at: "2026-01-09T04:00")
        XCTAssertSucceeded(first)
        try await h.exec("INSERT INTO users (id, username, is_active, position_id) VALUES (26, 'u26', true, 4)")
        let second = await h.run(job, at: "2026-01-09T04:30")
        XCTAssertSucceeded(second)
        let rows = try await tasks()
        XCTAssertEqual(rows.map { "\($0["task_code"]!):\($0["assignee_id"]!)" },
                       ["TASK-260109-001:21", "TASK-260109-002:22", "TASK-260109-003:26"])
    }

    // Gap 4: lead 0 means "same day only" (the original treats 0 as 3 in the look-ahead).
    func testLeadZeroMeansSameDayOnly() async throws {
        try await template(11, name: "周五周报", frequency: "WEEKLY", dayOfWeek: 5, lead: 0)
        let thursday = await h.run(job, at: "2026-01-08T04:00")
        XCTAssertSucceeded(thursday)
        let none = try await h.count("SELECT 1 FROM task_unified")
        XCTAssertEqual(none, 0)
        let friday = await h.run(job, at: "2026-01-09T04:00")
        XCTAssertSucceeded(friday)
        let rows = try await summary()
        XCTAssertEqual(rows, ["11:21:2026-01-09", "11:22:2026-01-09"])
    }

    // NULL lead reads 3.
    func testNullLeadReadsThree() async throws {
        try await template(12, name: "周一例会", frequency: "WEEKLY", dayOfWeek: 1, lead: nil)
        let outcome = await h.run(job, at: "2026-01-09T04:00")
        XCTAssertSucceeded(outcome)
        let rows = try await summary()
        XCTAssertEqual(rows, ["12:21:2026-01-12", "12:22:2026-01-12"])
    }

    // Gap 3: BIWEEKLY on even ISO-week distance from the creation week (created in the week of 2026-01-05).
    func testBiweeklyRunsOnEvenWeeksFromCreation() async throws {
        try await template(13, name: "双周巡检", frequency: "BIWEEKLY", dayOfWeek: 1, lead: 3,
                           created: "2026-01-07 15:00+08")
        let oddWeek = await h.run(job, at: "2026-01-09T04:00")   // Monday 01-12 is one week away: odd
        XCTAssertSucceeded(oddWeek)
        let none = try await h.count("SELECT 1 FROM task_unified")
        XCTAssertEqual(none, 0)
        let evenWeek = await h.run(job, at: "2026-01-16T04:00")
        XCTAssertSucceeded(evenWeek)
        let rows = try await summary()
        XCTAssertEqual(rows, ["13:21:2026-01-19", "13:22:2026-01-19"])
    }

    // Gap 3: QUARTERLY in months (month − month_of_year) mod 3 = 0; NULL anchor = January.
    func testQuarterlyMonthsFollowTheAnchor() async throws {
        try await template(14, name: "季度校准", frequency: "QUARTERLY", dayOfMonth: 5, monthOfYear: 2, lead: 3)
        try await template(15, name: "季度盘点", frequency: "QUARTERLY", dayOfMonth: 1, monthOfYear: nil, lead: 3)
        let january = await h.run(job, at: "2026-01-03T04:00")   // Jan is no quarter month of anchor 2; Jan 1 passed
        XCTAssertSucceeded(january)
        let none = try await h.count("SELECT 1 FROM task_unified")
        XCTAssertEqual(none, 0)
        let february = await h.run(job, at: "2026-02-03T04:00")
        XCTAssertSucceeded(february)
        let march = await h.run(job, at: "2026-03-30T04:00")   // April 1 is 2 days away
        XCTAssertSucceeded(march)
        let rows = try await summary()
        XCTAssertEqual(rows, ["14:21:2026-02-05", "14:22:2026-02-05", "15:21:2026-04-01", "15:22:2026-04-01"])
    }

    // YEARLY crosses the year end; an invalid month is logged and skipped while other templates still run (gap 7).
    func testYearlyCrossesTheYearAndInvalidTemplatesAreSkipped() async throws {
        try await template(16, name: "年度检定", frequency: "YEARLY", dayOfMonth: 1, monthOfYear: 1, lead: 3)
        try await template(17, name: "坏模板", frequency: "YEARLY", dayOfMonth: 1, monthOfYear: 13, lead: 3)
        try await template(18, name: "坏周模板", frequency: "WEEKLY", dayOfWeek: 9, lead: 3)
        let outcome = await h.run(job, at: "2026-12-30T04:00")
        XCTAssertSucceeded(outcome)
        let rows = try await summary()
        XCTAssertEqual(rows, ["16:21:2027-01-01", "16:22:2027-01-01"])
        let codes = try await tasks().map { $0["task_code"]! }
        XCTAssertEqual(codes, ["TASK-261230-001", "TASK-261230-002"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.details?["invalid_templates"], .number(2))
    }

    // Gap 1: users with no position_id match by trimmed free-text position; the department restricts.
    func testLegacyPositionFallbackAndDepartmentFilter() async throws {
        try await h.exec("""
            INSERT INTO users (id, username, is_active, position, position_id, department_id) VALUES
              (23, 'u23', true, ' 设备员 ', NULL, 2), (24, 'u24', true, '设备员', 5, 2), (27, 'u27', true, '设备员', NULL, 1);
            """)
        try await template(19, name: "设备部日检", frequency: "DAILY", lead: 0, department: 2)
        let outcome = await h.run(job, at: "2026-01-09T04:00")
        XCTAssertSucceeded(outcome)
        let rows = try await summary()
        XCTAssertEqual(rows, ["19:22:2026-01-09", "19:23:2026-01-09"])
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await template(3, name: "设备点检", frequency: "DAILY", lead: 1)
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T04:00", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T04:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let total = try await h.count("SELECT 1 FROM task_unified")
        XCTAssertEqual(total, 2)
    }
}
