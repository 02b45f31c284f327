import PMSRuntime

/// Placeholder until the step lands (issue #7).
public struct GateTimeoutReminders: SalesReminderStep {
    public let name = "gate_timeout"

    public init() {}

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        throw JobFailure("not implemented yet: step gate_timeout of sales_reminder_scan lands with issue #7")
    }
}
