import PMSBus
import PMSRuntime

/// Placeholder until the job lands (issue #7).
public struct CheckPaymentReminder: Job {
    public let id = "check_payment_reminder"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        throw JobFailure("not implemented yet: check_payment_reminder lands with issue #7 (receivables and cost domains)")
    }
}
