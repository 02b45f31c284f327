import PMSBus
import PMSRuntime

/// 收款提醒服务 (services-receivables-cost.md, check_payment_reminder), daily 09:30. Notification-only.
/// Runs the "payment plan upcoming" routine shared with sales_reminder_scan (`PaymentUpcomingReminders`),
/// corrected: PENDING, INVOICED and PARTIAL plans with something left to collect, due within D..D+7, one
/// notification per plan, recipient and day, HIGH when days_left ≤ 3. Its section keeps a single recipient
/// (contract owner, else PM), so no finance roles. The dedupe key is the scan's: after the 09:00 scan wrote
/// the row for a plan, user and day this job adds nothing.
public struct CheckPaymentReminder: Job {
    public let id = "check_payment_reminder"
    public var routine: PaymentUpcomingReminders

    public init(routine: PaymentUpcomingReminders = PaymentUpcomingReminders(includeFinanceRoles: false)) {
        self.routine = routine
    }

    public func run(in context: JobContext) async throws -> RunResult {
        let counts = try await routine.run(in: context)
        let n = counts.notifications
        return RunResult(checked: counts.checked, created: n.created, notified: n.notified,
                         skipped: n.duplicates + n.inactive, unrouted: counts.unrouted)
    }
}
