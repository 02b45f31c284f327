import PMSCatalog
import PMSRuntime

/// The four jobs of pms-notifications. None has landed yet: each run fails and names its issue.
public enum NotificationsJobs {
    public static func all() -> [any Job] {
        JobCatalog.jobs(in: .notifications).map { UnimplementedJob(id: $0.id, issue: "issue #4 (notifications)") }
    }
}
