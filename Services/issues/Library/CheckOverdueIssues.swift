import PMSBus
import PMSRuntime

/// Placeholder until the job lands (issue #8).
public struct CheckOverdueIssues: Job {
    public let id = "check_overdue_issues"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        throw JobFailure("not implemented yet: check_overdue_issues lands with issue #8 (issues domain)")
    }
}
