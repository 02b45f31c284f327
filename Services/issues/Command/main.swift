import ArgumentParser
import PMSCore
import PMSRuntime
import IssuesService

@main
struct IssuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pms-issues",
        abstract: "Issues domain service: overdue, blocking and timed-out issues, escalation, statistics.",
        discussion: """
            Subscribes to $share/issues/<prefix>/tick/issues/+ (replicas split the ticks), runs each tick once and \
            publishes run events from its outbox. Jobs: check_overdue_issues, check_blocking_issues, \
            check_timeout_issues, daily_issue_statistics_snapshot, check_issue_timeout_escalation.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await ServiceLauncher.runDomainService(domain: .issues, jobs: IssuesJobs.all(), options: options)
    }
}
