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
            publishes run events from its outbox. Its jobs are registered and fail with "not implemented yet" \
            until issue #7 (receivables and cost domains) lands.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await ServiceLauncher.runDomainService(domain: .cost, jobs: CostJobs.all(), options: options)
    }
}
