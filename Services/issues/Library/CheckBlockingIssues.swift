import PMSBus
import PMSRuntime

/// Placeholder until the job lands (issue #8).
public struct CheckBlockingIssues: Job {
    public let id = "check_blocking_issues"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        throw JobFailure("not implemented yet: check_blocking_issues lands with issue #8 (issues domain)")
    }
}
