import PMSBus
import PMSRuntime

/// Placeholder until the job lands (issue #7).
public struct SalesReminderScan: Job {
    public let id = "sales_reminder_scan"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        throw JobFailure("not implemented yet: sales_reminder_scan lands with issue #7 (receivables and cost domains)")
    }
}
