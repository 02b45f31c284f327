import Foundation
import PMSBus
import PMSMQTT
import Synchronization

/// Every service instance as its retained `pms/v1/service/<name>/<instance>` status says: online or
/// offline (by clean stop or last will), with version and start time. Subscribe it to
/// `topics.allServices`; a late subscriber still gets every instance because the statuses are retained.
public final class ServiceDirectory: MessageConsumer {
    public struct Instance: Sendable, Equatable, Codable {
        public let service: String
        public let instance: String
        public let online: Bool
        public let version: String?
        public let startedAt: Date?
        /// When this directory last heard of the instance.
        public let seenAt: Date
    }

    private let topics: Topics
    private let state = Mutex<[String: Instance]>([:])

    public init(topics: Topics) { self.topics = topics }

    public var subscriptions: [String] { [topics.allServices] }

    public func accepts(_ topic: ParsedTopic) -> Bool {
        if case .service = topic { return true }
        return false
    }

    public func handle(_ message: MQTTMessage, topic: ParsedTopic) async {
        guard case .service(let name, let instance) = topic else { return }
        let key = name + "/" + instance
        // An empty retained message clears the instance (an operator removing a stale entry).
        guard !message.payload.isEmpty else {
            state.withLock { _ = $0.removeValue(forKey: key) }
            return
        }
        let status = try? BusCoding.decode(ServiceStatusMessage.self, from: message.payload)
        let entry = Instance(service: name, instance: instance, online: status?.status == .online,
                             version: status?.version, startedAt: status?.startedAt, seenAt: Date())
        state.withLock { $0[key] = entry }
    }

    /// All known instances, sorted by service then instance.
    public var instances: [Instance] {
        state.withLock { Array($0.values) }.sorted { ($0.service, $0.instance) < ($1.service, $1.instance) }
    }

    /// Whether at least one instance of `service` is online.
    public func isUp(_ service: String) -> Bool {
        instances.contains { $0.service == service && $0.online }
    }
}
