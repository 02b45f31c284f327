import Foundation
import PMSBus
import PMSPostgres

/// Rebuilds every job's record from `job_runs` (written by pms-scheduler), so counters survive a restart.
/// Four set-based statements in one read-only snapshot: counts and duration sums by job, outcome and
/// trigger; the histogram's cumulative bucket counts; the last 1,000 finished runs per job (a window
/// function); and the failures since each job's last success.
public struct RunHistoryLoader: Sendable {
    public let windowSize: Int

    public init(windowSize: Int = RunWindow.defaultCapacity) { self.windowSize = windowSize }

    public func load(from pool: PostgresPool) async throws -> [String: JobRecord] {
        let windowSize = self.windowSize
        return try await pool.transaction { connection in
            try await RunHistoryLoader(windowSize: windowSize).load(on: connection)
        }
    }

    /// Runs the statements on `connection`, which must be inside a transaction.
    public func load(on connection: PostgresConnection) async throws -> [String: JobRecord] {
        try await connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        var records: [String: JobRecord] = [:]
        func withRecord(_ jobID: String, _ change: (inout JobRecord) -> Void) {
            change(&records[jobID, default: JobRecord(jobID: jobID)])
        }

        for row in try await connection.query(Self.countsSQL) {
            let jobID = try row.decode(String.self, "job_id")
            let runs = try row.decode(Int.self, "runs")
            guard let outcome = RunEventKind(rawValue: try row.decode(String.self, "status")),
                  let trigger = RunTrigger(rawValue: try row.decode(String.self, "trigger")) else { continue }
            let timed = try row.decode(Int.self, "timed")
            let sum = try row.decode(Double.self, "duration_sum")
            let lastSuccess = try row.decode(Date?.self, "last_success_at")
            withRecord(jobID) { record in
                record.outcomes[outcome, default: 0] += runs
                record.triggers[trigger, default: 0] += runs
                record.timedRuns += timed
                record.durationSumMS += sum
                if let lastSuccess, record.lastSuccessAt.map({ lastSuccess > $0 }) ?? true { record.lastSuccessAt = lastSuccess }
            }
        }

        let bounds = JobRecord.durationBuckets
        for row in try await connection.query(Self.bucketsSQL, [bounds]) {
            let jobID = try row.decode(String.self, "job_id")
            let index = try row.decode(Int.self, "bucket") - 1
            let runs = try row.decode(Int.self, "runs")
            guard bounds.indices.contains(index) else { continue }
            withRecord(jobID) { $0.bucketCounts[index] = runs }
        }

        for row in try await connection.query(Self.windowSQL, [windowSize]) {
            let jobID = try row.decode(String.self, "job_id")
            guard let outcome = RunEventKind(rawValue: try row.decode(String.self, "status")),
                  let trigger = RunTrigger(rawValue: try row.decode(String.self, "trigger")) else { continue }
            let run = FinishedRun(runID: try row.decode(UUID.self, "run_id"), outcome: outcome, trigger: trigger,
                                  at: try row.decode(Date.self, "finished_at"),
                                  durationMS: try row.decode(Double?.self, "duration_ms"),
                                  error: try row.decode(String?.self, "error"))
            withRecord(jobID) { $0.remember(run) }
        }

        for row in try await connection.query(Self.streakSQL) {
            let jobID = try row.decode(String.self, "job_id")
            let failures = try row.decode(Int.self, "failures")
            withRecord(jobID) { $0.consecutiveFailures = failures }
        }
        return records
    }

    /// A finished run's time: `finished_at`, or for a row finished without it, its last update.
    static let finishedAt = "coalesce(finished_at, updated_at)"

    static let countsSQL = """
        SELECT job_id, status, trigger, count(*) AS runs,
               count(duration_ms) FILTER (WHERE status IN ('succeeded','failed')) AS timed,
               coalesce(sum(duration_ms) FILTER (WHERE status IN ('succeeded','failed')), 0) AS duration_sum,
               max(\(finishedAt)) FILTER (WHERE status = 'succeeded') AS last_success_at
          FROM job_runs
         WHERE status IN ('succeeded','failed','skipped')
         GROUP BY job_id, status, trigger
        """

    /// Cumulative: bucket i (1-based) counts the runs with `duration_ms <= bound_i × 1000`.
    static let bucketsSQL = """
        SELECT r.job_id, b.bucket, count(*) AS runs
          FROM job_runs r
          JOIN unnest($1::float8[]) WITH ORDINALITY AS b(le, bucket) ON r.duration_ms <= b.le * 1000
         WHERE r.status IN ('succeeded','failed')
         GROUP BY r.job_id, b.bucket
        """

    /// The last $1 finished runs of each job, oldest first.
    static let windowSQL = """
        SELECT job_id, run_id, status, trigger, finished_at, duration_ms, error
          FROM (SELECT job_id, run_id, status, trigger, \(finishedAt) AS finished_at, duration_ms, error,
                       row_number() OVER (PARTITION BY job_id ORDER BY \(finishedAt) DESC, id DESC) AS recency
                  FROM job_runs
                 WHERE status IN ('succeeded','failed','skipped')) recent
         WHERE recency <= $1
         ORDER BY job_id, recency DESC
        """

    /// Failed runs after each job's last success (all of them when it never succeeded).
    static let streakSQL = """
        SELECT f.job_id, count(*) AS failures
          FROM job_runs f
          LEFT JOIN (SELECT job_id, max(\(finishedAt)) AS at
                       FROM job_runs WHERE status = 'succeeded' GROUP BY job_id) ok ON ok.job_id = f.job_id
         WHERE f.status = 'failed' AND (ok.at IS NULL OR coalesce(f.finished_at, f.updated_at) > ok.at)
         GROUP BY f.job_id
        """
}
