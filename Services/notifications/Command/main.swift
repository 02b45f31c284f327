import ArgumentParser
import NotificationsService
import PMSCore
import PMSRuntime

@main
struct NotificationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pms-notifications",
        abstract: "Notifications service: turns alert events into in-app notifications and runs its four jobs.",
        discussion: """
            Consumes $share/notifications/<prefix>/alert/# and writes, per recipient, an in-app notification \
            published on <prefix>/inbox/<user_id>. Its jobs (send_alert_notifications, retry_failed_notifications, \
            check_alert_escalation, calculate_response_metrics) fail with "not implemented yet" until issue #4 lands.
            """)

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let configuration = options.configuration(service: "notifications")
        JSONLogHandler.bootstrap(service: configuration.service, level: configuration.logLevel)
        let runtime = ServiceRuntime(configuration: configuration)
        let service = DomainService(runtime: runtime, domain: .notifications, jobs: NotificationsJobs.all(),
                                    consumers: [AlertEventConsumer(runtime: runtime)])
        try await ServiceLauncher.run(logger: runtime.logger, work: { try await service.run() },
                                      stop: { await runtime.stop() })
    }
}
