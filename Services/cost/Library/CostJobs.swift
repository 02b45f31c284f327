import PMSRuntime

/// The two jobs of pms-cost (services-receivables-cost.md).
public enum CostJobs {
    public static func all() -> [any Job] {
        [CheckCostOverrunAlerts(), CalculateMonthlyLaborCost()]
    }
}
