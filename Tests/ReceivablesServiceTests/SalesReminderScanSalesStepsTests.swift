import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime
import PMSTestSupport
import ReceivablesService
import XCTest

/// services-receivables-cost.md, sales_reminder_scan, the sales steps gate_timeout, quote_expiry,
/// contract_expiring and approval_pending (corrected behaviour as DECISIONS settles it): scenario 3, the
/// approval parts of scenarios 4 and 5, quote and contract cases (boundaries, negatives), role approvers,
/// inactive users, re-run, redelivered tick, and a failing step that does not stop the others.
/// D = 2026-01-09, the scan runs at 09:00 Shanghai. The milestone and payment steps are tested elsewhere
/// (so scenario 4's "COMPLETED milestone → nothing" is not repeated here).
final class SalesReminderScanSalesStepsTests: XCTestCase {
    var h: JobHarness!
    let job = SalesReminderScan(steps: [GateTimeoutReminders(), QuoteExpiryReminders(), ContractExpiryReminders(),
                                        ApprovalPendingReminders()])
    let jobID = "sales_reminder_scan"

    override func setUp() async throws {
        h = try await JobHarness.make(domain: .receivables)
        try await h.exec("""
            INSERT INTO users (id, username, real_name, is_active) VALUES
              (2, 'sales2', '销售二', true), (3, 'pm3', '项目经理', true), (4, 'sales4', '销售四', true),
              (5, 'appr5', '审批人', true), (6, 'fin6', '财务经理', true), (7, 'fin7', '离职财务', false),
              (8, 'fin8', '财务经理二', true), (9, 'old9', '旧角色', true), (31, 'off31', '离职', false);
            INSERT INTO roles (id, role_code, role_name, is_active) VALUES
              (1, 'FIN_MGR', '财务经理', true), (2, 'OLD_APPROVER', '停用角色', false);
            INSERT INTO user_roles (user_id, role_id) VALUES (6, 1), (7, 1), (8, 1), (9, 2);
            INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (100, 'PJ-100', '项目一', 3);
            INSERT INTO projects (id, project_code, project_name, pm_id, is_archived) VALUES (101, 'PJ-101', '归档项目', 3, true);
            """)
    }

    override func tearDown() async throws { await h.close() }

    // MARK: fixtures

    func lead(_ id: Int, _ code: String, status: String = "QUALIFYING", owner: Int? = 4, updated: String) async throws {
        try await h.db.execute(
            "INSERT INTO leads (id, lead_code, owner_id, status, updated_at) VALUES ($1, $2, $3, $4, $5::timestamptz)",
            [id, code, owner, status, updated])
    }

    func opportunity(_ id: Int, _ code: String, stage: String? = "PROPOSAL", gate: String = "PENDING",
                     owner: Int? = 4, updated: String) async throws {
        try await h.db.execute(
            """
            INSERT INTO opportunities (id, opp_code, opp_name, stage, gate_status, owner_id, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)
            """, [id, code, "商机" + code, stage, gate, owner, updated])
    }

    func quote(_ id: Int, _ code: String, status: String = "SENT", validUntil: String?, owner: Int? = 2) async throws {
        try await h.db.execute(
            "INSERT INTO quotes (id, quote_code, status, valid_until, owner_id) VALUES ($1, $2, $3, $4::date, $5)",
            [id, code, status, validUntil, owner])
    }

    func contract(_ id: Int, _ code: String, status: String = "SIGNED", deadline: String?, owner: Int? = 2,
                  project: Int? = 100) async throws {
        try await h.db.execute(
            """
            INSERT INTO contracts (id, contract_code, status, delivery_deadline, owner_id, project_id)
            VALUES ($1, $2, $3, $4::date, $5, $6)
            """, [id, code, status, deadline, owner, project])
    }

    func step(workflow: Int, order: Int = 1, name: String = "部门审批", approver: Int?, role: String? = nil) async throws {
        try await h.db.execute(
            """
            INSERT INTO approval_workflow_steps (workflow_id, step_order, step_name, approver_id, approver_role)
            VALUES ($1, $2, $3, $4, $5)
            """, [workflow, order, name, approver, role])
    }

