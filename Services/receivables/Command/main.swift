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
            publishes run events from its outbox. Its jobs are registered and fail with "not implemented yet" \
            until issue #7 (receivables and cost domains) lands.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await ServiceLauncher.runDomainService(domain: .receivables, jobs: ReceivablesJobs.all(), options: options)
    }
}
