import PMSRuntime

/// The steps of sales_reminder_scan, in the spec's order.
public enum SalesReminderSteps {
    public static func all() -> [any SalesReminderStep] {
        [
            MilestoneReminders(), PaymentUpcomingReminders(), PaymentOverdueReminders(), GateTimeoutReminders(),
            QuoteExpiryReminders(), ContractExpiryReminders(), ApprovalPendingReminders(),
        ]
    }
}
