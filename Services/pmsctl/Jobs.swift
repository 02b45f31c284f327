import ArgumentParser
import Foundation
import PMSBus
import PMSCatalog
import PMSCore

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the 37 jobs of the catalog with their schedule and next run.")

    @OptionGroup var options: CommonOptions

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let zone = TimeZone(identifier: options.timeZoneName)!
        let now = Date()
        if json {
            let encoder = BusCoding.encoder(timeZone: zone)
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(JobCatalog.all), as: UTF8.self))
            return
        }
        print(pad("job id", 44) + pad("domain", 14) + pad("cron", 14) + pad("next run (\(zone.identifier))", 28) + "name")
        for job in JobCatalog.all {
            let next = job.schedule.nextFireDate(after: now, in: zone).map { RFC3339.format($0, in: zone) } ?? "-"
            print(pad(job.id, 44) + pad(job.domain.rawValue, 14) + pad(job.cron, 14) + pad(next, 28) + job.name)
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
