import PMSBus
import PMSCatalog
import PMSRuntime

/// The jobs of pms-production. Those not landed yet fail and name the issue that brings them.
public enum ProductionJobs {
    public static func all() -> [any Job] {
        let landed: [any Job] = [
            CheckOutsourcingDeliveryAlerts(), CheckProductionPlanAlerts(), GenerateProductionDailyReports(),
            CheckEquipmentMaintenanceReminder(), CheckWorkReportTimeout(),
        ]
        return JobCatalog.jobs(in: .production).map { entry in
            landed.first { $0.id == entry.id }
                ?? UnimplementedJob(id: entry.id, issue: "issue #5 (shortage and production domains)")
        }
    }
}
