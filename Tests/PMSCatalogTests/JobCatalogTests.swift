import Foundation
import PMSBus
import PMSCatalog
import Testing

@Suite struct JobCatalogTests {
    @Test func hasThirtySevenUniqueJobs() {
        #expect(JobCatalog.all.count == 37)
        #expect(Set(JobCatalog.all.map(\.id)).count == 37)
        #expect(JobCatalog.all.first?.id == "calculate_project_health")
        #expect(JobCatalog.all.last?.id == "sales_reminder_scan")
    }

    @Test func shortageAlertsRowIsLiteral() throws {
        let job = try #require(JobCatalog.job(id: "generate_shortage_alerts"))
        #expect(job.name == "缺料预警生成")
        #expect(job.domain == .shortage)
        #expect(job.cron == "0 7 * * *")
        #expect(job.owner == "Supply Chain")
        #expect(job.category == "Shortage")
        #expect(job.riskLevel == .critical)
        #expect(job.slaSeconds == 1200)
        #expect(job.retryOnFailure)
        #expect(job.dependencyTables == ["bom_items", "materials", "purchase_orders", "goods_receipts", "alert_records"])
        #expect(JobCatalog.all.firstIndex(of: job) == 11)
    }

    @Test func otherRowsAreLiteral() throws {
        let labour = try #require(JobCatalog.job(id: "calculate_monthly_labor_cost"))
        #expect(labour.name == "月度工时成本计算")
        #expect(labour.domain == .cost)
        #expect(labour.cron == "0 2 1 * *")
        #expect((labour.owner, labour.category) == ("Finance", "Cost"))
        #expect((labour.riskLevel, labour.slaSeconds, labour.retryOnFailure) == (.medium, 1800, false))
        #expect(labour.dependencyTables == ["timesheets", "projects", "project_costs"])

        let risk = try #require(JobCatalog.job(id: "check_milestone_risk_alerts"))
        #expect(risk.name == "里程碑风险预警")
        #expect((risk.domain, risk.cron, risk.owner, risk.category) == (.progress, "10 8 * * *", "PMO", "Milestone"))
        #expect((risk.riskLevel, risk.slaSeconds, risk.retryOnFailure) == (.high, 600, true))

        let health = try #require(JobCatalog.job(id: "calculate_project_health"))
        #expect(health.name == "计算项目健康度")
        #expect((health.domain, health.cron, health.owner) == (.progress, "0 * * * *", "Backend Platform"))
        #expect((health.riskLevel, health.slaSeconds, health.retryOnFailure) == (.high, 300, false))

        let escalation = try #require(JobCatalog.job(id: "check_alert_escalation"))
        #expect(escalation.name == "预警升级服务")
        #expect((escalation.domain, escalation.cron, escalation.category) == (.notifications, "10 * * * *", "Alerting"))
        #expect((escalation.riskLevel, escalation.slaSeconds, escalation.retryOnFailure) == (.medium, 180, true))

        let ecn = try #require(JobCatalog.job(id: "check_ecn_overdue"))
        #expect((ecn.name, ecn.domain, ecn.cron, ecn.owner) == ("ECN 超时检查", .progress, "0 9 * * *", "ECN Team"))
        #expect(ecn.category == "Change Management")

        #expect(JobCatalog.job(id: "no_such_job") == nil)
    }

    @Test func domainCounts() {
        let expected: [Domain: Int] = [
            .shortage: 5, .progress: 10, .receivables: 6, .issues: 5, .production: 5, .cost: 2, .notifications: 4,
        ]
        for domain in Domain.allCases {
            #expect(JobCatalog.jobs(in: domain).count == expected[domain], "\(domain)")
        }
        #expect(JobCatalog.jobs(in: .cost).map(\.id) == ["check_cost_overrun_alerts", "calculate_monthly_labor_cost"])
    }

    @Test func aggregatesMatchSpec() {
        let all = JobCatalog.all
        func count(_ risk: RiskLevel) -> Int { all.filter { $0.riskLevel == risk }.count }
        let riskCounts: [Int] = [count(.critical), count(.high), count(.medium), count(.low)]
        #expect(riskCounts == [1, 10, 18, 8])

        let retried = all.enumerated().filter { $0.element.retryOnFailure }.map { $0.offset + 1 }
        #expect(retried == [4, 5, 8, 9, 10, 12, 13, 17, 21, 27, 28, 34])

        let owners = Dictionary(grouping: all, by: \.owner).mapValues(\.count)
        #expect(owners == [
            "PMO": 10, "Issue Squad": 5, "Supply Chain": 5, "Finance": 4, "Manufacturing": 4,
            "Backend Platform": 3, "Sales": 3, "Quality Team": 1, "ECN Team": 1, "Presales": 1,
        ])
        #expect(Set(all.map(\.category)).count == 19)
        #expect(all.allSatisfy { !$0.description.isEmpty && !$0.dependencyTables.isEmpty })
    }

    @Test func everyCronParsesAndIsNormalised() throws {
        for job in JobCatalog.all {
            let schedule = try CronExpression(job.cron)
            #expect(schedule.description == job.cron, "\(job.id)")
            #expect(job.schedule == schedule)
        }
    }

    /// platform.md §1.6: 11 hourly, 25 daily, 1 monthly job; 289 runs a day, 290 on the 1st; 10 at 09:00.
    @Test func fireLoadPerDayMatchesSpec() {
        func runs(from start: String, through end: String) -> Int {
            JobCatalog.all.reduce(0) { $0 + $1.schedule.fireDates(from: at(start), through: at(end), in: shanghai).count }
        }
        #expect(runs(from: "2026-01-01T23:59:59+08:00", through: "2026-01-02T23:59:59+08:00") == 289)
        #expect(runs(from: "2026-01-31T23:59:59+08:00", through: "2026-02-01T23:59:59+08:00") == 290)
        #expect(runs(from: "2026-01-02T08:59:59+08:00", through: "2026-01-02T09:00:00+08:00") == 10)
        let hourly = JobCatalog.all.filter { $0.cron.hasSuffix(" * * * *") }
        #expect(hourly.count == 11)
    }

    @Test func codableRoundTrip() throws {
        let data = try JSONEncoder().encode(JobCatalog.all)
        #expect(try JSONDecoder().decode([JobDefinition].self, from: data) == JobCatalog.all)
        let json = try #require(String(data: JSONEncoder().encode(RiskLevel.critical), encoding: .utf8))
        #expect(json == "\"CRITICAL\"")
    }
}
