import ArgumentParser
import PMSCore
import PMSRuntime
import ShortageService

@main
struct ShortageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pms-shortage",
        abstract: "Shortage domain service: runs its jobs when the scheduler ticks them.",
        discussion: """
            Subscribes to $share/shortage/<prefix>/tick/shortage/+ (replicas split the ticks), runs each tick once \
            (run ids are recorded), writes alerts and run events in one transaction and publishes them from the \
            outbox. Jobs: generate_shortage_alerts, daily_kit_check, check_delivery_delay, \
            generate_shortage_daily_report, daily_spec_match_check.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await ServiceLauncher.runDomainService(domain: .shortage, jobs: ShortageJobs.all(), options: options)
    }
}
