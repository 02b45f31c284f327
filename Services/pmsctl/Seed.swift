import ArgumentParser
import Foundation
import PMSBus
import PMSCore
import PMSMigrations
import PMSPostgres

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the deterministic demo data set into an empty, migrated database.",
        discussion: """
            10·N projects with about 100 BOM lines each and proportional rows in every business table. \
            Dates are relative to --anchor (default: today in --time-zone), so the demo raises alerts today. \
            Scale 1 is a small demo; scale 1000 is for benchmarks.
            """)

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: "Scale N (1 to 1000): 10·N projects.")
    var scale: Int = 1

    @Option(name: .long, help: "The demo's today, YYYY-MM-DD (default: today in the configured zone).")
    var anchor: String?

    func validate() throws {
        // Seeded ids stay below 1 000 000 (generated ids start there), which caps the scale.
        guard (1...1000).contains(scale) else { throw ValidationError("--scale must be between 1 and 1000 (got \(scale))") }
        if let anchor, CivilDate(anchor) == nil { throw ValidationError("--anchor must be a date YYYY-MM-DD (got '\(anchor)')") }
    }

    func run() async throws {
        let logger = CLILogging.logger(options)
        let zone = TimeZone(identifier: options.timeZoneName)!
        let day = anchor ?? CivilDate(Date(), in: zone).description
        let connection = PostgresConnection(url: options.databaseURL, logger: logger)
        defer { connection.close() }
        try await connection.connect()
        let started = Date()
        try await DemoSeed(scale: scale, anchor: day, timeZone: options.timeZoneName).run(on: connection)
        print("seeded scale \(scale) anchored at \(day) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
