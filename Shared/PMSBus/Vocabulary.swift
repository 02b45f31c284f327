/// The closed vocabularies of the bus contract (ARCHITECTURE.md, "The bus contract").

/// The seven services that run jobs; also the `<domain>` of tick and alert topics.
public enum Domain: String, Codable, Sendable, CaseIterable {
    case shortage, progress, receivables, issues, production, cost, notifications
}

/// Alert levels, ranked INFO < WARNING < CRITICAL < URGENT.
public enum AlertLevel: String, Codable, Sendable, CaseIterable, Comparable {
    case info = "INFO", warning = "WARNING", critical = "CRITICAL", urgent = "URGENT"

    public var rank: Int { AlertLevel.allCases.firstIndex(of: self)! }
    public static func < (lhs: AlertLevel, rhs: AlertLevel) -> Bool { lhs.rank < rhs.rank }
}

/// Why a run was started.
public enum RunTrigger: String, Codable, Sendable, CaseIterable {
    case cron, manual, catchup, retry
}

/// The `<event>` of `pms/v1/run/<job_id>/<event>`.
public enum RunEventKind: String, Codable, Sendable, CaseIterable {
    case queued, started, succeeded, failed, skipped
}

/// The `event` field of an alert message.
public enum AlertEventKind: String, Codable, Sendable {
    case raised, escalated
}
