import ArgumentParser
import PMSCore
import PMSRuntime
import ProgressService

@main
struct ProgressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pms-progress",
        abstract: "Progress domain service: milestones, tasks, progress, health, duties, workload and ECN jobs.",
        discussion: """
            Subscribes to $share/progress/<prefix>/tick/progress/+ (replicas split the ticks), runs each tick once and \
            publishes run events from its outbox. Its jobs are registered and fail with "not implemented yet" \
            until issue #6 (progress domain) lands.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await ServiceLauncher.runDomainService(domain: .progress, jobs: ProgressJobs.all(), options: options)
    }
}
