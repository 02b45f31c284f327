import PMSRuntime

/// Placeholder until the step lands (issue #7).
public struct PaymentUpcomingReminders: SalesReminderStep {
    public let name = "payment_upcoming"

    public init() {}

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        throw JobFailure("not implemented yet: step payment_upcoming of sales_reminder_scan lands with issue #7")
    }
}
