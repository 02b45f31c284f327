import Foundation
import Logging
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSRuntime

/// The live path: each alert event from `<prefix>/alert/#` is routed into its delivery rows (committed
/// first), then those rows are sent at once on every channel. The same event twice writes and sends
/// nothing new. A level rise reported by the producing job (`escalated` with escalation count 0) notifies
/// nobody again; escalation steps of check_alert_escalation are routed as ESCALATED.
public struct AlertEventConsumer: MessageConsumer {
    public let runtime: ServiceRuntime
    public let router: AlertRouter
    public let dispatcher: NotificationDispatcher

    public init(runtime: ServiceRuntime, router: AlertRouter, dispatcher: NotificationDispatcher) {
        self.runtime = runtime; self.router = router; self.dispatcher = dispatcher
    }

    public var subscriptions: [String] {
        ["$share/notifications/" + runtime.configuration.topics.allAlerts]
    }

    public func accepts(_ topic: ParsedTopic) -> Bool {
        if case .alert = topic { return true }
        return false
    }

    public func handle(_ message: MQTTMessage, topic: ParsedTopic) async {
        let alert: AlertMessage
        do {
            alert = try BusCoding.decode(AlertMessage.self, from: message.payload)
        } catch {
            await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: "malformed alert event: \(error)")
            return
        }
        var logger = runtime.logger
        logger[metadataKey: "alert_no"] = .string(alert.alertNo)
        do {
            let now = Date()
            let outcome = try await runtime.pool.transaction { db in try await self.route(alert, now: now, on: db) }
            switch outcome {
            case .unknownAlert:
                await runtime.errors.reject(topic: message.topic, payload: message.payload,
                                            reason: "alert \(alert.alertID) does not exist")
                return
            case .levelRaisedByJob:
                logger.info("level raised by its job; recipients were notified when it was raised",
                            metadata: ["event": "level_raised", "level": "\(alert.level.rawValue)"])
                return
            case .routed(let routed):
                if !routed.unrouted.isEmpty {
                    logger.warning("alert has no recipient", metadata: ["event": "unrouted"])
                }
            }
            let report = try await dispatcher.dispatch(.alerts([alert.alertID]), now: Date())
            logger.info("alert dispatched", metadata: [
                "event": "dispatched", "alert_event": "\(alert.event.rawValue)", "sent": "\(report.totalSent)",
                "failed": "\(report.totalFailed)", "deferred": "\(report.deferred)"])
        } catch {
            logger.error("alert delivery failed; the next sweep or send_alert_notifications run picks it up",
                         metadata: ["event": "delivery_failed", "error": "\(error)"])
        }
    }

    enum Outcome: Sendable { case unknownAlert, levelRaisedByJob, routed(AlertRouter.Outcome) }

    func route(_ alert: AlertMessage, now: Date, on db: PostgresConnection) async throws -> Outcome {
        let rows = try await db.query("SELECT escalation_count FROM alert_records WHERE id = $1", [alert.alertID])
        guard let step = try rows.first?.decode(Int.self, "escalation_count") else { return .unknownAlert }
        if alert.event == .escalated && step == 0 { return .levelRaisedByJob }
        let event: DeliveryEvent = alert.event == .raised ? .raised : .escalated
        return .routed(try await router.route(alertIDs: [alert.alertID], event: event, now: now, on: db))
    }
}
