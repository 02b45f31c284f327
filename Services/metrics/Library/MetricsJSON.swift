import Foundation
import PMSBus
import PMSCatalog

/// `GET /api/v1/scheduler/metrics` (platform.md §3.4): `{"code":200,"message":"success","data":{"total",
/// "metrics":[…],"notification_channels":[]}}`, one object per job with a finished run, in catalog order.
///
/// The original's fields and meanings, with these differences: timestamps are RFC 3339 in UTC with `Z`
/// (the original's were naive); `total_runs` = `success_count + failure_count` as before, while skipped
/// runs (new in the port) are counted in `skipped_count`; `last_*` describe the last succeeded or failed
/// run; added: `skipped_count`, `runs_by_trigger`, `consecutive_failures`, `last_success_timestamp`.
/// Durations are milliseconds rounded to 3 decimals; `notification_channels` is empty (notification
/// counts are pms-notifications' business).
public enum MetricsJSON {
    public static let contentType = "application/json; charset=utf-8"

    public static func body(records: [String: JobRecord]) -> [UInt8] {
        let jobs = PrometheusExport.orderedJobs(records)
        let envelope: JSONValue = .object([
            "code": .number(200), "message": .string("success"),
            "data": .object([
                "total": .number(Double(jobs.count)),
                "metrics": .array(jobs.map(job)),
                "notification_channels": .array([]),
            ]),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(envelope)).map(Array.init) ?? Array(#"{"detail":"response not encodable"}"#.utf8)
    }

    static func job(_ record: JobRecord) -> JSONValue {
        let definition = JobCatalog.job(id: record.jobID)
        let stats = record.statistics
        let last = record.lastCompleted
        return .object([
            "job_id": .string(record.jobID),
            "job_name": .string(definition?.name ?? record.jobID),
            "owner": definition.map { .string($0.owner) } ?? .null,
            "category": definition.map { .string($0.category) } ?? .null,
            "success_count": count(record.successCount),
            "failure_count": count(record.failureCount),
            "skipped_count": count(record.skippedCount),
            "total_runs": count(record.successCount + record.failureCount),
            "runs_by_trigger": .object(Dictionary(uniqueKeysWithValues: RunTrigger.allCases.map {
                ($0.rawValue, count(record.triggers[$0, default: 0]))
            })),
            "last_duration_ms": ms(last?.durationMS),
            "avg_duration_ms": ms(record.averageDurationMS),
            "total_duration_ms": ms(record.durationSumMS),
            "last_status": last.map { .string($0.outcome == .succeeded ? "success" : "failed") } ?? .null,
            "last_timestamp": time(last?.at),
            "last_success_timestamp": time(record.lastSuccessAt),
            "consecutive_failures": count(record.consecutiveFailures),
            "p50_duration_ms": ms(stats.p50),
            "p95_duration_ms": ms(stats.p95),
            "p99_duration_ms": ms(stats.p99),
            "min_duration_ms": ms(stats.min),
            "max_duration_ms": ms(stats.max),
            "sample_count": count(stats.count),
        ])
    }

    static func count(_ value: Int) -> JSONValue { .number(Double(value)) }

    static func ms(_ value: Double?) -> JSONValue {
        value.map { .number(($0 * 1000).rounded() / 1000) } ?? .null
    }

    /// RFC 3339 in UTC, e.g. `2026-01-08T23:00:00.123Z`.
    static func time(_ date: Date?) -> JSONValue { date.map { .string(RFC3339.format($0)) } ?? .null }
}
