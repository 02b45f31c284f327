import PMSRuntime

/// The five jobs of pms-issues (services-issues-notifications.md).
public enum IssuesJobs {
    public static func all() -> [any Job] {
        [
            CheckOverdueIssues(), CheckBlockingIssues(), CheckTimeoutIssues(), DailyIssueStatisticsSnapshot(),
            CheckIssueTimeoutEscalation(),
        ]
    }
}
