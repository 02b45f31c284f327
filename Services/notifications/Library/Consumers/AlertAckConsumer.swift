import Foundation
import Logging
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSRuntime

/// Acknowledges an alert from `<prefix>/alert-ack/<alert_id>` with `{"user_id": 12, "note": "在处理"}`.
/// Only a PENDING alert can be acknowledged, by an existing active user; the same user acknowledging an
/// alert already ACKNOWLEDGED by them is a redelivery and does nothing. Bad input goes to the errors topic.
public struct AlertAckConsumer: MessageConsumer {
    public let runtime: ServiceRuntime
    public static let maxNoteLength = 500

    public init(runtime: ServiceRuntime) { self.runtime = runtime }

    public var subscriptions: [String] {
        ["$share/notifications/" + runtime.configuration.topics.allAlertAcks]
    }

    public func accepts(_ topic: ParsedTopic) -> Bool {
        if case .alertAck = topic { return true }
        return false
    }

    struct Request: Sendable, Equatable {
        var alertID: Int64
        var userID: Int64
        var note: String?
    }

    /// The request, or the reason it is rejected.
    static func parse(alertID text: String, payload: [UInt8]) -> Result<Request, RequestRejection> {
        guard let alertID = Int64(text), alertID > 0 else {
            return .failure(RequestRejection("alert id '\(text)' is not a positive integer"))
        }
        do {
            let fields = try BusRequestFields(payload, allowed: ["user_id", "note"])
            guard let userID = try fields.positiveInteger("user_id") else {
                throw RequestRejection("user_id is missing")
            }
            let note = try fields.string("note")
            if let note, note.count > maxNoteLength {
                throw RequestRejection("note is longer than \(maxNoteLength) characters")
            }
            return .success(Request(alertID: alertID, userID: userID, note: note))
        } catch let rejection as RequestRejection {
            return .failure(rejection)
        } catch {
            return .failure(RequestRejection("\(error)"))
        }
    }

    public func handle(_ message: MQTTMessage, topic: ParsedTopic) async {
        guard case .alertAck(let idText) = topic else { return }
        let request: Request
        switch Self.parse(alertID: idText, payload: message.payload) {
        case .success(let parsed): request = parsed
        case .failure(let rejection):
            await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: rejection.reason)
            return
        }
        do {
            let outcome = try await runtime.pool.transaction { connection in
                try await Self.acknowledge(request, on: connection)
            }
            switch outcome {
            case .rejected(let reason):
                await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: reason)
            case .redelivered(let alertNo):
                runtime.logger.info("alert already acknowledged by this user", metadata: [
                    "event": "ack_redelivered", "alert_no": "\(alertNo)", "user": "\(request.userID)"])
            case .acknowledged(let alertNo):
                runtime.logger.info("alert acknowledged", metadata: [
                    "event": "acknowledged", "alert_no": "\(alertNo)", "user": "\(request.userID)"])
            }
        } catch {
            runtime.logger.error("alert acknowledgement failed", metadata: [
                "event": "ack_failed", "alert_id": "\(request.alertID)", "error": "\(error)"])
        }
    }

    enum Outcome: Sendable, Equatable { case acknowledged(String), redelivered(String), rejected(String) }

    /// Checks and writes in one transaction; the alert row is locked so two acks cannot both win.
    static func acknowledge(_ request: Request, on connection: PostgresConnection) async throws -> Outcome {
        let alerts = try await connection.query(
            "SELECT alert_no, status, acknowledged_by FROM alert_records WHERE id = $1 FOR UPDATE", [request.alertID])
        guard let alert = alerts.first else { return .rejected("alert \(request.alertID) does not exist") }
        let alertNo = try alert.decode(String.self, "alert_no")
        let status = try alert.decode(String.self, "status")
        let users = try await connection.query("SELECT is_active FROM users WHERE id = $1", [request.userID])
        guard let user = users.first else { return .rejected("user \(request.userID) does not exist") }
        guard try user.decode(Bool.self, "is_active") else { return .rejected("user \(request.userID) is inactive") }
        if status == "ACKNOWLEDGED", try alert.decode(Int64?.self, "acknowledged_by") == request.userID {
            return .redelivered(alertNo)
        }
        guard status == "PENDING" else {
            return .rejected("alert \(request.alertID) is \(status); only PENDING alerts can be acknowledged")
        }
        let updated = try await connection.execute(
            """
            UPDATE alert_records
               SET status = 'ACKNOWLEDGED', acknowledged_by = $2, acknowledged_at = now(),
                   handle_note = coalesce($3, handle_note), updated_at = now()
             WHERE id = $1 AND status = 'PENDING'
            """, [request.alertID, request.userID, request.note])
        guard updated == 1 else {
            return .rejected("alert \(request.alertID) is no longer PENDING; only PENDING alerts can be acknowledged")
        }
        return .acknowledged(alertNo)
    }
}
