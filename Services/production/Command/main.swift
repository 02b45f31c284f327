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
            publishes run events from its outbox. Implemented: check_production_plan_alerts, \
            check_outsourcing_delivery_alerts, generate_production_daily_reports; check_work_report_timeout and \
            check_equipment_maintenance_reminder fail with "not implemented yet" until issue #5 lands.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await ServiceLauncher.runDomainService(domain: .production, jobs: ProductionJobs.all(), options: options)
    }
}
