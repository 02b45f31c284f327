import PMSBus
import PMSRuntime

/// Placeholder until the job lands (issue #8).
public struct CheckTimeoutIssues: Job {
    public let id = "check_timeout_issues"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        throw JobFailure("not implemented yet: check_timeout_issues lands with issue #8 (issues domain)")
    }
}
