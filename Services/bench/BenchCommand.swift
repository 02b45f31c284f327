import ArgumentParser

@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pms-bench",
        abstract: "Benchmarks of the PMS services against a real broker and database (not part of make test).",
        discussion: "Run through `make bench`, which starts a throw-away mosquitto and PostgreSQL; or point --mqtt-url and --database-url at your own (the database must be migrated and hold no alerts).",
        subcommands: [NotificationsBench.self, JobsBench.self])
}
