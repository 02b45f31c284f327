import PMSBus
import PMSRuntime

/// Placeholder until the job lands (issue #7).
public struct CheckPresaleWorkorderTimeout: Job {
    public let id = "check_presale_workorder_timeout"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        throw JobFailure("not implemented yet: check_presale_workorder_timeout lands with issue #7 (receivables and cost domains)")
    }
}
