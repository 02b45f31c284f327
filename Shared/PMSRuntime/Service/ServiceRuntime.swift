import Foundation
import Logging
import PMSBus
import PMSCore
import PMSMQTT
import PMSPostgres

/// The connections every service holds: the database pool, the broker client (with its last will),
/// the error reporter and the retained presence.
public final class ServiceRuntime: Sendable {
    public let configuration: ServiceConfiguration
    public let pool: PostgresPool
    /// The outbox relay's own connection, so a busy pool never holds up publishing what was committed.
    public let relayPool: PostgresPool
    public let mqtt: MQTTClient
    public let presence: ServicePresence
    public let errors: ErrorReporter
    public let logger: Logger

    public init(configuration: ServiceConfiguration, poolSize: Int = 4, cleanSession: Bool = false) {
        var logger = Logger(label: "pms.\(configuration.service)")
        logger.logLevel = configuration.logLevel
        logger[metadataKey: "service"] = .string(configuration.service)
        self.logger = logger
        self.configuration = configuration
        let presence = ServicePresence(service: configuration.service, instance: configuration.instance,
                                       version: configuration.version, startedAt: Date(), topics: configuration.topics)
        self.presence = presence
        self.pool = PostgresPool(url: configuration.databaseURL, size: poolSize, logger: logger)
        self.relayPool = PostgresPool(url: configuration.databaseURL, size: 1, logger: logger)
        var mqttConfiguration = MQTTConfiguration(
            url: configuration.mqttURL, clientID: "pms-\(configuration.service)-\(configuration.instance)",
            cleanSession: cleanSession, will: presence.message(.offline), birth: presence.message(.online))
        mqttConfiguration.reconnectDelayMax = 5
        self.mqtt = MQTTClient(configuration: mqttConfiguration, logger: logger)
        self.errors = ErrorReporter(service: configuration.service, instance: configuration.instance,
                                    topics: configuration.topics, mqtt: mqtt, timeZone: configuration.timeZone, logger: logger)
    }

    /// Connects to the broker (it keeps retrying in the background if the first try fails). The client says
    /// online on every connect and reconnect (its birth message), so a will published over a broken
    /// connection, or a broker that was down at start, never leaves a running service marked offline.
    public func start() async {
        do {
            try await mqtt.connect(timeout: 10)
        } catch {
            logger.warning("broker not reachable yet; retrying in the background",
                           metadata: ["event": "mqtt_unavailable", "error": "\(error)"])
        }
    }

    /// Says offline (a clean disconnect sends no will), then closes everything.
    public func stop() async {
        try? await mqtt.publish(presence.message(.offline))
        await mqtt.disconnect()
        await pool.close()
        await relayPool.close()
    }
}
