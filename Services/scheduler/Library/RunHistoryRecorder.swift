import Foundation
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSRuntime

/// Keeps `job_runs` and the jobs' last outcome up to date from the run events of every domain.
public struct RunHistoryRecorder: MessageConsumer {
    public let runtime: ServiceRuntime
    /// Start and finish times are when the scheduler learns of them, on its clock (timeouts and retry
    /// delays are measured on the same clock).
    public let clock: any SchedulerClock

    public init(runtime: ServiceRuntime, clock: any SchedulerClock = SystemClock()) {
        self.runtime = runtime
        self.clock = clock
    }

    /// Not shared: every replica records every event (the updates are idempotent), so a replica that
    /// died while its persistent session still belongs to a share group cannot swallow run events.
    public var subscriptions: [String] { [runtime.configuration.topics.allRunEvents] }

    public func accepts(_ topic: ParsedTopic) -> Bool {
        if case .run(_, let event) = topic { return event != .queued }
        return false
    }

    public func handle(_ message: MQTTMessage, topic: ParsedTopic) async {
        guard case .run(_, let kind) = topic else { return }
        let event: RunEvent
        do {
            event = try BusCoding.decode(RunEvent.self, from: message.payload)
        } catch {
            await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: "malformed run event: \(error)")
            return
        }
        let resultJSON = try? event.result.map { String(decoding: try BusCoding.encode($0), as: UTF8.self) }
        do {
            try await runtime.pool.transaction { connection in
                try await connection.execute(
                    """
                    UPDATE job_runs
                       SET status = CASE WHEN status IN ('succeeded','failed','skipped') THEN status ELSE $2 END,
                           instance = $3,
                           started_at = CASE WHEN $2 = 'started' THEN coalesce(started_at, $4) ELSE started_at END,
                           finished_at = CASE WHEN $2 IN ('succeeded','failed','skipped') THEN $4 ELSE finished_at END,
                           duration_ms = coalesce($5, duration_ms), result = coalesce($6::jsonb, result),
                           error = coalesce($7, error), updated_at = now()
                     WHERE run_id = $1
                    """, [event.runID, kind.rawValue, event.instance, clock.now(), event.durationMS, resultJSON, event.error])
                if kind == .succeeded || kind == .failed || kind == .skipped {
                    // A run already failed by timeout keeps that outcome.
                    try await connection.execute(
                        """
                        UPDATE scheduler_job_state s SET last_outcome = r.status, updated_at = now()
                          FROM job_runs r
                         WHERE r.run_id = $1 AND s.job_id = r.job_id AND r.status IN ('succeeded','failed','skipped')
                        """, [event.runID])
                }
            }
        } catch {
            runtime.logger.error("run event not recorded", metadata: ["event": "history_failed", "error": "\(error)"])
        }
    }
}
