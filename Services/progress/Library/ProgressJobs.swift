import PMSRuntime

/// The ten jobs of pms-progress (services-progress.md).
public enum ProgressJobs {
    public static func all() -> [any Job] {
        [
            CheckMilestoneAlerts(), CheckMilestoneRiskAlerts(), CheckTaskDelayAlerts(), CheckTaskDeadlineReminder(),
            CalculateProgressSummary(), CalculateProjectHealth(), DailyHealthSnapshot(), GenerateJobDutyTasks(),
            CheckWorkloadOverloadAlerts(), CheckEcnOverdue(),
        ]
    }
}
