import PMSBus
import PMSCatalog
import PMSRuntime

/// The jobs of pms-progress. None has landed yet: each run fails and names the issue that brings it.
public enum ProgressJobs {
    public static func all() -> [any Job] {
        JobCatalog.jobs(in: .progress).map { UnimplementedJob(id: $0.id, issue: "issue #6 (progress domain)") }
    }
}
