import ArgumentParser
import Foundation
import PMSBus
import PMSCore
import PMSMQTT

struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print alerts as they arrive (and, with --runs, run events). Ctrl-C stops.")

    @OptionGroup var options: CommonOptions

    @Flag(name: .long, help: "Also print run events (<prefix>/run/+/+).")
    var runs = false

    @Option(name: .long, help: "Only alerts of this level or above: INFO, WARNING, CRITICAL or URGENT.")
    var level: String?

    func validate() throws {
        if let level, AlertLevel(rawValue: level.uppercased()) == nil {
            throw ValidationError("--level must be INFO, WARNING, CRITICAL or URGENT")
        }
    }

    func run() async throws {
        let logger = CLILogging.logger(options)
        let topics = Topics(prefix: options.topicPrefix)
        let zone = TimeZone(identifier: options.timeZoneName)!
        let minimum = level.flatMap { AlertLevel(rawValue: $0.uppercased()) } ?? .info
        let client = MQTTClient(
            configuration: MQTTConfiguration(url: options.mqttURL, clientID: "pmsctl-tail-\(UUID().uuidString.prefix(8))", cleanSession: true),
            logger: logger)
        let stream = client.messages
        try await client.connect(timeout: 5)
        try await client.subscribe(topics.allAlerts, qos: 1)
        if runs { try await client.subscribe(topics.allRunEvents, qos: 1) }
        emit("watching \(topics.allAlerts)\(runs ? " and \(topics.allRunEvents)" : "") on \(options.mqttURL)")
        for await message in stream {
            switch topics.parse(message.topic) {
            case .alert(let alertLevel, let domain, let rule)?:
                guard alertLevel >= minimum else { continue }
                if let alert = try? BusCoding.decode(AlertMessage.self, from: message.payload) {
                    emit("\(RFC3339.format(alert.triggeredAt, in: zone))  \(alert.level.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(alert.alertNo)  \(domain.rawValue)/\(rule)  \(alert.event.rawValue)  \(alert.title) — \(alert.content)")
                } else {
                    emit("\(message.topic)  \(message.payloadString)")
                }
            case .run(let job, let event)?:
                let summary = (try? BusCoding.decode(RunEvent.self, from: message.payload)).map { run in
                    [run.durationMS.map { "\($0) ms" }, run.result.map { "created \($0.created), resolved \($0.resolved)" + ($0.note.map { ", \($0)" } ?? "") }, run.error]
                        .compactMap { $0 }.joined(separator: "; ")
                } ?? message.payloadString
                emit("run  \(job)  \(event.rawValue)  \(summary)")
            default:
                emit("\(message.topic)  \(message.payloadString)")
            }
        }
    }

    /// Unbuffered, so piping `pmsctl tail` shows alerts as they come.
    private func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
