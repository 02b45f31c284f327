import ArgumentParser
import PMSCore
import PMSRuntime
import ProductionService

@main
struct ProductionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pms-production",
        abstract: "Production domain service: plans, work reports, daily reports, maintenance, outsourcing.",
        discussion: """
            Subscribes to $share/production/<prefix>/tick/production/+ (replicas split the ticks), runs each tick once and \
            publishes run events from its outbox. Its jobs are registered and fail with "not implemented yet" \
            until issue #5 (shortage and production domains) lands.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await ServiceLauncher.runDomainService(domain: .production, jobs: ProductionJobs.all(), options: options)
    }
}
