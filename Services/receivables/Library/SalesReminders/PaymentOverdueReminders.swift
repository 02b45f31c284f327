import PMSRuntime

/// Placeholder until the step lands (issue #7).
public struct PaymentOverdueReminders: SalesReminderStep {
    public let name = "payment_overdue"

    public init() {}

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        throw JobFailure("not implemented yet: step payment_overdue of sales_reminder_scan lands with issue #7")
    }
}
