import PMSRuntime

/// The jobs of pms-shortage (services-shortage-production.md).
public enum ShortageJobs {
    public static func all() -> [any Job] {
        [
            GenerateShortageAlerts(),
            DailyKitCheck(),
            CheckDeliveryDelay(),
            GenerateShortageDailyReport(),
            UnimplementedJob(id: "daily_spec_match_check", issue: "issue #5 (shortage and production domains)"),
        ]
    }
}
