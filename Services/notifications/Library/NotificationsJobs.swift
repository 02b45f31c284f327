import Foundation
import PMSCatalog
import PMSRuntime

/// The four jobs of pms-notifications.
public enum NotificationsJobs {
    public static func all(router: AlertRouter, dispatcher: NotificationDispatcher) -> [any Job] {
        [
            SendAlertNotificationsJob(router: router, dispatcher: dispatcher),
            RetryFailedNotificationsJob(dispatcher: dispatcher),
            CheckAlertEscalationJob(router: router),
            CalculateResponseMetricsJob(),
        ]
    }
}

/// pms-notifications wired together: its jobs, the live alert path, acknowledge and silence over the bus,
/// and the sweep of due notifications. The executable and the end-to-end tests build it the same way.
public enum NotificationsAssembly {
    public static func service(runtime: ServiceRuntime, channels: [any DeliveryChannel], smsLimits: SMSLimits = SMSLimits(),
                               linkBase: String = "http://localhost:3000", sweepInterval: Duration = .seconds(60)) -> DomainService {
        let configuration = runtime.configuration
        let dispatcher = NotificationDispatcher(
            pool: runtime.pool, channels: channels, smsLimits: smsLimits, linkBase: linkBase, topics: configuration.topics,
            instance: configuration.instance, timeZone: configuration.timeZone, logger: runtime.logger)
        let router = AlertRouter(timeZone: configuration.timeZone)
        let sweeper = DueSweeper(dispatcher: dispatcher, interval: sweepInterval, logger: runtime.logger)
        return DomainService(
            runtime: runtime, domain: .notifications, jobs: NotificationsJobs.all(router: router, dispatcher: dispatcher),
            consumers: [
                AlertEventConsumer(runtime: runtime, router: router, dispatcher: dispatcher),
                AlertAckConsumer(runtime: runtime), SilenceConsumer(runtime: runtime),
            ],
            background: [{ await sweeper.run() }])
    }
}
