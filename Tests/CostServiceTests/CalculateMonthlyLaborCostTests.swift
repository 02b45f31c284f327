import CostService
import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import XCTest

/// services-receivables-cost.md, calculate_monthly_labor_cost: every acceptance scenario with the corrected
/// expectations (month-scoped upsert, previous month AND the one before it, rate per work date, timesheet
/// department for the DEPT tier, exact amounts), plus DECISIONS "Labour cost" (highest role rate, inactive roles
/// ignored, real_name else username, half-up once per row, params.year/params.month), re-run, redelivery, stale
/// rows, inactive projects. The job has no alert rule and no recipients (no "rule disabled" / recipient cases).
final class CalculateMonthlyLaborCostTests: XCTestCase {
    var h: JobHarness!
    let job = CalculateMonthlyLaborCost()
    let jobID = "calculate_monthly_labor_cost"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .cost)
        try await h.exec("""
            INSERT INTO departments (id, dept_name) VALUES (1, '机械部'), (2, '电气部');
            INSERT INTO users (id, username, real_name, department_id, is_active) VALUES
              (1, 'zhang1', '张三', 1, true), (2, 'li2', '李四', 1, true), (3, 'wang3', NULL, 2, true),
              (4, 'zhao4', '赵六', 2, true), (5, 'left5', '离职', 1, false);
            INSERT INTO roles (id, role_code, role_name, is_active) VALUES
              (1, 'ENG', '工程师', true), (2, 'SENIOR', '高级工程师', true), (3, 'OLD', '停用角色', false);
            INSERT INTO projects (id, project_code, project_name, is_active, is_archived, actual_cost) VALUES
              (1, 'P1', '项目一', true, false, 0), (2, 'P2', '项目二', true, false, 0),
              (8, 'P8', '停用项目', false, false, 77.00), (9, 'P9', '归档项目', true, true, 88.00);
            """)
    }

    override func tearDown() async throws { await h.close() }

    func timesheet(_ user: Int, project: Int?, _ date: String, _ hours: String, status: String = "APPROVED",
                   dept: Int? = nil) async throws {
        try await h.db.execute(
            """
            INSERT INTO timesheet (user_id, user_name, department_id, project_id, work_date, hours, status)
            VALUES ($1, 'ts-name', $2, $3, $4::date, $5::numeric, $6)
            """, [user, dept, project, date, hours, status])
    }

    func rate(_ type: String, user: Int? = nil, role: Int? = nil, dept: Int? = nil, _ rate: String,
              from: String?, to: String? = nil, active: Bool = true) async throws {
        try await h.db.execute(
            """
            INSERT INTO hourly_rate_configs (config_type, user_id, role_id, dept_id, hourly_rate, effective_date,
                                             expiry_date, is_active)
            VALUES ($1, $2, $3, $4, $5::numeric, $6::date, $7::date, $8)
            """, [type, user, role, dept, rate, from, to, active])
    }

    /// Labour rows as "project user cost_date amount source_no | description".
    func labour() async throws -> [String] {
        try await h.rows("""
            SELECT project_id, source_id, cost_date::text AS d, amount::text AS amount, source_no, description
              FROM project_costs WHERE source_module = 'TIMESHEET' AND source_type = 'LABOR_COST'
             ORDER BY cost_date, project_id, source_id
            """).map { "\($0["project_id"]!) \($0["source_id"]!) \($0["d"]!) \($0["amount"]!) \($0["source_no"]!)"
                + ($0["description"].map { " | " + $0 } ?? "") }
    }

    func actualCost(_ project: Int) async throws -> String? {
        try await h.rows("SELECT actual_cost::text AS c FROM projects WHERE id = $1", [project]).first?["c"]
    }

    func amount(project: Int, user: Int) async throws -> String? {
        try await h.rows("""
            SELECT amount::text AS a FROM project_costs
             WHERE source_module = 'TIMESHEET' AND source_type = 'LABOR_COST' AND project_id = $1 AND source_id = $2
            """, [project, user]).first?["a"]
    }

    // Scenario 1: run 2026-02-01 02:00 (still January 31 in UTC: D is taken in Shanghai) → period 2026-01.
    func testScenario1BasicMonth() async throws {
        try await timesheet(1, project: 1, "2026-01-05", "8.00")
        try await timesheet(1, project: 1, "2026-01-20", "4.00")
        try await rate("USER", user: 1, "150.00", from: "2025-01-01")
        try await h.exec("""
            INSERT INTO project_costs (project_id, cost_type, cost_category, amount, cost_date)
            VALUES (1, 'MATERIAL', 'MATERIAL', 500.00, '2026-01-10');
            """)
        let outcome = await h.run(job, at: "2026-02-01T02:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.rows("""
            SELECT project_id, machine_id, cost_type, cost_category, source_module, source_type, source_id, source_no,
                   amount::text AS amount, tax_amount::text AS tax, cost_date::text AS d, description, created_by,
                   to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS created,
                   to_char(updated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS updated
              FROM project_costs WHERE cost_type = 'LABOR'
            """)
        XCTAssertEqual(rows.count, 1)
        let r = try XCTUnwrap(rows.first)
        XCTAssertEqual(r["project_id"], "1")
        XCTAssertNil(r["machine_id"])
        XCTAssertEqual(r["cost_type"], "LABOR")
        XCTAssertEqual(r["cost_category"], "LABOR")
        XCTAssertEqual(r["source_module"], "TIMESHEET")
        XCTAssertEqual(r["source_type"], "LABOR_COST")
        XCTAssertEqual(r["source_id"], "1")
        XCTAssertEqual(r["source_no"], "LABOR-1-202601")
        XCTAssertEqual(r["amount"], "1800.00")
        XCTAssertEqual(r["tax"], "0.00")
        XCTAssertEqual(r["d"], "2026-01-31")
        XCTAssertEqual(r["description"], "人工成本：张三，工时：12.00小时")
        XCTAssertNil(r["created_by"])
        XCTAssertEqual(r["created"], "2026-02-01 02:00")
        XCTAssertEqual(r["updated"], "2026-02-01 02:00")
        // actual_cost = Σ of all of P1's cost rows (the material row included)
        let cost = try await actualCost(1)
        XCTAssertEqual(cost, "2300.00")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 2)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.updated, 0)
        XCTAssertEqual(result?.resolved, 0)
        XCTAssertEqual(result?.skipped, 0)
        XCTAssertEqual(result?.details?["months"], .array([.string("2026-01"), .string("2025-12")]))
        XCTAssertEqual(result?.details?["projects_touched"], .number(1))
        XCTAssertEqual(result?.details?["deleted"], .number(0))
        XCTAssertEqual(result?.details?["actual_cost_updated"], .number(1))
        let alerts = try await h.count("SELECT 1 FROM alert_records")
        let notes = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(alerts + notes, 0)
    }

    // Scenario 2: a run on 2026-01-01 costs 2025-12 and re-costs 2025-11 (late approvals). Tiers: ROLE 120,
    // DEFAULT 90; a user without a real_name is named by username.
    func testScenario2YearBoundaryAndRateTiers() async throws {
        try await h.exec("INSERT INTO user_roles (user_id, role_id) VALUES (2, 1)")
        try await rate("ROLE", role: 1, "120.00", from: "2025-01-01")
        try await rate("DEFAULT", "90.00", from: nil)
        try await timesheet(2, project: 1, "2025-12-10", "10.00")
        try await timesheet(3, project: 1, "2025-12-11", "5.50")
        try await timesheet(3, project: 2, "2025-11-28", "2.00")   // approved late: costed in November
        try await timesheet(3, project: 2, "2025-10-31", "3.00")   // outside both months
        // November was costed on 2025-12-01 before more hours were approved: re-computed now
        try await h.exec("""
            INSERT INTO project_costs (project_id, cost_type, cost_category, source_module, source_type, source_id,
                                       source_no, amount, cost_date, description)
            VALUES (2, 'LABOR', 'LABOR', 'TIMESHEET', 'LABOR_COST', 3, 'LABOR-3-202511', 90.00, '2025-11-30',
                    '人工成本：wang3，工时：1.00小时');
            """)
        let outcome = await h.run(job, at: "2026-01-01T02:00")
        XCTAssertSucceeded(outcome)
        let rows = try await labour()
        XCTAssertEqual(rows, [
            "2 3 2025-11-30 180.00 LABOR-3-202511 | 人工成本：wang3，工时：2.00小时",
            "1 2 2025-12-31 1200.00 LABOR-2-202512 | 人工成本：李四，工时：10.00小时",
            "1 3 2025-12-31 495.00 LABOR-3-202512 | 人工成本：wang3，工时：5.50小时",
        ])
        let p1 = try await actualCost(1)
        let p2 = try await actualCost(2)
        XCTAssertEqual(p1, "1695.00")
        XCTAssertEqual(p2, "180.00")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 3)
        XCTAssertEqual(result?.created, 2)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.details?["months"], .array([.string("2025-12"), .string("2025-11")]))
    }

    // Scenario 2, last tier: no config at all → the constant 100.00.
    func testScenario2NoConfigFallsBackTo100() async throws {
        try await timesheet(3, project: 1, "2025-12-11", "5.50")
        let outcome = await h.run(job, at: "2026-01-01T02:00")
        XCTAssertSucceeded(outcome)
        let value = try await amount(project: 1, user: 3)
        XCTAssertEqual(value, "550.00")
    }

    // The fallback constant is configurable.
    func testFallbackRateIsConfigurable() async throws {
        try await timesheet(3, project: 1, "2025-12-11", "2.00")
        let outcome = await h.run(CalculateMonthlyLaborCost(fallbackRate: Decimal(string: "88.50")!), at: "2026-01-01T02:00")
        XCTAssertSucceeded(outcome)
        let value = try await amount(project: 1, user: 3)
        XCTAssertEqual(value, "177.00")
    }

    // Scenario 3: SUBMITTED / REJECTED / DRAFT / CANCELLED and project-less rows are ignored (no failure);
    // a project without approved hours gets no row.
    func testScenario3OnlyApprovedProjectHoursAreCosted() async throws {
        try await rate("DEFAULT", "100.00", from: nil)
        try await timesheet(1, project: 1, "2026-01-05", "8.00")
        try await timesheet(1, project: 1, "2026-01-06", "8.00", status: "SUBMITTED")
        try await timesheet(1, project: 2, "2026-01-06", "8.00", status: "REJECTED")
        try await timesheet(2, project: 2, "2026-01-07", "8.00", status: "DRAFT")
        try await timesheet(2, project: 2, "2026-01-08", "8.00", status: "CANCELLED")
        try await timesheet(2, project: nil, "2026-01-09", "8.00")
        let outcome = await h.run(job, at: "2026-02-01T02:00")
        XCTAssertSucceeded(outcome)
        let rows = try await labour()
        XCTAssertEqual(rows, ["1 1 2026-01-31 800.00 LABOR-1-202601 | 人工成本：张三，工时：8.00小时"])
        let p2 = try await actualCost(2)
        XCTAssertEqual(p2, "0.00")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.skipped, 0)
    }

    // Scenario 4: re-running 2026-01 gives the same rows and actual_cost and rewrites nothing; the December rows
    // are re-upserted with identical values; November 2025 labour rows are never deleted (the original wiped them).
    func testScenario4ReRunIsIdenticalAndOlderMonthsSurvive() async throws {
        try await rate("USER", user: 1, "150.00", from: "2025-01-01")
        try await timesheet(1, project: 1, "2026-01-05", "8.00")
        try await timesheet(1, project: 1, "2025-12-15", "2.00")
        try await h.exec("""
            INSERT INTO project_costs (project_id, cost_type, cost_category, source_module, source_type, source_id,
                                       source_no, amount, cost_date, description, updated_at)
            VALUES (1, 'LABOR', 'LABOR', 'TIMESHEET', 'LABOR_COST', 1, 'LABOR-1-202511', 450.00, '2025-11-30',
                    '人工成本：张三，工时：3.00小时', '2025-12-01 02:00+08');
            """)
        let first = await h.run(job, at: "2026-02-01T02:00")
        XCTAssertSucceeded(first)
        let before = try await labour()
        XCTAssertEqual(before, [
            "1 1 2025-11-30 450.00 LABOR-1-202511 | 人工成本：张三，工时：3.00小时",
            "1 1 2025-12-31 300.00 LABOR-1-202512 | 人工成本：张三，工时：2.00小时",
            "1 1 2026-01-31 1200.00 LABOR-1-202601 | 人工成本：张三，工时：8.00小时",
        ])
        let costBefore = try await actualCost(1)
        XCTAssertEqual(costBefore, "1950.00")
        let second = await h.run(job, at: "2026-02-01T02:00")
        XCTAssertSucceeded(second)
        let after = try await labour()
        XCTAssertEqual(after, before)
        let costAfter = try await actualCost(1)
        XCTAssertEqual(costAfter, "1950.00")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 0)
        XCTAssertEqual(result?.details?["unchanged"], .number(2))
        XCTAssertEqual(result?.details?["deleted"], .number(0))
        XCTAssertEqual(result?.details?["actual_cost_updated"], .number(0))
        // unchanged rows are not rewritten
        let stamps = try await h.count("""
            SELECT 1 FROM project_costs WHERE updated_at = '2026-02-01 02:00+08' AND cost_date >= '2025-12-01'
            """)
        XCTAssertEqual(stamps, 2)
        let november = try await h.count("SELECT 1 FROM project_costs WHERE updated_at = '2025-12-01 02:00+08'")
        XCTAssertEqual(november, 1)
    }

    // Scenario 5: 150.00 until 01-15, 180.00 from 01-16 → 8 × 150 + 4 × 180 = 1920.00.
    func testScenario5MidMonthRateChange() async throws {
        try await rate("USER", user: 1, "150.00", from: "2025-01-01")
        try await rate("USER", user: 1, "180.00", from: "2026-01-16")
        try await timesheet(1, project: 1, "2026-01-05", "8.00")
        try await timesheet(1, project: 1, "2026-01-20", "4.00")
        let outcome = await h.run(job, at: "2026-02-01T02:00")
        XCTAssertSucceeded(outcome)
        let value = try await amount(project: 1, user: 1)
        XCTAssertEqual(value, "1920.00")
    }

    // A changed timesheet updates the row (and actual_cost); a (project, user) that lost its approved hours in
    // the month loses its row; other months and other cost rows are untouched.
    func testChangesUpdateAndStaleRowsAreDeleted() async throws {
        try await rate("DEFAULT", "100.00", from: nil)
        try await timesheet(1, project: 1, "2026-01-05", "8.00")
        try await timesheet(2, project: 1, "2026-01-06", "1.00")
        try await h.exec("""
            INSERT INTO project_costs (project_id, cost_type, cost_category, source_module, source_type, source_id,
                                       source_no, amount, cost_date) VALUES
              (2, 'LABOR', 'LABOR', 'TIMESHEET', 'LABOR_COST', 4, 'LABOR-4-202601', 999.00, '2026-01-31'),
              (2, 'LABOR', 'LABOR', 'TIMESHEET', 'LABOR_COST', 4, 'LABOR-4-202510', 111.00, '2025-10-31'),
              (2, 'OTHER', 'OTHER', NULL, NULL, NULL, NULL, 50.00, '2026-01-15');
            UPDATE projects SET actual_cost = 1160.00 WHERE id = 2;
            """)
        let first = await h.run(job, at: "2026-02-01T02:00")
        XCTAssertSucceeded(first)
        var result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 2)
        XCTAssertEqual(result?.details?["deleted"], .number(1))
        XCTAssertEqual(result?.details?["projects_touched"], .number(2))
        let p2 = try await actualCost(2)
        XCTAssertEqual(p2, "161.00")
        let remaining = try await h.rows("SELECT source_no FROM project_costs WHERE project_id = 2 ORDER BY id")
        XCTAssertEqual(remaining.map { $0["source_no"] ?? "NULL" }, ["LABOR-4-202510", "NULL"])

        // user 2's hours are rejected after the fact; user 1 gets 2 more hours
        try await h.exec("""
            UPDATE timesheet SET status = 'REJECTED' WHERE user_id = 2;
            UPDATE timesheet SET hours = 10.00 WHERE user_id = 1;
            """)
        let second = await h.run(job, at: "2026-02-01T02:00")
        XCTAssertSucceeded(second)
        let rows = try await labour()
        XCTAssertEqual(rows, [
            "2 4 2025-10-31 111.00 LABOR-4-202510",
            "1 1 2026-01-31 1000.00 LABOR-1-202601 | 人工成本：张三，工时：10.00小时",
        ])
        result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.updated, 1)
        XCTAssertEqual(result?.details?["deleted"], .number(1))
        let p1 = try await actualCost(1)
        XCTAssertEqual(p1, "1000.00")
    }

    // A manual re-run with params.year / params.month (numbers) recomputes only that month.
    func testManualParamsRecomputeOnlyThatMonth() async throws {
        try await rate("DEFAULT", "100.00", from: nil)
        try await timesheet(1, project: 1, "2025-10-15", "3.00")
        try await timesheet(1, project: 1, "2025-12-15", "1.00")
        let outcome = await h.run(job, at: "2026-01-09T10:30", params: ["year": .number(2025), "month": .number(10)])
        XCTAssertSucceeded(outcome)
        let rows = try await labour()
        XCTAssertEqual(rows, ["1 1 2025-10-31 300.00 LABOR-1-202510 | 人工成本：张三，工时：3.00小时"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.details?["months"], .array([.string("2025-10")]))
        let cost = try await actualCost(1)
        XCTAssertEqual(cost, "300.00")
    }

    // Numeric strings are accepted too; params without year/month (e.g. only as_of) run the default months.
    func testManualParamsAsStringsAndAsOfOnly() async throws {
        try await rate("DEFAULT", "100.00", from: nil)
        try await timesheet(1, project: 1, "2025-10-15", "3.00")
        try await timesheet(1, project: 1, "2025-12-15", "1.00")
        let manual = await h.run(job, at: "2026-01-09T10:30", params: ["year": .string("2025"), "month": .string("10")])
        XCTAssertSucceeded(manual)
        let asOf = await h.run(job, at: "2026-01-09T10:30", params: ["as_of": .string("2026-01-09T10:30")])
        XCTAssertSucceeded(asOf)
        let rows = try await labour()
        XCTAssertEqual(rows, [
            "1 1 2025-10-31 300.00 LABOR-1-202510 | 人工成本：张三，工时：3.00小时",
            "1 1 2025-12-31 100.00 LABOR-1-202512 | 人工成本：张三，工时：1.00小时",
        ])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.details?["months"], .array([.string("2025-12"), .string("2025-11")]))
    }

    // Bad params fail the run with a clear reason and write nothing.
    func testBadParamsFailTheRun() async throws {
        try await rate("DEFAULT", "100.00", from: nil)
        try await timesheet(1, project: 1, "2025-12-15", "1.00")
        let cases: [([String: JSONValue], String)] = [
            (["year": .number(2026), "month": .number(13)], "params.month: expected 1..12, got 13"),
            (["year": .number(2026), "month": .string("ab")], "params.month: expected 1..12, got 'ab'"),
            (["year": .number(2026), "month": .number(1.5)], "params.month: expected 1..12, got 1.5"),
            (["year": .string("20x6"), "month": .number(1)], "params.year: expected 1970..9999, got '20x6'"),
            (["year": .number(2026)], "params.month: missing (a manual re-run gives params.year and params.month)"),
        ]
        for (params, reason) in cases {
            let outcome = await h.run(job, at: "2026-01-09T10:30", params: params)
            XCTAssertEqual(outcome, .failed(reason))
            let failure = try await h.lastFailure(jobID)
            XCTAssertEqual(failure?.error, reason)
        }
        let written = try await h.count("SELECT 1 FROM project_costs")
        XCTAssertEqual(written, 0)
    }

    // DECISIONS: several roles → the highest applicable rate; an inactive role does not count; within one
    // role the latest effective_date wins (NULLs last), even when it is lower.
    func testRoleTierTakesTheHighestRateOfActiveRoles() async throws {
        try await h.exec("INSERT INTO user_roles (user_id, role_id) VALUES (2, 1), (2, 2), (2, 3)")
        try await rate("ROLE", role: 1, "120.00", from: "2025-01-01")
        try await rate("ROLE", role: 2, "200.00", from: nil)
        try await rate("ROLE", role: 2, "160.00", from: "2025-06-01")   // role 2's current rate
        try await rate("ROLE", role: 3, "500.00", from: nil)            // inactive role
        try await rate("ROLE", role: 1, "900.00", from: nil, active: false)
        try await rate("DEFAULT", "90.00", from: nil)
        try await timesheet(2, project: 1, "2026-01-05", "1.00")
        let outcome = await h.run(job, at: "2026-02-01T02:00")
        XCTAssertSucceeded(outcome)
        let value = try await amount(project: 1, user: 2)
        XCTAssertEqual(value, "160.00")
    }

    // The USER tier wins over ROLE; the ROLE tier over DEPT.
    func testTierOrder() async throws {
        try await h.exec("INSERT INTO user_roles (user_id, role_id) VALUES (1, 1), (2, 1)")
        try await rate("USER", user: 1, "300.00", from: nil)
        try await rate("ROLE", role: 1, "120.00", from: nil)
        try await rate("DEPT", dept: 1, "80.00", from: nil)
        try await timesheet(1, project: 1, "2026-01-05", "1.00", dept: 1)
        try await timesheet(2, project: 1, "2026-01-05", "1.00", dept: 1)
        try await timesheet(4, project: 1, "2026-01-05", "1.00", dept: 1)
        let outcome = await h.run(job, at: "2026-02-01T02:00")
        XCTAssertSucceeded(outcome)
        let rows = try await labour()
        XCTAssertEqual(rows.map { $0.components(separatedBy: " ")[3] }, ["300.00", "120.00", "80.00"])
    }

    // DEPT tier: the timesheet's department_id, not the user's department (users.dept_id never existed).
    func testDeptTierUsesTheTimesheetDepartment() async throws {
        try await rate("DEPT", dept: 1, "80.00", from: nil)
        try await rate("DEPT", dept: 2, "70.00", from: nil)
        try await rate("DEFAULT", "60.00", from: nil)
        try await timesheet(4, project: 1, "2026-01-05", "1.00", dept: 1)   // user 4 belongs to dept 2
        try await timesheet(4, project: 1, "2026-01-06", "1.00", dept: nil) // no department → DEFAULT
        let outcome = await h.run(job, at: "2026-02-01T02:00")
        XCTAssertSucceeded(outcome)
        let value = try await amount(project: 1, user: 4)
        XCTAssertEqual(value, "140.00")
    }

    // A config applies on its effective_date and on its expiry_date, not after; the next tier takes over.
    func testEffectiveAndExpiryBoundaries() async throws {
        try await rate("USER", user: 1, "200.00", from: "2026-01-10", to: "2026-01-20")
        try await rate("DEFAULT", "100.00", from: nil)
        for day in ["09", "10", "20", "21"] {
            try await timesheet(1, project: 1, "2026-01-\(day)", "1.00")
        }
        let outcome = await h.run(job, at: "2026-02-01T02:00")
        XCTAssertSucceeded(outcome)
        let value = try await amount(project: 1, user: 1)
        XCTAssertEqual(value, "600.00")   // 100 + 200 + 200 + 100
    }

    // Exact sum, rounded half-up once per row: 3 × 0.33 h × 10.01 = 9.9099 → 9.91 (per-entry rounding gives 9.90);
    // 0.25 h × 10.10 = 2.525 → 2.53.
    func testAmountsAreExactAndRoundedHalfUpOncePerRow() async throws {
        try await rate("USER", user: 1, "10.01", from: nil)
        try await rate("USER", user: 2, "10.10", from: nil)
        for day in ["05", "06", "07"] {
            try await timesheet(1, project: 1, "2026-01-\(day)", "0.33")
        }
        try await timesheet(2, project: 1, "2026-01-05", "0.25")
        let outcome = await h.run(job, at: "2026-02-01T02:00")
        XCTAssertSucceeded(outcome)
        let rows = try await labour()
        XCTAssertEqual(rows, [
            "1 1 2026-01-31 9.91 LABOR-1-202601 | 人工成本：张三，工时：0.99小时",
            "1 2 2026-01-31 2.53 LABOR-2-202601 | 人工成本：李四，工时：0.25小时",
        ])
        let cost = try await actualCost(1)
        XCTAssertEqual(cost, "12.44")
    }

    // Inactive or archived projects are skipped (general rule): no rows, their ledger and actual_cost untouched,
    // their timesheet rows counted as skipped. An inactive user's approved hours are still a cost.
    func testInactiveProjectsSkippedInactiveUsersCosted() async throws {
        try await rate("DEFAULT", "100.00", from: nil)
        try await timesheet(1, project: 8, "2026-01-05", "1.00")
        try await timesheet(1, project: 9, "2026-01-05", "1.00")
        try await timesheet(5, project: 1, "2026-01-05", "2.00")
        try await h.exec("""
            INSERT INTO project_costs (project_id, cost_type, cost_category, source_module, source_type, source_id,
                                       source_no, amount, cost_date)
            VALUES (9, 'LABOR', 'LABOR', 'TIMESHEET', 'LABOR_COST', 2, 'LABOR-2-202601', 88.00, '2026-01-31');
            """)
        let outcome = await h.run(job, at: "2026-02-01T02:00")
        XCTAssertSucceeded(outcome)
        let rows = try await labour()
        XCTAssertEqual(rows, [
            "1 5 2026-01-31 200.00 LABOR-5-202601 | 人工成本：离职，工时：2.00小时",
            "9 2 2026-01-31 88.00 LABOR-2-202601",
        ])
        let p8 = try await actualCost(8)
        let p9 = try await actualCost(9)
        XCTAssertEqual(p8, "77.00")
        XCTAssertEqual(p9, "88.00")
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 3)
        XCTAssertEqual(result?.skipped, 2)
        XCTAssertEqual(result?.created, 1)
    }

    // C7: a redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await rate("DEFAULT", "100.00", from: nil)
        try await timesheet(1, project: 1, "2026-01-05", "1.00")
        let runID = UUID()
        let first = await h.run(job, at: "2026-02-01T02:00", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-02-01T02:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let rows = try await h.count("SELECT 1 FROM project_costs")
        XCTAssertEqual(rows, 1)
    }
}
