import PMSBus
import PMSCatalog
import PMSRuntime

/// The jobs of pms-issues. None has landed yet: each run fails and names the issue that brings it.
public enum IssuesJobs {
    public static func all() -> [any Job] {
        JobCatalog.jobs(in: .issues).map { UnimplementedJob(id: $0.id, issue: "issue #8 (issues domain)") }
    }
}
