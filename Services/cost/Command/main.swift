import ArgumentParser
import PMSCore
import PMSRuntime
import CostService

@main
struct CostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pms-cost",
        abstract: "Cost domain service: cost overrun alerts and monthly labour cost.",
        discussion: """
            Subscribes to $share/cost/<prefix>/tick/cost/+ (replicas split the ticks), runs each tick once and \
            publishes run events from its outbox. Jobs: check_cost_overrun_alerts, calculate_monthly_labor_cost \
            (a manual trigger with params {"year": 2026, "month": 1} recomputes that month only).
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await ServiceLauncher.runDomainService(domain: .cost, jobs: CostJobs.all(), options: options)
    }
}
