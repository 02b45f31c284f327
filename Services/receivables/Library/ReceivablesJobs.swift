import PMSBus
import PMSCatalog
import PMSRuntime

/// The jobs of pms-receivables. None has landed yet: each run fails and names the issue that brings it.
public enum ReceivablesJobs {
    public static func all() -> [any Job] {
        JobCatalog.jobs(in: .receivables).map { UnimplementedJob(id: $0.id, issue: "issue #7 (receivables and cost domains)") }
    }
}
