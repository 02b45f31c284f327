/// Builds and parses the topics of the bus contract under a configurable prefix (default `pms/v1`).
public struct Topics: Sendable, Equatable {
    public let prefix: String

    public init(prefix: String = "pms/v1") {
        var trimmed = prefix
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.prefix = trimmed
    }

    public func tick(domain: Domain, jobID: String) -> String { "\(prefix)/tick/\(domain.rawValue)/\(jobID)" }
    /// The shared subscription through which the replicas of one domain split its ticks.
    public func tickSubscription(domain: Domain) -> String {
        "$share/\(domain.rawValue)/\(prefix)/tick/\(domain.rawValue)/+"
    }
    public func trigger(jobID: String) -> String { "\(prefix)/trigger/\(jobID)" }
    public var allTriggers: String { "\(prefix)/trigger/+" }
    public func run(jobID: String, event: RunEventKind) -> String { "\(prefix)/run/\(jobID)/\(event.rawValue)" }
    public var allRunEvents: String { "\(prefix)/run/+/+" }
    public func alert(level: AlertLevel, domain: Domain, ruleCode: String) -> String {
        "\(prefix)/alert/\(level.rawValue)/\(domain.rawValue)/\(ruleCode)"
    }
    public var allAlerts: String { "\(prefix)/alert/#" }
    public func inbox(userID: Int64) -> String { "\(prefix)/inbox/\(userID)" }
    public var allInboxes: String { "\(prefix)/inbox/+" }
    public func service(name: String, instance: String) -> String { "\(prefix)/service/\(name)/\(instance)" }
    public var allServices: String { "\(prefix)/service/+/+" }
    /// `{"user_id": ..., "note": ...}` acknowledges alert `alertID` (handled by pms-notifications).
    public func alertAck(alertID: Int64) -> String { "\(prefix)/alert-ack/\(alertID)" }
    public var allAlertAcks: String { "\(prefix)/alert-ack/+" }
    /// A silence request: rule code and/or target, and an end time (handled by pms-notifications).
    public var silence: String { "\(prefix)/silence" }
    public func errors(service: String) -> String { "\(prefix)/errors/\(service)" }
    public var allErrors: String { "\(prefix)/errors/+" }

    /// What a concrete topic names, or nil when it is not one of ours.
    public func parse(_ topic: String) -> ParsedTopic? {
        guard topic.hasPrefix(prefix + "/") else { return nil }
        let rest = topic.dropFirst(prefix.count + 1).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let head = rest.first, !rest.contains(where: \.isEmpty) else { return nil }
        switch (head, rest.count) {
        case ("tick", 3):
            guard let domain = Domain(rawValue: rest[1]) else { return nil }
            return .tick(domain: domain, jobID: rest[2])
        case ("trigger", 2):
            return .trigger(jobID: rest[1])
        case ("run", 3):
            guard let event = RunEventKind(rawValue: rest[2]) else { return nil }
            return .run(jobID: rest[1], event: event)
        case ("alert", 4):
            guard let level = AlertLevel(rawValue: rest[1]), let domain = Domain(rawValue: rest[2]) else { return nil }
            return .alert(level: level, domain: domain, ruleCode: rest[3])
        case ("inbox", 2):
            guard let user = Int64(rest[1]) else { return nil }
            return .inbox(userID: user)
        case ("service", 3):
            return .service(name: rest[1], instance: rest[2])
        case ("errors", 2):
            return .errors(service: rest[1])
        case ("alert-ack", 2):
            return .alertAck(alertID: rest[1])
        case ("silence", 1):
            return .silence
        default:
            return nil
        }
    }
}

public enum ParsedTopic: Sendable, Equatable {
    case tick(domain: Domain, jobID: String)
    case trigger(jobID: String)
    case run(jobID: String, event: RunEventKind)
    case alert(level: AlertLevel, domain: Domain, ruleCode: String)
    case inbox(userID: Int64)
    case service(name: String, instance: String)
    case errors(service: String)
    /// The id as sent; the consumer checks that it is a number and answers on the errors topic if not.
    case alertAck(alertID: String)
    case silence
}
