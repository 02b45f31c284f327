import PMSBus
import PMSRuntime

/// Placeholder until the job lands (issue #7).
public struct CheckMilestoneStatusAndAdjustPayments: Job {
    public let id = "check_milestone_status_and_adjust_payments"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        throw JobFailure("not implemented yet: check_milestone_status_and_adjust_payments lands with issue #7 (receivables and cost domains)")
    }
}
