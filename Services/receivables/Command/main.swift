import ArgumentParser
import PMSCore
import PMSRuntime
import ReceivablesService

@main
struct ReceivablesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pms-receivables",
        abstract: "Receivables domain service: overdue receivables, payment reminders and plans, sales reminders.",
        discussion: """
            Subscribes to $share/receivables/<prefix>/tick/receivables/+ (replicas split the ticks), runs each tick once and \
            publishes run events from its outbox. Jobs: check_overdue_receivable_alerts, check_payment_reminder, \
            check_milestone_status_and_adjust_payments, sales_reminder_scan, check_opportunity_stage_timeout, \
            check_presale_workorder_timeout.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await ServiceLauncher.runDomainService(domain: .receivables, jobs: ReceivablesJobs.all(), options: options)
    }
}
