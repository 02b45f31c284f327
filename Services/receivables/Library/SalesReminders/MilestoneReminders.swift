import PMSRuntime

/// Placeholder until the step lands (issue #7).
public struct MilestoneReminders: SalesReminderStep {
    public let name = "milestone_reminders"

    public init() {}

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        throw JobFailure("not implemented yet: step milestone_reminders of sales_reminder_scan lands with issue #7")
    }
}
