import ArgumentParser
import AsyncHTTPClient
import NotificationsService
import PMSCore
import PMSRuntime

@main
struct NotificationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pms-notifications",
        abstract: "Notifications service: routes alert events to people on SYSTEM, EMAIL, WECHAT, DINGTALK and SMS, retries, escalates.",
        discussion: """
            Consumes $share/notifications/<prefix>/alert/# (each event is routed to its recipients and sent at once), \
            <prefix>/alert-ack/<alert_id> (acknowledge) and <prefix>/silence (silence notifications until a time). \
            Sends due retries and deferred (quiet hours, silence) notifications every --dispatch-interval seconds. \
            Jobs: send_alert_notifications, retry_failed_notifications, check_alert_escalation, \
            calculate_response_metrics. Failed sends retry after 5, 15, 30 and 60 minutes, then become DEAD with an \
            event on <prefix>/errors/notifications.
            """)

    @OptionGroup var options: CommonOptions
    @OptionGroup var channels: ChannelOptions

    func run() async throws {
        let configuration = options.configuration(service: "notifications")
        JSONLogHandler.bootstrap(service: configuration.service, level: configuration.logLevel)
        let settings = try channels.settings()
        let runtime = ServiceRuntime(configuration: configuration, poolSize: 10)
        // A refused connection fails the send at once instead of being retried until the webhook timeout.
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        runtime.logger.info("channels", metadata: ["channels": "\(settings.summary)"])
        let service = NotificationsAssembly.service(
            runtime: runtime, channels: settings.channels(client: http, timeZone: configuration.timeZone),
            smsLimits: try channels.smsLimits(), linkBase: channels.linkBase, sweepInterval: .seconds(try channels.interval()))
        try await ServiceLauncher.run(logger: runtime.logger, work: { try await service.run() }, stop: {
            await runtime.stop()
            try? await http.shutdown()
        })
    }
}
