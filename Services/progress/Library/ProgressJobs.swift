import PMSBus
import PMSCatalog
import PMSRuntime

/// The ten jobs of pms-progress (services-progress.md).
public enum ProgressJobs {
    public static func all() -> [any Job] {
        let landed: [any Job] = [
            CheckMilestoneAlerts(), CheckMilestoneRiskAlerts(), CheckTaskDelayAlerts(), CheckTaskDeadlineReminder(),
            CheckWorkloadOverloadAlerts(), CheckEcnOverdue(), GenerateJobDutyTasks(), CalculateProgressSummary(),
            CalculateProjectHealth(), DailyHealthSnapshot(),
        ]
        return JobCatalog.jobs(in: .progress).map { entry in
            landed.first { $0.id == entry.id } ?? UnimplementedJob(id: entry.id, issue: "issue #6 (progress domain)")
        }
    }
}
