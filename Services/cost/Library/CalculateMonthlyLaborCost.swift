import PMSBus
import PMSRuntime

/// Placeholder until the job lands (issue #7).
public struct CalculateMonthlyLaborCost: Job {
    public let id = "calculate_monthly_labor_cost"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        throw JobFailure("not implemented yet: calculate_monthly_labor_cost lands with issue #7 (receivables and cost domains)")
    }
}
