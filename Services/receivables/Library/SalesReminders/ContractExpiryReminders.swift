import PMSRuntime

/// Placeholder until the step lands (issue #7).
public struct ContractExpiryReminders: SalesReminderStep {
    public let name = "contract_expiring"

    public init() {}

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        throw JobFailure("not implemented yet: step contract_expiring of sales_reminder_scan lands with issue #7")
    }
}
