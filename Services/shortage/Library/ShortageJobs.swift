import PMSRuntime

/// The jobs of pms-shortage (services-shortage-production.md).
public enum ShortageJobs {
    public static func all() -> [any Job] {
        [
            GenerateShortageAlerts(),
            DailyKitCheck(),
            CheckDeliveryDelay(),
            GenerateShortageDailyReport(),
            DailySpecMatchCheck(),
        ]
    }
}
