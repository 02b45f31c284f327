import ArgumentParser
import Foundation
import Logging
import PMSBus

/// The flags every executable takes (ARCHITECTURE.md, "Running the parts"); each falls back to its
/// environment variable, then to the default shown in --help.
public struct CommonOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("mqtt-url"), help: "MQTT broker URL, mqtt://[user[:password]@]host[:port]. Env PMS_MQTT_URL; default mqtt://127.0.0.1:1883.")
    var mqttURLFlag: String?

    @Option(name: .customLong("database-url"), help: "PostgreSQL libpq URL. Env PMS_DATABASE_URL; default postgresql://postgres@127.0.0.1:5432/pms.")
    var databaseURLFlag: String?

    @Option(name: .customLong("topic-prefix"), help: "Topic prefix of the bus. Env PMS_TOPIC_PREFIX; default pms/v1.")
    var topicPrefixFlag: String?

    @Option(name: .customLong("time-zone"), help: "IANA zone for cron, business days and as_of. Env PMS_TIME_ZONE; default Asia/Shanghai.")
    var timeZoneFlag: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical. Env PMS_LOG_LEVEL; default info.")
    var logLevelFlag: String?

    @Option(name: .customLong("instance"), help: "Instance name of this replica (client id, run events). Env PMS_INSTANCE; default <host>-<pid>.")
    var instanceFlag: String?

    public init() {}

    private static func env(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    public var mqttURL: String { mqttURLFlag ?? Self.env("PMS_MQTT_URL") ?? "mqtt://127.0.0.1:1883" }
    public var databaseURL: String { databaseURLFlag ?? Self.env("PMS_DATABASE_URL") ?? "postgresql://postgres@127.0.0.1:5432/pms" }
    public var topicPrefix: String { topicPrefixFlag ?? Self.env("PMS_TOPIC_PREFIX") ?? "pms/v1" }
    public var timeZoneName: String { timeZoneFlag ?? Self.env("PMS_TIME_ZONE") ?? "Asia/Shanghai" }
    public var logLevelName: String { logLevelFlag ?? Self.env("PMS_LOG_LEVEL") ?? "info" }
    /// Whether the level was asked for (flag or environment) rather than defaulted.
    public var logLevelIsExplicit: Bool { logLevelFlag != nil || Self.env("PMS_LOG_LEVEL") != nil }
    public var instance: String {
        instanceFlag ?? Self.env("PMS_INSTANCE")
            ?? "\(ProcessInfo.processInfo.hostName.split(separator: ".").first ?? "host")-\(ProcessInfo.processInfo.processIdentifier)"
    }

    public mutating func validate() throws {
        guard TimeZone(identifier: timeZoneName) != nil else {
            throw ValidationError("unknown time zone '\(timeZoneName)' (use an IANA name such as Asia/Shanghai)")
        }
        guard Logger.Level(rawValue: logLevelName.lowercased()) != nil else {
            throw ValidationError("unknown log level '\(logLevelName)' (trace, debug, info, notice, warning, error, critical)")
        }
        guard mqttURL.hasPrefix("mqtt://") else {
            throw ValidationError("--mqtt-url must start with mqtt:// (got '\(mqttURL)')")
        }
    }

    /// Everything a service needs, resolved once.
    public func configuration(service: String) -> ServiceConfiguration {
        ServiceConfiguration(
            service: service, instance: instance, mqttURL: mqttURL, databaseURL: databaseURL,
            topics: Topics(prefix: topicPrefix), timeZone: TimeZone(identifier: timeZoneName)!,
            logLevel: Logger.Level(rawValue: logLevelName.lowercased()) ?? .info)
    }
}

/// Resolved configuration, passed into every component (no globals).
public struct ServiceConfiguration: Sendable {
    public var service: String
    public var instance: String
    public var mqttURL: String
    public var databaseURL: String
    public var topics: Topics
    public var timeZone: TimeZone
    public var logLevel: Logger.Level
    public var version: String

    public init(service: String, instance: String, mqttURL: String, databaseURL: String, topics: Topics,
                timeZone: TimeZone, logLevel: Logger.Level = .info, version: String = PMSVersion.current) {
        self.service = service; self.instance = instance; self.mqttURL = mqttURL; self.databaseURL = databaseURL
        self.topics = topics; self.timeZone = timeZone; self.logLevel = logLevel; self.version = version
    }
}

public enum PMSVersion {
    public static let current = "0.1.0"
}
