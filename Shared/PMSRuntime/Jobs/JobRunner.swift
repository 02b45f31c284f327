import Foundation
import Logging
import PMSBus
import PMSPostgres

/// Runs one tick of one job with the runtime's guarantees: a run id runs at most once (executed_runs),
/// the job's writes and its `succeeded` event commit together, a failure rolls back and is reported
/// with its reason.
public struct JobRunner: Sendable {
    public let domain: Domain
    public let instance: String
    public let pool: PostgresPool
    public let topics: Topics
    public let timeZone: TimeZone
    public let logger: Logger
    /// Publishes straight to the broker when the database cannot take the run's own events (an outage),
    /// so a failed run is still reported.
    public let directPublish: (@Sendable (_ topic: String, _ payload: [UInt8]) async throws -> Void)?

    public init(domain: Domain, instance: String, pool: PostgresPool, topics: Topics, timeZone: TimeZone, logger: Logger,
                directPublish: (@Sendable (_ topic: String, _ payload: [UInt8]) async throws -> Void)? = nil) {
        self.domain = domain; self.instance = instance; self.pool = pool; self.topics = topics
        self.timeZone = timeZone; self.logger = logger; self.directPublish = directPublish
    }

    public enum Outcome: Sendable, Equatable {
        case succeeded(RunResult)
        case failed(String)
        case duplicate
    }

    public func run(_ job: any Job, tick: TickMessage) async -> Outcome {
        var logger = self.logger
        logger[metadataKey: "job"] = .string(tick.jobID)
        logger[metadataKey: "run_id"] = .string(tick.runID.uuidString.lowercased())
        let started = ContinuousClock.now

        do {
            let alreadyRan = try await pool.withConnection { connection in
                try await !connection.query("SELECT 1 FROM executed_runs WHERE run_id = $1", [tick.runID]).isEmpty
            }
            if alreadyRan {
                logger.info("tick already ran; delivery ignored", metadata: ["event": "duplicate"])
                return .duplicate
            }
            try await publish(.started, tick: tick, duration: nil, result: nil, error: nil)
        } catch {
            logger.error("run could not start", metadata: ["event": "failed", "error": "\(error)"])
            await reportFailure(tick: tick, reason: "database unavailable: \(error)", started: started, logger: logger)
            return .failed("database unavailable: \(error)")
        }
        logger.info("run started", metadata: ["event": "started", "trigger": "\(tick.trigger.rawValue)"])

        do {
            let now = try effectiveNow(of: tick)
            let runLogger = logger
            let outcome: Outcome = try await pool.transaction { connection in
                let inserted = try await connection.query(
                    """
                    INSERT INTO executed_runs (run_id, job_id, scheduled_for, instance) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (run_id) DO NOTHING RETURNING run_id
                    """, [tick.runID, tick.jobID, tick.scheduledFor, self.instance])
                guard !inserted.isEmpty else { return .duplicate }
                let outbox = Outbox(producer: self.domain.rawValue, connection: connection, timeZone: self.timeZone)
                let context = JobContext(tick: tick, now: now, timeZone: self.timeZone, domain: self.domain,
                                         connection: connection, outbox: outbox, topics: self.topics, logger: runLogger)
                let result: RunResult
                do {
                    result = try await job.run(in: context)
                } catch let partial as PartialRunFailure {
                    // The parts that worked commit; the run is still reported as failed, with their counts.
                    Self.warnUnrouted(partial.result, runLogger)
                    try await outbox.enqueue(
                        topic: self.topics.run(jobID: tick.jobID, event: .failed),
                        message: self.event(tick, duration: Self.milliseconds(since: started), result: partial.result,
                                            error: partial.reason))
                    return .failed(partial.reason)
                }
                try await outbox.enqueue(
                    topic: self.topics.run(jobID: tick.jobID, event: .succeeded),
                    message: self.event(tick, duration: Self.milliseconds(since: started), result: result, error: nil))
                return .succeeded(result)
            }
            switch outcome {
            case .succeeded(let result):
                logger.info("run succeeded", metadata: [
                    "event": "succeeded", "duration_ms": "\(Self.milliseconds(since: started))",
                    "created": "\(result.created)", "updated": "\(result.updated)", "resolved": "\(result.resolved)",
                    "checked": "\(result.checked)", "note": "\(result.note ?? "")"])
                Self.warnUnrouted(result, logger)
            case .duplicate:
                logger.info("tick ran concurrently elsewhere; this delivery did nothing", metadata: ["event": "duplicate"])
            case .failed(let reason):
                logger.error("run failed; the parts that worked were kept", metadata: [
                    "event": "failed", "duration_ms": "\(Self.milliseconds(since: started))", "error": "\(reason)"])
            }
            return outcome
        } catch {
            let reason = "\(error)"
            logger.error("run failed", metadata: [
                "event": "failed", "duration_ms": "\(Self.milliseconds(since: started))", "error": "\(reason)"])
            await reportFailure(tick: tick, reason: reason, started: started, logger: logger)
            return .failed(reason)
        }
    }

    /// DECISIONS "Recipients": nobody (not user 1) is a silent fallback, so every job counts what reaches no
    /// active user in `RunResult.unrouted`, and the runner makes it one warning an operator can find.
    private static func warnUnrouted(_ result: RunResult, _ logger: Logger) {
        guard let unrouted = result.unrouted, unrouted > 0 else { return }
        logger.warning("run left items without any active recipient", metadata: [
            "event": "unrouted", "count": "\(unrouted)"])
    }

    /// "Now" of a run: `params.as_of` when given, else the slot it was scheduled for.
    public func effectiveNow(of tick: TickMessage) throws -> Date {
        guard let asOf = tick.params?["as_of"] else { return tick.scheduledFor }
        guard let text = asOf.stringValue else {
            throw JobFailure("field 'params.as_of': expected a string such as 2026-01-09")
        }
        return try AsOf.parse(text, timeZone: timeZone)
    }

    private func reportFailure(tick: TickMessage, reason: String, started: ContinuousClock.Instant, logger: Logger) async {
        let duration = Self.milliseconds(since: started)
        do {
            try await publish(.failed, tick: tick, duration: duration, result: nil, error: reason)
        } catch {
            logger.error("failed-run event could not be stored; publishing it directly",
                         metadata: ["event": "outbox_error", "error": "\(error)"])
            do {
                let message = event(tick, duration: duration, result: nil, error: reason)
                try await directPublish?(topics.run(jobID: tick.jobID, event: .failed), BusCoding.encode(message, timeZone: timeZone))
            } catch {
                logger.error("failed-run event lost", metadata: ["event": "event_lost", "error": "\(error)"])
            }
        }
    }

    private func publish(_ kind: RunEventKind, tick: TickMessage, duration: Double?, result: RunResult?, error: String?) async throws {
        let message = event(tick, duration: duration, result: result, error: error)
        try await pool.withConnection { connection in
            try await Outbox(producer: self.domain.rawValue, connection: connection, timeZone: self.timeZone)
                .enqueue(topic: self.topics.run(jobID: tick.jobID, event: kind), message: message)
        }
    }

    private func event(_ tick: TickMessage, duration: Double?, result: RunResult?, error: String?) -> RunEvent {
        RunEvent(runID: tick.runID, jobID: tick.jobID, domain: domain, instance: instance, trigger: tick.trigger,
                 at: Date(), durationMS: duration, result: result, error: error)
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return (ms * 100).rounded() / 100
    }
}
