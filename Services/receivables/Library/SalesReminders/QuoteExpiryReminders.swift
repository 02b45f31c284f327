import PMSRuntime

/// Placeholder until the step lands (issue #7).
public struct QuoteExpiryReminders: SalesReminderStep {
    public let name = "quote_expiry"

    public init() {}

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        throw JobFailure("not implemented yet: step quote_expiry of sales_reminder_scan lands with issue #7")
    }
}
