import PMSRuntime

/// The five jobs of pms-production (services-shortage-production.md).
public enum ProductionJobs {
    public static func all() -> [any Job] {
        [
            CheckProductionPlanAlerts(), CheckWorkReportTimeout(), GenerateProductionDailyReports(),
            CheckEquipmentMaintenanceReminder(), CheckOutsourcingDeliveryAlerts(),
        ]
    }
}
