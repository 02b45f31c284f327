import Foundation
import PMSBus
import PMSCatalog

/// JSON of the catalog-based answers: `/jobs`, `/services/list`, and the job rows of `/status`.
enum CatalogViews {
    /// `/status` job row.
    static func statusJob(_ view: JobStatusQuery.View, zone: TimeZone) -> JSONValue {
        .object([
            "id": .string(view.job.id), "name": .string(view.job.name), "domain": .string(view.job.domain.rawValue),
            "next_run_time": APIJSON.time(view.nextRunTime, zone), "trigger": .string(view.trigger),
            "enabled": .bool(view.state.enabled), "last_outcome": APIJSON.string(view.state.lastOutcome),
            "last_fired_at": APIJSON.time(view.state.lastFiredAt, zone),
        ])
    }

    /// `/jobs` row.
    static func job(_ view: JobStatusQuery.View, zone: TimeZone) -> JSONValue {
        let job = view.job
        return .object([
            "id": .string(job.id), "name": .string(job.name), "domain": .string(job.domain.rawValue),
            "next_run_time": APIJSON.time(view.nextRunTime, zone), "trigger": .string(view.trigger),
            "enabled": .bool(view.state.enabled), "owner": .string(job.owner), "category": .string(job.category),
            "risk_level": .string(job.riskLevel.rawValue), "sla_seconds": APIJSON.int(job.slaSeconds),
            "retry_on_failure": .bool(job.retryOnFailure),
        ])
    }

    /// `/services/list` entry: the static metadata (platform.md §3.7), not live state.
    static func service(_ job: JobDefinition) -> JSONValue {
        .object([
            "id": .string(job.id), "name": .string(job.name), "domain": .string(job.domain.rawValue),
            "cron": .string(job.cron), "owner": .string(job.owner), "category": .string(job.category),
            "enabled": .bool(true), "description": .string(job.description),
            "dependencies_tables": APIJSON.strings(job.dependencyTables), "risk_level": .string(job.riskLevel.rawValue),
            "sla": .object([
                "max_execution_time_seconds": APIJSON.int(job.slaSeconds), "retry_on_failure": .bool(job.retryOnFailure),
            ]),
        ])
    }
}
