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
            publishes run events from its outbox. Jobs: check_milestone_alerts, check_milestone_risk_alerts, \
            check_task_delay_alerts, check_task_deadline_reminder, calculate_progress_summary, calculate_project_health, \
            daily_health_snapshot, generate_job_duty_tasks, check_workload_overload_alerts, check_ecn_overdue.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await ServiceLauncher.runDomainService(domain: .progress, jobs: ProgressJobs.all(), options: options)
    }
}
