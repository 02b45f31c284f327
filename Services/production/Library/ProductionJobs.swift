import PMSBus
import PMSCatalog
import PMSRuntime

/// The jobs of pms-production. None has landed yet: each run fails and names the issue that brings it.
public enum ProductionJobs {
    public static func all() -> [any Job] {
        JobCatalog.jobs(in: .production).map { UnimplementedJob(id: $0.id, issue: "issue #5 (shortage and production domains)") }
    }
}
