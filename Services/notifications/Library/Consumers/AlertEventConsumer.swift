import Foundation
import Logging
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSRuntime

/// The live path: alert events from `<prefix>/alert/#` are routed into their delivery rows (committed
/// first), then those rows are sent at once on every channel. Events arriving together are handled as one
/// batch. The same event twice writes and sends nothing new. A level rise reported by the producing job
/// (`escalated` with escalation count 0) notifies nobody again; escalation steps of check_alert_escalation
/// are routed as ESCALATED.
public struct AlertEventConsumer: MessageConsumer {
    public let runtime: ServiceRuntime
    public let router: AlertRouter
    public let dispatcher: NotificationDispatcher
    private let batcher: AlertEventBatcher<AlertMessage, Outcome>

    public init(runtime: ServiceRuntime, router: AlertRouter, dispatcher: NotificationDispatcher,
                linger: Duration = .milliseconds(20), maxBatch: Int = 500) {
        self.runtime = runtime; self.router = router; self.dispatcher = dispatcher
        let handleBatch = Self.batchHandler(runtime: runtime, router: router, dispatcher: dispatcher)
        self.batcher = AlertEventBatcher(linger: linger, maxBatch: maxBatch, process: handleBatch)
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
        switch await batcher.submit(alert) {
        case .unknownAlert:
            await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: "alert \(alert.alertID) does not exist")
        case .levelRaisedByJob:
            logger.info("level raised by its job; recipients were notified when it was raised",
                        metadata: ["event": "level_raised", "level": "\(alert.level.rawValue)"])
        case .unrouted:
            logger.warning("alert has no recipient", metadata: ["event": "unrouted"])
        case .routed:
            logger.debug("alert routed and dispatched", metadata: ["event": "dispatched", "alert_event": "\(alert.event.rawValue)"])
        case .failed(let reason):
            logger.error("alert delivery failed; the next sweep or send_alert_notifications run picks it up",
                         metadata: ["event": "delivery_failed", "error": "\(reason)"])
        }
    }

    enum Outcome: Sendable { case unknownAlert, levelRaisedByJob, unrouted, routed, failed(String) }

    /// One batch: look the alerts up, route raised and escalated ones (one statement each), commit, then one
    /// dispatch pass over their rows.
    static func batchHandler(runtime: ServiceRuntime, router: AlertRouter,
                             dispatcher: NotificationDispatcher) -> @Sendable ([AlertMessage]) async -> [Outcome] {
        { alerts in
            do {
                let started = ContinuousClock.now
                let ids = alerts.map(\.alertID)
                let routed = try await runtime.pool.transaction { db -> [Int64: Outcome] in
                    let rows = try await db.query("SELECT id, escalation_count FROM alert_records WHERE id = ANY($1::bigint[])", [ids])
                    var steps: [Int64: Int] = [:]
                    for row in rows { steps[try row.decode(Int64.self, "id")] = try row.decode(Int.self, "escalation_count") }
                    var outcomes: [Int64: Outcome] = [:]
                    var raised: [Int64] = [], escalated: [Int64] = []
                    for alert in alerts {
                        guard let step = steps[alert.alertID] else { outcomes[alert.alertID] = .unknownAlert; continue }
                        if alert.event == .raised { raised.append(alert.alertID) }
                        else if step > 0 { escalated.append(alert.alertID) }
                        else { outcomes[alert.alertID] = outcomes[alert.alertID] ?? .levelRaisedByJob }
                    }
                    let now = Date()
                    var unrouted = Set(try await router.route(alertIDs: raised, event: .raised, now: now, on: db).unrouted)
                    unrouted.formUnion(try await router.route(alertIDs: escalated, event: .escalated, now: now, on: db).unrouted)
                    for id in raised + escalated { outcomes[id] = unrouted.contains(id) ? .unrouted : .routed }
                    return outcomes
                }
                let routedAt = ContinuousClock.now
                let toSend = Array(Set(routed.filter { if case .routed = $0.value { return true }; return false }.keys))
                if !toSend.isEmpty { _ = try await dispatcher.dispatch(.alerts(toSend.sorted()), now: Date()) }
                runtime.logger.debug("alert batch", metadata: [
                    "event": "alert_batch", "alerts": "\(alerts.count)", "route": "\(routedAt - started)",
                    "dispatch": "\(ContinuousClock.now - routedAt)"])
                return alerts.map { routed[$0.alertID] ?? .failed("not routed") }
            } catch {
                return alerts.map { _ in .failed("\(error)") }
            }
        }
    }
}
