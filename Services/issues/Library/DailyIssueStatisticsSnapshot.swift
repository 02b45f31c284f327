import PMSBus
import PMSRuntime

/// Placeholder until the job lands (issue #8).
public struct DailyIssueStatisticsSnapshot: Job {
    public let id = "daily_issue_statistics_snapshot"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        throw JobFailure("not implemented yet: daily_issue_statistics_snapshot lands with issue #8 (issues domain)")
    }
}
