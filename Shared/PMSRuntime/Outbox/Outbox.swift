import Foundation
import PMSBus
import PMSPostgres

/// Writes bus events into the `outbox` table inside the caller's transaction; the producer's relay
/// publishes them after commit, so an event exists exactly when the writes it announces do.
public struct Outbox: Sendable {
    public let producer: String
    public let connection: PostgresConnection
    public let timeZone: TimeZone

    public init(producer: String, connection: PostgresConnection, timeZone: TimeZone) {
        self.producer = producer; self.connection = connection; self.timeZone = timeZone
    }

    public func enqueue<T: Encodable>(topic: String, message: T, qos: Int = 1, retain: Bool = false) async throws {
        let payload = String(decoding: try BusCoding.encode(message, timeZone: timeZone), as: UTF8.self)
        try await connection.execute(
            "INSERT INTO outbox (producer, topic, payload, qos, retain) VALUES ($1, $2, $3::jsonb, $4, $5)",
            [producer, topic, payload, qos, retain])
    }
}
