import PMSBus
import PMSCatalog
import PMSRuntime

/// The jobs of pms-production. Those not landed yet fail and name the issue that brings them.
public enum ProductionJobs {
    public static func all() -> [any Job] {
        JobCatalog.jobs(in: .production).map { entry -> any Job in
            entry.id == "check_outsourcing_delivery_alerts"
                ? CheckOutsourcingDeliveryAlerts()
                : UnimplementedJob(id: entry.id, issue: "issue #5 (shortage and production domains)")
        }
    }
}
