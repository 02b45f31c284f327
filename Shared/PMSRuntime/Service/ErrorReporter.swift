import Foundation
import Logging
import PMSBus
import PMSMQTT

/// Answers bad input: a log line and an event on `pms/v1/errors/<service>` (QoS 0), never a crash.
public struct ErrorReporter: Sendable {
    public let service: String
    public let instance: String
    public let topics: Topics
    public let mqtt: MQTTClient
    public let timeZone: TimeZone
    public let logger: Logger

    public init(service: String, instance: String, topics: Topics, mqtt: MQTTClient, timeZone: TimeZone, logger: Logger) {
        self.service = service; self.instance = instance; self.topics = topics; self.mqtt = mqtt
        self.timeZone = timeZone; self.logger = logger
    }

    public func reject(topic: String?, payload: [UInt8], reason: String) async {
        logger.warning("rejected message", metadata: ["event": "rejected", "topic": "\(topic ?? "")", "reason": "\(reason)"])
        let excerpt = String(decoding: payload.prefix(300), as: UTF8.self)
        let message = ErrorEventMessage(service: service, instance: instance, topic: topic, reason: reason,
                                        payloadExcerpt: excerpt.isEmpty ? nil : excerpt, at: Date())
        do {
            let bytes = try BusCoding.encode(message, timeZone: timeZone)
            try await mqtt.publish(MQTTMessage(topic: topics.errors(service: service), payload: bytes, qos: 0))
        } catch {
            logger.warning("error event not published", metadata: ["event": "error_event_lost", "error": "\(error)"])
        }
    }
}