    func approval(_ id: Int, entity: String = "QUOTE", entityID: Int, workflow: Int, currentStep: Int = 1,
                  status: String = "PENDING", created: String) async throws {
        try await h.db.execute(
            """
            INSERT INTO approval_records (id, entity_type, entity_id, workflow_id, current_step, status, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)
            """, [id, entity, entityID, workflow, currentStep, status, created])
    }

    /// Every notification as "user|type|source_type|source_id|priority|title|content|link|dedupe_key|created", by id.
    func notifications(_ type: String? = nil) async throws -> [String] {
        try await h.rows("""
            SELECT user_id || '|' || notification_type || '|' || source_type || '|' || source_id || '|' || priority
                   || '|' || title || '|' || coalesce(content, '∅') || '|' || coalesce(link_url, '∅') || '|' || dedupe_key
                   || '|' || to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') || '|' || is_read AS line
              FROM notifications WHERE $1::text IS NULL OR notification_type = $1 ORDER BY id
            """, [type]).map { $0["line"] ?? "" }
    }

    func extra(_ dedupe: String) async throws -> String {
        try await h.rows("SELECT extra_data::text AS e FROM notifications WHERE dedupe_key = $1", [dedupe]).first?["e"] ?? "∅"
    }

    func details(_ result: RunResult?, _ step: String) -> [String: Int] {
        guard case .object(let fields)? = result?.details?[step] else { return [:] }
        return fields.compactMapValues { if case .number(let n) = $0 { return Int(n) } else { return nil } }
    }

    // MARK: scenario 3, gate timeout

