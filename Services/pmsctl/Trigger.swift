import ArgumentParser
import Foundation
import Logging
import PMSBus
import PMSCatalog
import PMSCore
import PMSMQTT

struct Trigger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask the scheduler for a manual run of a job (publishes <prefix>/trigger/<job>).",
        discussion: "Equivalent to: mosquitto_pub -q 1 -t pms/v1/trigger/<job> -m '{\"requested_by\":\"...\",\"params\":{\"as_of\":\"...\"}}'")

    @OptionGroup var options: CommonOptions

    @Argument(help: "The job id (see `pmsctl jobs`).")
    var job: String

    @Option(name: .customLong("as-of"), help: "Run as of this moment: YYYY-MM-DD (09:00), YYYY-MM-DDTHH:MM[:SS] local, or RFC 3339.")
    var asOf: String?

    @Option(name: .customLong("requested-by"), help: "Who asks (kept in the run history). Default: $USER.")
    var requestedBy: String?

    func validate() throws {
        guard JobCatalog.job(id: job) != nil else {
            throw ValidationError("unknown job '\(job)'; `pmsctl jobs` lists the 37 job ids")
        }
        if let asOf {
            do { _ = try AsOf.parse(asOf, timeZone: TimeZone(identifier: options.timeZoneName) ?? .current) } catch {
                throw ValidationError("--as-of: \(error)")
            }
        }
    }

    func run() async throws {
        let logger = CLILogging.logger(options)
        let request = TriggerRequest(
            requestedBy: requestedBy ?? ProcessInfo.processInfo.environment["USER"] ?? "pmsctl",
            params: asOf.map { ["as_of": .string($0)] })
        let topics = Topics(prefix: options.topicPrefix)
        let client = MQTTClient(
            configuration: MQTTConfiguration(url: options.mqttURL, clientID: "pmsctl-\(UUID().uuidString.prefix(8))", cleanSession: true),
            logger: logger)
        try await client.connect(timeout: 5)
        try await client.publish(MQTTMessage(topic: topics.trigger(jobID: job), payload: try BusCoding.encode(request), qos: 1))
        await client.disconnect()
        print("trigger sent: \(topics.trigger(jobID: job))" + (asOf.map { " as of \($0)" } ?? ""))
    }
}
