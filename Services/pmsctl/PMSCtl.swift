import ArgumentParser

@main
struct PMSCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pmsctl",
        abstract: "Operator CLI of the PMS background services.",
        subcommands: [Migrate.self, Seed.self, Trigger.self, Jobs.self, Tail.self])
}
