import PMSRuntime

/// Placeholder until the step lands (issue #7).
public struct ApprovalPendingReminders: SalesReminderStep {
    public let name = "approval_pending"

    public init() {}

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        throw JobFailure("not implemented yet: step approval_pending of sales_reminder_scan lands with issue #7")
    }
}
