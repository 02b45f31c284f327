import PMSBus

/// Impact of a job's failure (platform.md §1.7); informational only.
public enum RiskLevel: String, Codable, Sendable, CaseIterable {
    case low = "LOW", medium = "MEDIUM", high = "HIGH", critical = "CRITICAL"
}

/// One scheduled job of the catalog (platform.md §1.7–1.8; domain from DATA-MODEL.md §5.2).
public struct JobDefinition: Sendable, Codable, Equatable {
    public let id: String
    /// The Chinese metadata name: the one shown in the API, logs and metric labels.
    public let name: String
    public let domain: Domain
    /// 5-field cron in catalog syntax (see `CronExpression`), evaluated in the business time zone.
    public let cron: String
    public let owner: String
    public let category: String
    public let description: String
    public let riskLevel: RiskLevel
    /// Expected maximum run time (`sla.max_execution_time_seconds`).
    public let slaSeconds: Int
    public let retryOnFailure: Bool
    /// Tables the original metadata lists; informational (impact analysis), copied verbatim.
    public let dependencyTables: [String]

    public init(
        id: String, name: String, domain: Domain, cron: String, owner: String, category: String,
        description: String, riskLevel: RiskLevel, slaSeconds: Int, retryOnFailure: Bool,
        dependencyTables: [String]
    ) {
        self.id = id
        self.name = name
        self.domain = domain
        self.cron = cron
        self.owner = owner
        self.category = category
        self.description = description
        self.riskLevel = riskLevel
        self.slaSeconds = slaSeconds
        self.retryOnFailure = retryOnFailure
        self.dependencyTables = dependencyTables
    }

    /// The parsed `cron`. Traps on an invalid expression: the catalog's are checked by a test, so only a
    /// hand-built definition can get here with bad text — parse `cron` yourself if it comes from outside.
    public var schedule: CronExpression {
        try! CronExpression(cron)
    }
}
