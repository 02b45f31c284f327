import Foundation
import PMSBus
import PMSMQTT

/// The retained `pms/v1/service/<name>/<instance>` status: online while running, offline by last will
/// or on a clean stop.
public struct ServicePresence: Sendable {
    public let service: String
    public let instance: String
    public let version: String
    public let startedAt: Date
    public let topics: Topics

    public init(service: String, instance: String, version: String, startedAt: Date, topics: Topics) {
        self.service = service; self.instance = instance; self.version = version; self.startedAt = startedAt
        self.topics = topics
    }

    public var topic: String { topics.service(name: service, instance: instance) }

    public func message(_ status: ServiceStatusMessage.Status) -> MQTTMessage {
        let body = ServiceStatusMessage(status: status, service: service, instance: instance, version: version,
                                        startedAt: startedAt)
        let bytes = (try? BusCoding.encode(body)) ?? Array("{\"status\":\"\(status.rawValue)\"}".utf8)
        return MQTTMessage(topic: topic, payload: bytes, qos: 1, retain: true)
    }
}
