import PMSRuntime

/// The six jobs of pms-receivables (services-receivables-cost.md).
public enum ReceivablesJobs {
    public static func all() -> [any Job] {
        [
            CheckOverdueReceivableAlerts(), CheckPaymentReminder(), CheckMilestoneStatusAndAdjustPayments(),
            SalesReminderScan(), CheckOpportunityStageTimeout(), CheckPresaleWorkorderTimeout(),
        ]
    }
}