    // Scenario 3: L1 (QUALIFYING, updated D−5 14:00, owner U4) → one GATE_TIMEOUT, HIGH, days_pending 5;
    // L2 updated D−2 → nothing.
    func testScenario3GateTimeoutLead() async throws {
        try await lead(11, "L-001", updated: "2026-01-04 14:00+08")
        try await lead(12, "L-002", updated: "2026-01-07 14:00+08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await notifications()
        XCTAssertEqual(rows, [
            "4|GATE_TIMEOUT|lead|11|HIGH|阶段门超时提醒：G1（线索转商机）|线索 L-001 的 G1 阶段门已提交 5 天未处理，请及时处理。"
                + "|/sales/leads/11|GATE_TIMEOUT|lead|11|4|2026-01-09|2026-01-09 09:00|false",
        ])
        let extraOK = try await h.extraDataMatches(#"{"gate_type": "G1", "lead_code": "L-001", "days_pending": 5}"#,
                                             dedupe: "GATE_TIMEOUT|lead|11|4|2026-01-09")
        let e = try await extra("GATE_TIMEOUT|lead|11|4|2026-01-09")
        XCTAssertTrue(extraOK, "extra_data was \(e)")
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["receivables pms/v1/inbox/4"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 1)
        XCTAssertEqual(result?.created, 1)
        XCTAssertEqual(result?.notified, 1)
        XCTAssertEqual(result?.unrouted, 0)
        XCTAssertEqual(details(result, "gate_timeout"), ["checked": 1, "created": 1, "skipped": 0, "unrouted": 0])
    }

    // Boundary: updated_at ≤ (D − 3) 00:00 Shanghai. Exactly 2026-01-06 00:00 +08 is in (3 days); one second later is
    // not; a late-evening update counts by its Shanghai day (2026-01-05 23:30 +08 = 15:30 UTC → 4 days). Other
    // statuses are out of scope.
    func testGateTimeoutBoundaryZoneAndStatuses() async throws {
        try await lead(21, "L-021", updated: "2026-01-06 00:00:00+08")
        try await lead(22, "L-022", updated: "2026-01-06 00:00:01+08")
        try await lead(23, "L-023", updated: "2026-01-05 15:30:00+00")
        try await lead(24, "L-024", status: "NEW", updated: "2025-12-01 10:00+08")
        try await lead(25, "L-025", status: "CONVERTED", updated: "2025-12-01 10:00+08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let contents = try await h.rows("SELECT source_id, content FROM notifications ORDER BY id")
            .map { "\($0["source_id"]!) \($0["content"]!)" }
        XCTAssertEqual(contents, [
            "21 线索 L-021 的 G1 阶段门已提交 3 天未处理，请及时处理。",
            "23 线索 L-023 的 G1 阶段门已提交 4 天未处理，请及时处理。",
        ])
    }

    // Corrected G2–G4 (the original raised AttributeError): gate PENDING, stage not WON/LOST, generic label 阶段门.
    // A NULL stage is an open opportunity (our reading). Leads come first, then opportunities.
    func testGateTimeoutOpportunities() async throws {
        try await lead(11, "L-001", updated: "2026-01-04 14:00+08")
        try await opportunity(41, "OPP-041", updated: "2026-01-05 10:00+08")
        try await opportunity(42, "OPP-042", stage: "WON", updated: "2026-01-01 10:00+08")
        try await opportunity(43, "OPP-043", stage: "LOST", updated: "2026-01-01 10:00+08")
        try await opportunity(44, "OPP-044", gate: "PASS", updated: "2026-01-01 10:00+08")
        try await opportunity(45, "OPP-045", gate: "REJECT", updated: "2026-01-01 10:00+08")
        try await opportunity(46, "OPP-046", stage: nil, owner: 2, updated: "2026-01-02 10:00+08")
        try await opportunity(47, "OPP-047", stage: "ON_HOLD", updated: "2026-01-06 00:00+08")
        try await opportunity(48, "OPP-048", updated: "2026-01-08 10:00+08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await notifications()
        XCTAssertEqual(rows, [
            "4|GATE_TIMEOUT|lead|11|HIGH|阶段门超时提醒：G1（线索转商机）|线索 L-001 的 G1 阶段门已提交 5 天未处理，请及时处理。"
                + "|/sales/leads/11|GATE_TIMEOUT|lead|11|4|2026-01-09|2026-01-09 09:00|false",
            "4|GATE_TIMEOUT|opportunity|41|HIGH|阶段门超时提醒：阶段门|商机 OPP-041 的 阶段门 已提交 4 天未处理，请及时处理。"
                + "|/sales/opportunities/41|GATE_TIMEOUT|opportunity|41|4|2026-01-09|2026-01-09 09:00|false",
            "2|GATE_TIMEOUT|opportunity|46|HIGH|阶段门超时提醒：阶段门|商机 OPP-046 的 阶段门 已提交 7 天未处理，请及时处理。"
                + "|/sales/opportunities/46|GATE_TIMEOUT|opportunity|46|2|2026-01-09|2026-01-09 09:00|false",
            "4|GATE_TIMEOUT|opportunity|47|HIGH|阶段门超时提醒：阶段门|商机 OPP-047 的 阶段门 已提交 3 天未处理，请及时处理。"
                + "|/sales/opportunities/47|GATE_TIMEOUT|opportunity|47|4|2026-01-09|2026-01-09 09:00|false",
        ])
        let extraOK = try await h.extraDataMatches(
            #"{"opp_code": "OPP-041", "opp_name": "商机OPP-041", "stage": "PROPOSAL", "days_pending": 4}"#,
            dedupe: "GATE_TIMEOUT|opportunity|41|4|2026-01-09")
        let e = try await extra("GATE_TIMEOUT|opportunity|41|4|2026-01-09")
        XCTAssertTrue(extraOK, "extra_data was \(e)")
    }

    // Texts with thresholds / configuration: T = 5 days.
    func testGateTimeoutConfiguredThreshold() async throws {
        try await lead(11, "L-001", updated: "2026-01-04 14:00+08")
        try await lead(12, "L-002", updated: "2026-01-04 00:00+08")
        var gate = GateTimeoutReminders()
        gate.timeoutDays = 5
        let outcome = await h.run(SalesReminderScan(steps: [gate]), at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let ids = try await h.rows("SELECT source_id FROM notifications ORDER BY id").map { $0["source_id"]! }
        XCTAssertEqual(ids, ["12"])
    }

    // Inactive or missing owner: nobody is a silent fallback; the item is counted as unrouted.
    func testGateTimeoutInactiveOrMissingOwnerIsUnrouted() async throws {
        try await lead(11, "L-001", owner: 31, updated: "2026-01-04 14:00+08")
        try await lead(12, "L-002", owner: nil, updated: "2026-01-04 14:00+08")
        try await opportunity(41, "OPP-041", owner: 31, updated: "2026-01-04 14:00+08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 0)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 3)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.unrouted, 3)
        XCTAssertEqual(details(result, "gate_timeout"), ["checked": 3, "created": 0, "skipped": 0, "unrouted": 3])
    }

    // MARK: quotes

    // valid_until − D: 1 → URGENT, 3 → HIGH, 7 → NORMAL (QUOTE_EXPIRING); < 0 → QUOTE_EXPIRED, HIGH, every day.
    // 0, 2, 8 days, NULL validity and statuses other than SENT / IN_REVIEW → nothing. Contents: our wording in the
    // spec's style (the spec gives titles only).
    func testQuoteExpiringAndExpired() async throws {
        try await quote(51, "Q-051", validUntil: "2026-01-10")
        try await quote(52, "Q-052", status: "IN_REVIEW", validUntil: "2026-01-12")
        try await quote(53, "Q-053", validUntil: "2026-01-16")
        try await quote(54, "Q-054", validUntil: "2026-01-07", owner: 4)
        try await quote(55, "Q-055", validUntil: "2026-01-11")
        try await quote(56, "Q-056", validUntil: "2026-01-09")
        try await quote(57, "Q-057", validUntil: "2026-01-17")
        try await quote(58, "Q-058", validUntil: nil)
        try await quote(59, "Q-059", status: "APPROVED", validUntil: "2026-01-10")
        try await quote(60, "Q-060", status: "EXPIRED", validUntil: "2026-01-01")
        try await quote(61, "Q-061", status: "DRAFT", validUntil: "2026-01-12")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await notifications()
        XCTAssertEqual(rows, [
            "4|QUOTE_EXPIRED|quote|54|HIGH|报价已过期：Q-054|报价 Q-054 已过期 2 天，请尽快处理。|/sales/quotes/54"
                + "|QUOTE_EXPIRED|quote|54|4|2026-01-09|2026-01-09 09:00|false",
            "2|QUOTE_EXPIRING|quote|51|URGENT|报价即将过期：Q-051（1天后）|报价 Q-051 将在 2026-01-10 过期，请及时处理。"
                + "|/sales/quotes/51|QUOTE_EXPIRING|quote|51|2|2026-01-09|2026-01-09 09:00|false",
            "2|QUOTE_EXPIRING|quote|52|HIGH|报价即将过期：Q-052（3天后）|报价 Q-052 将在 2026-01-12 过期，请及时处理。"
                + "|/sales/quotes/52|QUOTE_EXPIRING|quote|52|2|2026-01-09|2026-01-09 09:00|false",
            "2|QUOTE_EXPIRING|quote|53|NORMAL|报价即将过期：Q-053（7天后）|报价 Q-053 将在 2026-01-16 过期，请及时处理。"
                + "|/sales/quotes/53|QUOTE_EXPIRING|quote|53|2|2026-01-09|2026-01-09 09:00|false",
        ])
        let expiringOK = try await h.extraDataMatches(#"{"quote_code": "Q-051", "valid_until": "2026-01-10", "days_left": 1}"#,
                                                dedupe: "QUOTE_EXPIRING|quote|51|2|2026-01-09")
        XCTAssertTrue(expiringOK)
        let expiredOK = try await h.extraDataMatches(#"{"quote_code": "Q-054", "valid_until": "2026-01-07", "expired_days": 2}"#,
                                               dedupe: "QUOTE_EXPIRED|quote|54|4|2026-01-09")
        XCTAssertTrue(expiredOK)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(details(result, "quote_expiry"), ["checked": 4, "created": 4, "skipped": 0, "unrouted": 0])

        // expired quotes are reminded again the next day; expiring ones only on their reminder days
        let next = await h.run(job, at: "2026-01-10T09:00")
        XCTAssertSucceeded(next)
        let nextDay = try await h.rows(
            "SELECT dedupe_key FROM notifications WHERE dedupe_key LIKE '%2026-01-10' ORDER BY id").map { $0["dedupe_key"]! }
        XCTAssertEqual(nextDay, [
            "QUOTE_EXPIRED|quote|54|4|2026-01-10", "QUOTE_EXPIRED|quote|56|2|2026-01-10",
            "QUOTE_EXPIRING|quote|55|2|2026-01-10", "QUOTE_EXPIRING|quote|57|2|2026-01-10",
        ])
    }

    // Configured reminder days; an inactive owner is unrouted.
    func testQuoteConfiguredDaysAndInactiveOwner() async throws {
        try await quote(51, "Q-051", validUntil: "2026-01-19")
        try await quote(52, "Q-052", validUntil: "2026-01-16")
        try await quote(53, "Q-053", validUntil: "2026-01-08", owner: 31)
        var step = QuoteExpiryReminders()
        step.reminderDays = [10]
        let outcome = await h.run(SalesReminderScan(steps: [step]), at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let keys = try await h.rows("SELECT dedupe_key, title FROM notifications ORDER BY id")
            .map { "\($0["dedupe_key"]!) \($0["title"]!)" }
        XCTAssertEqual(keys, ["QUOTE_EXPIRING|quote|51|2|2026-01-09 报价即将过期：Q-051（10天后）"])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 2)
        XCTAssertEqual(result?.unrouted, 1)
    }

    // MARK: contracts

    // SIGNED/ACTIVE, delivery_deadline − D ∈ {30, 15, 7}: 7 → URGENT, 15 → HIGH, 30 → NORMAL; recipients the
    // contract owner and the PM of the linked project, the same person once; an inactive owner leaves the PM.
    func testContractExpiring() async throws {
        try await contract(71, "HT-071", deadline: "2026-01-16")
        try await contract(72, "HT-072", status: "ACTIVE", deadline: "2026-01-24", project: nil)
        try await contract(73, "HT-073", deadline: "2026-02-08", project: nil)
        try await contract(74, "HT-074", deadline: "2026-01-16", owner: 3)
        try await contract(75, "HT-075", deadline: "2026-01-16", owner: 31)
        try await contract(76, "HT-076", deadline: "2026-01-23")
        try await contract(77, "HT-077", status: "DRAFT", deadline: "2026-01-16")
        try await contract(78, "HT-078", status: "CLOSED", deadline: "2026-01-16")
        try await contract(79, "HT-079", status: "CANCELLED", deadline: "2026-01-16")
        try await contract(80, "HT-080", deadline: nil)
        try await contract(81, "HT-081", deadline: "2026-01-16", project: 101)
        try await contract(82, "HT-082", deadline: "2026-01-02")
        try await contract(83, "HT-083", deadline: "2026-01-16", owner: 31, project: nil)
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await notifications()
        let tail = "|2026-01-09 09:00|false"
        XCTAssertEqual(rows, [
            "2|CONTRACT_EXPIRING|contract|71|URGENT|合同即将到期：HT-071（7天后）|合同 HT-071 将在 2026-01-16 到期，请及时处理。"
                + "|/sales/contracts/71|CONTRACT_EXPIRING|contract|71|2|2026-01-09" + tail,
            "3|CONTRACT_EXPIRING|contract|71|URGENT|合同即将到期：HT-071（7天后）|合同 HT-071 将在 2026-01-16 到期，请及时处理。"
                + "|/sales/contracts/71|CONTRACT_EXPIRING|contract|71|3|2026-01-09" + tail,
            "3|CONTRACT_EXPIRING|contract|74|URGENT|合同即将到期：HT-074（7天后）|合同 HT-074 将在 2026-01-16 到期，请及时处理。"
                + "|/sales/contracts/74|CONTRACT_EXPIRING|contract|74|3|2026-01-09" + tail,
            "3|CONTRACT_EXPIRING|contract|75|URGENT|合同即将到期：HT-075（7天后）|合同 HT-075 将在 2026-01-16 到期，请及时处理。"
                + "|/sales/contracts/75|CONTRACT_EXPIRING|contract|75|3|2026-01-09" + tail,
            "2|CONTRACT_EXPIRING|contract|72|HIGH|合同即将到期：HT-072（15天后）|合同 HT-072 将在 2026-01-24 到期，请及时处理。"
                + "|/sales/contracts/72|CONTRACT_EXPIRING|contract|72|2|2026-01-09" + tail,
            "2|CONTRACT_EXPIRING|contract|73|NORMAL|合同即将到期：HT-073（30天后）|合同 HT-073 将在 2026-02-08 到期，请及时处理。"
                + "|/sales/contracts/73|CONTRACT_EXPIRING|contract|73|2|2026-01-09" + tail,
        ])
        let extraOK = try await h.extraDataMatches(
            #"{"contract_code": "HT-071", "project_id": 100, "delivery_deadline": "2026-01-16", "days_left": 7}"#,
            dedupe: "CONTRACT_EXPIRING|contract|71|2|2026-01-09")
        let e = try await extra("CONTRACT_EXPIRING|contract|71|2|2026-01-09")
        XCTAssertTrue(extraOK, "extra_data was \(e)")
        let result = try await h.lastResult(jobID)
        // 71, 72, 73, 74, 75 and 83 hold; 83 (inactive owner, no project) has nobody
        XCTAssertEqual(details(result, "contract_expiring"), ["checked": 6, "created": 6, "skipped": 0, "unrouted": 1])
        XCTAssertEqual(result?.notified, 2)
    }

    // MARK: approvals (scenario 4 and 5)

    // Scenario 4: pending since now − 50 h with step approver U5 → one APPROVAL_PENDING, HIGH; pending 10 h → nothing.
    func testScenario4ApprovalPending() async throws {
        try await step(workflow: 1, approver: 5)
        try await approval(91, entityID: 77, workflow: 1, created: "2026-01-07 07:00+08")
        try await approval(92, entityID: 78, workflow: 1, created: "2026-01-08 23:00+08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await notifications()
        XCTAssertEqual(rows, [
            "5|APPROVAL_PENDING|quote|77|HIGH|审批待处理：报价审批|报价审批已待处理 50 小时，请及时处理。"
                + "|/sales/quotes/77/approval-status|APPROVAL_PENDING|quote|77|5|2026-01-09|2026-01-09 09:00|false",
        ])
        let extraOK = try await h.extraDataMatches(
            #"{"entity_type": "QUOTE", "entity_id": 77, "approval_record_id": 91, "hours_pending": 50, "step_name": "部门审批"}"#,
            dedupe: "APPROVAL_PENDING|quote|77|5|2026-01-09")
        let e = try await extra("APPROVAL_PENDING|quote|77|5|2026-01-09")
        XCTAssertTrue(extraOK, "extra_data was \(e)")
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["receivables pms/v1/inbox/5"])
    }

    // Boundaries: exactly 24 h → NORMAL "24 小时"; 47 h 59 m → NORMAL 47 (whole hours); exactly 48 h → HIGH;
    // 23 h 59 m → nothing. The step is the one of current_step; non-PENDING records are out of scope. Entity labels.
    func testApprovalBoundariesStepsAndEntities() async throws {
        try await step(workflow: 1, order: 1, name: "销售经理审批", approver: 2)
        try await step(workflow: 1, order: 2, name: "财务审批", approver: 5)
        try await approval(91, entity: "CONTRACT", entityID: 71, workflow: 1, created: "2026-01-08 09:00+08")
        try await approval(92, entity: "INVOICE", entityID: 72, workflow: 1, currentStep: 2, created: "2026-01-07 09:01+08")
        try await approval(93, entity: "QUOTE", entityID: 73, workflow: 1, currentStep: 2, created: "2026-01-07 09:00+08")
        try await approval(94, entity: "QUOTE", entityID: 74, workflow: 1, created: "2026-01-08 09:01+08")
        try await approval(95, entity: "QUOTE", entityID: 75, workflow: 1, status: "APPROVED", created: "2026-01-01 09:00+08")
        try await approval(96, entity: "QUOTE", entityID: 76, workflow: 1, status: "CANCELLED", created: "2026-01-01 09:00+08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let rows = try await h.rows("SELECT user_id, priority, title, content, link_url FROM notifications ORDER BY id")
            .map { "\($0["user_id"]!)|\($0["priority"]!)|\($0["title"]!)|\($0["content"]!)|\($0["link_url"]!)" }
        XCTAssertEqual(rows, [
            "2|NORMAL|审批待处理：合同审批|合同审批已待处理 24 小时，请及时处理。|/sales/contracts/71/approval-status",
            "5|NORMAL|审批待处理：发票审批|发票审批已待处理 47 小时，请及时处理。|/sales/invoices/72/approval-status",
            "5|HIGH|审批待处理：报价审批|报价审批已待处理 48 小时，请及时处理。|/sales/quotes/73/approval-status",
        ])
        let step2 = try await h.rows("SELECT extra_data->>'step_name' AS s FROM notifications WHERE source_id = 72")
        XCTAssertEqual(step2.first?["s"], "财务审批")
    }

    // Corrected: a role approver (approver_id NULL) reaches every active holder of the active role; an inactive
    // approver falls back to the role holders (DECISIONS); an inactive role, or no active approver and no role,
    // routes to nobody (unrouted); a record whose current step does not exist is unrouted.
    func testApprovalRoleApproversAndInactiveUsers() async throws {
        try await step(workflow: 1, approver: nil, role: "FIN_MGR")
        try await step(workflow: 2, approver: 31, role: "FIN_MGR")
        try await step(workflow: 3, approver: nil, role: "OLD_APPROVER")
        try await step(workflow: 4, approver: 31)
        try await approval(91, entity: "INVOICE", entityID: 81, workflow: 1, created: "2026-01-07 09:00+08")
        try await approval(92, entity: "CONTRACT", entityID: 82, workflow: 2, created: "2026-01-08 08:00+08")
        try await approval(93, entity: "QUOTE", entityID: 83, workflow: 3, created: "2026-01-07 09:00+08")
        try await approval(94, entity: "QUOTE", entityID: 84, workflow: 4, created: "2026-01-07 09:00+08")
        try await approval(95, entity: "QUOTE", entityID: 85, workflow: 1, currentStep: 3, created: "2026-01-07 09:00+08")
        let outcome = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(outcome)
        let keys = try await h.rows("SELECT dedupe_key, priority FROM notifications ORDER BY id")
            .map { "\($0["dedupe_key"]!) \($0["priority"]!)" }
        XCTAssertEqual(keys, [
            "APPROVAL_PENDING|invoice|81|6|2026-01-09 HIGH", "APPROVAL_PENDING|invoice|81|8|2026-01-09 HIGH",
            "APPROVAL_PENDING|contract|82|6|2026-01-09 NORMAL", "APPROVAL_PENDING|contract|82|8|2026-01-09 NORMAL",
        ])
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(details(result, "approval_pending"), ["checked": 5, "created": 4, "skipped": 0, "unrouted": 3])
        XCTAssertEqual(result?.unrouted, 3)
        let messages = try await h.inboxMessages()
        XCTAssertEqual(messages, ["receivables pms/v1/inbox/6", "receivables pms/v1/inbox/8",
                                  "receivables pms/v1/inbox/6", "receivables pms/v1/inbox/8"])
    }

    // MARK: re-run, redelivery, failing step

    func allFixtures() async throws {
        try await lead(11, "L-001", updated: "2026-01-04 14:00+08")
        try await opportunity(41, "OPP-041", updated: "2026-01-05 10:00+08")
        try await quote(51, "Q-051", validUntil: "2026-01-10")
        try await quote(54, "Q-054", validUntil: "2026-01-07")
        try await contract(71, "HT-071", deadline: "2026-01-16")
        try await step(workflow: 1, approver: 5)
        try await approval(91, entityID: 77, workflow: 1, created: "2026-01-07 07:00+08")
    }

    // Scenario 5: a second run at 11:00 on D creates zero new notifications; every step still runs and counts.
    func testScenario5ReRunSameDayCreatesNothing() async throws {
        try await allFixtures()
        let first = await h.run(job, at: "2026-01-09T09:00")
        XCTAssertSucceeded(first)
        let afterFirst = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(afterFirst, 7)
        let second = await h.run(job, at: "2026-01-09T11:00")
        XCTAssertSucceeded(second)
        let afterSecond = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(afterSecond, 7)
        let inboxCount = try await h.count("SELECT 1 FROM outbox WHERE topic LIKE 'pms/v1/inbox/%'")
        XCTAssertEqual(inboxCount, 7)
        let result = try await h.lastResult(jobID)
        XCTAssertEqual(result?.checked, 6)
        XCTAssertEqual(result?.created, 0)
        XCTAssertEqual(result?.notified, 0)
        XCTAssertEqual(result?.skipped, 7)
        for step in ["gate_timeout", "quote_expiry", "contract_expiring", "approval_pending"] {
            XCTAssertEqual(details(result, step)["created"], 0, step)
        }
    }

    // A redelivered tick (same run id) runs once.
    func testRedeliveredTickRunsOnce() async throws {
        try await allFixtures()
        let runID = UUID()
        let first = await h.run(job, at: "2026-01-09T09:00", runID: runID)
        XCTAssertSucceeded(first)
        let second = await h.run(job, at: "2026-01-09T09:00", runID: runID)
        XCTAssertEqual(second, .duplicate)
        let succeeded = try await h.count("SELECT 1 FROM outbox WHERE topic = 'pms/v1/run/\(jobID)/succeeded'")
        XCTAssertEqual(succeeded, 1)
        let total = try await h.count("SELECT 1 FROM notifications")
        XCTAssertEqual(total, 7)
    }

    /// A test-only step that writes a notification and then fails: its savepoint is rolled back.
    struct BrokenStep: SalesReminderStep {
        let name = "broken"
        func run(in context: JobContext) async throws -> SalesReminderStepCounts {
            try await context.connection.execute("""
                INSERT INTO notifications (user_id, notification_type, title, dedupe_key)
                VALUES (2, 'QUOTE_EXPIRED', '不应保留', 'BROKEN|1')
                """)
            _ = try await context.connection.execute("SELECT no_such_column FROM quotes")
            return SalesReminderStepCounts(checked: 0, unrouted: 0, notifications: NotificationOutcome())
        }
    }

    // Scenario 5 / corrected gap: a failing step (here in the quote step's place) does not stop the others; their
    // rows commit, the failing step's writes roll back, the run is failed naming the step, with the counts.
    func testFailingStepDoesNotStopTheOthers() async throws {
        try await allFixtures()
        let scan = SalesReminderScan(steps: [GateTimeoutReminders(), BrokenStep(), ContractExpiryReminders(),
                                             ApprovalPendingReminders()])
        let outcome = await h.run(scan, at: "2026-01-09T09:00")
        guard case .failed(let reason) = outcome else { return XCTFail("expected a failed run, got \(outcome)") }
        XCTAssertTrue(reason.hasPrefix("sales reminder steps failed: broken: "), reason)
        let types = try await h.rows("SELECT notification_type FROM notifications ORDER BY id").map { $0["notification_type"]! }
        XCTAssertEqual(types, ["GATE_TIMEOUT", "GATE_TIMEOUT", "CONTRACT_EXPIRING", "CONTRACT_EXPIRING", "APPROVAL_PENDING"])
        let broken = try await h.count("SELECT 1 FROM notifications WHERE dedupe_key = 'BROKEN|1'")
        XCTAssertEqual(broken, 0)
        let event = try await h.lastFailure(jobID)
        XCTAssertEqual(event?.error, reason)
        XCTAssertEqual(event?.result?.checked, 4)
        XCTAssertEqual(event?.result?.created, 5)
        XCTAssertEqual(event?.result?.unrouted, 0)
        XCTAssertEqual(details(event?.result, "gate_timeout"), ["checked": 2, "created": 2, "skipped": 0, "unrouted": 0])
        XCTAssertEqual(details(event?.result, "approval_pending")["created"], 1)
        if case .object(let fields)? = event?.result?.details?["broken"], case .string(let error)? = fields["error"] {
            XCTAssertTrue(error.contains("no_such_column"), error)
        } else {
            XCTFail("no error detail for the broken step: \(String(describing: event?.result?.details))")
        }
        let succeeded = try await h.lastResult(jobID)
        XCTAssertNil(succeeded)
    }
}
