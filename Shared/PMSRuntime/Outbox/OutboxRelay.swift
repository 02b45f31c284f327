import Foundation
import Logging
import PMSMQTT
import PMSPostgres

/// Publishes a producer's outbox rows in id order and stamps them published. While the broker is down
/// rows stay in the table and are retried with backoff; nothing is dropped.
public final class OutboxRelay: Sendable {
    public let producer: String
    private let pool: PostgresPool
    private let mqtt: MQTTClient
    private let logger: Logger
    private let wake = WakeSignal()
    private let pollInterval: Double

    public init(producer: String, pool: PostgresPool, mqtt: MQTTClient, logger: Logger, pollInterval: Double = 0.5) {
        self.producer = producer; self.pool = pool; self.mqtt = mqtt; self.logger = logger; self.pollInterval = pollInterval
    }

    /// Asks for a publish pass now (after a commit that wrote outbox rows).
    public func nudge() { wake.signal() }

    /// Runs until the task is cancelled.
    public func run() async {
        var backoff = pollInterval
        while !Task.isCancelled {
            do {
                let outcome = try await publishPending()
                backoff = outcome == .brokerUnavailable ? min(backoff * 2, 10) : pollInterval
                if outcome == .more { continue }
            } catch {
                logger.warning("outbox relay pass failed", metadata: ["event": "outbox_error", "error": "\(error)"])
                backoff = min(backoff * 2, 10)
            }
            await wake.wait(upTo: backoff)
        }
    }

    enum PassOutcome { case idle, more, brokerUnavailable }

    /// One pass under a transaction-scoped advisory lock, so replicas of a producer keep the order.
    func publishPending(batchSize: Int = 200) async throws -> PassOutcome {
        guard mqtt.isConnected else {
            let waiting = try await pool.withConnection { connection in
                try await connection.query(
                    "SELECT count(*) AS n FROM outbox WHERE producer = $1 AND published_at IS NULL", [self.producer]
                ).first?.decode(Int.self, "n") ?? 0
            }
            return waiting > 0 ? .brokerUnavailable : .idle
        }
        let producer = self.producer, mqtt = self.mqtt, logger = self.logger
        return try await pool.transaction { connection in
            let locked = try await connection.query(
                "SELECT pg_try_advisory_xact_lock($1) AS locked", [advisoryLockKey("outbox:" + producer)])
            guard try locked.first?.decode(Bool.self, "locked") == true else { return .idle }
            let rows = try await connection.query(
                """
                SELECT id, topic, payload::text AS payload, qos, retain FROM outbox
                 WHERE producer = $1 AND published_at IS NULL ORDER BY id LIMIT $2
                """, [producer, batchSize])
            var published: [Int64] = []
            var outcome: PassOutcome = rows.count == batchSize ? .more : .idle
            for row in rows {
                let id = try row.decode(Int64.self, "id")
                let message = MQTTMessage(
                    topic: try row.decode(String.self, "topic"), string: try row.decode(String.self, "payload"),
                    qos: try row.decode(Int.self, "qos"), retain: try row.decode(Bool.self, "retain"))
                do {
                    try await mqtt.publish(message)
                    published.append(id)
                } catch {
                    logger.warning("outbox publish failed; will retry", metadata: [
                        "event": "outbox_retry", "outbox_id": "\(id)", "topic": "\(message.topic)", "error": "\(error)"])
                    try await connection.execute(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1", [id, "\(error)"])
                    outcome = .brokerUnavailable
                    break
                }
            }
            if !published.isEmpty {
                try await connection.execute(
                    "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])",
                    ["{" + published.map(String.init).joined(separator: ",") + "}"])
            }
            return outcome
        }
    }
}
