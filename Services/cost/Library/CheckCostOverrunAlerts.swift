import PMSBus
import PMSRuntime

/// Placeholder until the job lands (issue #7).
public struct CheckCostOverrunAlerts: Job {
    public let id = "check_cost_overrun_alerts"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        throw JobFailure("not implemented yet: check_cost_overrun_alerts lands with issue #7 (receivables and cost domains)")
    }
}
