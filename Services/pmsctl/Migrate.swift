import ArgumentParser
import Logging
import PMSCore
import PMSMigrations
import PMSPostgres

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring the database to the current schema (safe to run again).",
        discussion: "Applies the versioned SQL files not yet recorded in schema_migrations, each in its own transaction.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let logger = CLILogging.logger(options)
        let connection = PostgresConnection(url: options.databaseURL, logger: logger)
        defer { connection.close() }
        try await connection.connect()
        let applied = try await Migrator(logger: logger).migrate(on: connection)
        print(applied.isEmpty ? "schema is current (nothing to apply)" : "applied \(applied.count) migration(s): \(applied.joined(separator: ", "))")
    }
}

enum CLILogging {
    /// The CLI logs JSON to standard error like the services, at warning unless asked otherwise.
    static func logger(_ options: CommonOptions) -> Logger {
        let asked = Logger.Level(rawValue: options.logLevelName.lowercased()) ?? .warning
        JSONLogHandler.bootstrap(service: "pmsctl", level: options.logLevelIsExplicit ? asked : .warning)
        return Logger(label: "pmsctl")
    }
}
