import Foundation
import PMSBus
import PMSCatalog

/// The Prometheus text exposition (format 0.0.4) of the job records and service statuses.
///
/// Keeps the original's `scheduler_job_*` names and labels (job_id, job_name, owner, category) but emits a
/// valid exposition (platform.md §2.3, PORT): each family grouped under its HELP and TYPE, every family
/// typed, units in seconds, label values escaped, real epoch seconds, a trailing newline. Jobs appear once
/// they have finished a run, in catalog order.
public enum PrometheusExport {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The exposition of `records` (jobs without a finished run are left out) and `services` (name → up).
    public static func render(records: [String: JobRecord], services: [(name: String, up: Bool)]) -> String {
        let jobs = orderedJobs(records)
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: () -> Void) {
            out += "# HELP \(name) \(escapeHelp(help))\n# TYPE \(name) \(type)\n"
            samples()
        }
        func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
            out += name + "{" + labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "} "
                + number(value) + "\n"
        }
        func perJob(_ name: String, _ type: String, _ help: String, _ value: (JobRecord) -> Double?) {
            family(name, type, help) {
                for record in jobs { if let v = value(record) { sample(name, labels(record.jobID), v) } }
            }
        }

        perJob("scheduler_job_success_total", "counter", "Total number of successful job runs") { Double($0.successCount) }
        perJob("scheduler_job_failure_total", "counter", "Total number of failed job runs") { Double($0.failureCount) }
        family("scheduler_job_runs_total", "counter", "Finished job runs by outcome (succeeded, failed, skipped)") {
            for record in jobs {
                for outcome in [RunEventKind.succeeded, .failed, .skipped] {
                    sample("scheduler_job_runs_total", labels(record.jobID) + [("outcome", outcome.rawValue)],
                           Double(record.outcomes[outcome, default: 0]))
                }
            }
        }
        family("scheduler_job_runs_by_trigger_total", "counter",
               "Finished job runs by trigger (cron, manual, catchup, retry)") {
            for record in jobs {
                for trigger in RunTrigger.allCases {
                    sample("scheduler_job_runs_by_trigger_total", labels(record.jobID) + [("trigger", trigger.rawValue)],
                           Double(record.triggers[trigger, default: 0]))
                }
            }
        }
        family("scheduler_job_duration_seconds", "histogram", "Duration of succeeded and failed job runs in seconds") {
            for record in jobs {
                let base = labels(record.jobID)
                for (bound, count) in zip(JobRecord.durationBuckets, record.bucketCounts) {
                    sample("scheduler_job_duration_seconds_bucket", base + [("le", number(bound))], Double(count))
                }
                sample("scheduler_job_duration_seconds_bucket", base + [("le", "+Inf")], Double(record.timedRuns))
                sample("scheduler_job_duration_seconds_sum", base, record.durationSumMS / 1000)
                sample("scheduler_job_duration_seconds_count", base, Double(record.timedRuns))
            }
        }
        let statistics = Dictionary(uniqueKeysWithValues: jobs.map { ($0.jobID, $0.statistics) })
        let window = "of the last \(RunWindow.defaultCapacity) finished runs in seconds"
        perJob("scheduler_job_duration_avg_seconds", "gauge", "Mean duration \(window)") { statistics[$0.jobID]?.mean.map(seconds) }
        perJob("scheduler_job_duration_p50_seconds", "gauge", "P50 duration \(window)") { statistics[$0.jobID]?.p50.map(seconds) }
        perJob("scheduler_job_duration_p95_seconds", "gauge", "P95 duration \(window)") { statistics[$0.jobID]?.p95.map(seconds) }
        perJob("scheduler_job_duration_p99_seconds", "gauge", "P99 duration \(window)") { statistics[$0.jobID]?.p99.map(seconds) }
        perJob("scheduler_job_duration_min_seconds", "gauge", "Shortest duration \(window)") { statistics[$0.jobID]?.min.map(seconds) }
        perJob("scheduler_job_duration_max_seconds", "gauge", "Longest duration \(window)") { statistics[$0.jobID]?.max.map(seconds) }
        perJob("scheduler_job_last_duration_seconds", "gauge", "Duration of the last job run in seconds") {
            $0.lastCompleted?.durationMS.map(seconds)
        }
        perJob("scheduler_job_last_run_timestamp_seconds", "gauge", "Unix timestamp of the last job run") {
            $0.lastRun.map { epoch($0.at) }
        }
        perJob("scheduler_job_last_success_timestamp_seconds", "gauge", "Unix timestamp of the last successful job run") {
            $0.lastSuccessAt.map(epoch)
        }
        perJob("scheduler_job_consecutive_failures", "gauge", "Failed runs since the last successful run") {
            Double($0.consecutiveFailures)
        }
        family("pms_service_up", "gauge", "1 when at least one instance of the service says it is online") {
            for service in services { sample("pms_service_up", [("service", service.name)], service.up ? 1 : 0) }
        }
        return out
    }

    /// Records with at least one finished run: catalog jobs in catalog order, then any others by id.
    static func orderedJobs(_ records: [String: JobRecord]) -> [JobRecord] {
        let catalog = JobCatalog.all.compactMap { records[$0.id] }
        let others = records.values.filter { JobCatalog.job(id: $0.jobID) == nil }.sorted { $0.jobID < $1.jobID }
        return (catalog + others).filter { $0.finishedRuns > 0 }
    }

    static func labels(_ jobID: String) -> [(String, String)] {
        let job = JobCatalog.job(id: jobID)
        return [("job_id", jobID), ("job_name", job?.name ?? jobID), ("owner", job?.owner ?? "unknown"),
                ("category", job?.category ?? "unknown")]
    }

    static func seconds(_ ms: Double) -> Double { ms / 1000 }

    /// Epoch seconds with millisecond precision.
    static func epoch(_ date: Date) -> Double { (date.timeIntervalSince1970 * 1000).rounded() / 1000 }

    /// Integers without a fraction, other values in Swift's shortest round-trip form; NaN and ±Inf as Prometheus spells them.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeLabel(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\"": out.append(contentsOf: "\\\"".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
