import Foundation
import PMSBus
import PMSCatalog
import Prometheus

/// Per-job run metrics in Prometheus form: the original's `scheduler_job_*` families and labels (job_id,
/// job_name, owner, category), with units in seconds as `promtool check metrics` requires, plus a real
/// duration histogram, runs by outcome and the last success time.
public final class JobMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    static let durationBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800]

    public init() {}

    func labels(_ jobID: String) -> [(String, String)] {
        let job = JobCatalog.job(id: jobID)
        return [("job_id", jobID), ("job_name", job?.name ?? jobID), ("owner", job?.owner ?? "unknown"),
                ("category", job?.category ?? "unknown")]
    }

    /// Counts a run event; `queued` and `started` only mark activity.
    public func record(_ event: RunEvent, kind: RunEventKind) {
        let labels = labels(event.jobID)
        switch kind {
        case .queued, .started:
            return
        case .succeeded:
            registry.makeCounter(descriptor: Self.success, labels: labels).increment()
            registry.makeGauge(descriptor: Self.lastSuccess, labels: labels).set(event.at.timeIntervalSince1970.rounded())
        case .failed:
            registry.makeCounter(descriptor: Self.failure, labels: labels).increment()
        case .skipped:
            break
        }
        registry.makeCounter(descriptor: Self.runs, labels: labels + [("outcome", kind.rawValue)]).increment()
        registry.makeGauge(descriptor: Self.lastRun, labels: labels).set(event.at.timeIntervalSince1970.rounded())
        if let ms = event.durationMS {
            registry.makeGauge(descriptor: Self.lastDuration, labels: labels).set(ms / 1000)
            registry.makeValueHistogram(descriptor: Self.duration, labels: labels, buckets: Self.durationBuckets)
                .record(ms / 1000)
        }
    }

    /// The Prometheus text exposition (version 0.0.4).
    public func exposition() -> [UInt8] { registry.emitToBuffer() }

    // Computed: MetricNameDescriptor is not Sendable, so it cannot be a stored static.
    static var success: MetricNameDescriptor { named("job_success", "total", "Total number of successful job runs") }
    static var failure: MetricNameDescriptor { named("job_failure", "total", "Total number of failed job runs") }
    static var runs: MetricNameDescriptor {
        named("job_runs", "total", "Finished job runs by outcome (succeeded, failed, skipped)")
    }
    static var lastDuration: MetricNameDescriptor {
        named("job_last_duration", "seconds", "Duration of the last job run in seconds")
    }
    static var lastRun: MetricNameDescriptor {
        named("job_last_run", "timestamp_seconds", "Unix timestamp of the last job run")
    }
    static var lastSuccess: MetricNameDescriptor {
        named("job_last_success", "timestamp_seconds", "Unix timestamp of the last successful job run")
    }
    static var duration: MetricNameDescriptor { named("job_duration", "seconds", "Duration of job runs in seconds") }

    private static func named(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "scheduler", metricName: name, unitName: unit, helpText: help)
    }
}
