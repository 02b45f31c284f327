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
            publishes run events from its outbox. Jobs: check_production_plan_alerts, check_work_report_timeout \
            (working hours of the shift calendar), generate_production_daily_reports, \
            check_equipment_maintenance_reminder, check_outsourcing_delivery_alerts.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await ServiceLauncher.runDomainService(domain: .production, jobs: ProductionJobs.all(), options: options)
    }
}
