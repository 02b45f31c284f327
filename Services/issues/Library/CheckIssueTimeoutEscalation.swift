import PMSBus
import PMSRuntime

/// Placeholder until the job lands (issue #8).
public struct CheckIssueTimeoutEscalation: Job {
    public let id = "check_issue_timeout_escalation"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        throw JobFailure("not implemented yet: check_issue_timeout_escalation lands with issue #8 (issues domain)")
    }
}
