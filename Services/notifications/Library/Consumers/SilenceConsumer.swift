import Foundation
import Logging
import PMSBus
import PMSMQTT
import PMSPostgres
import PMSRuntime

/// Stores a silence from `<prefix>/silence`: `{"rule_code", "target_type", "target_id", "ends_at",
/// "starts_at"?, "created_by"?, "comment"?}`. A silence matches by rule, by target, or both; it defers
/// notifications (never alerts) of matching alerts while now is in [starts_at, ends_at).
/// The same request delivered twice stores one row.
public struct SilenceConsumer: MessageConsumer {
    public let runtime: ServiceRuntime

    public init(runtime: ServiceRuntime) { self.runtime = runtime }

    public var subscriptions: [String] {
        ["$share/notifications/" + runtime.configuration.topics.silence]
    }

    public func accepts(_ topic: ParsedTopic) -> Bool {
        topic == .silence
    }

    /// The target types of `alert_records` (migration 0010); anything else would silence nothing.
    static let targetTypes: Set<String> = [
        "MATERIAL", "MATERIAL_SHORTAGE", "WORK_ORDER", "PURCHASE_ORDER", "SPEC_MATCH", "PRODUCTION_PLAN",
        "OUTSOURCING_ORDER", "MILESTONE", "TASK", "TASK_UNIFIED", "USER", "INVOICE", "PROJECT", "ISSUE",
    ]

    struct Request: Sendable, Equatable {
        var ruleCode: String?
        var targetType: String?
        var targetID: Int64?
        /// nil: starts now.
        var startsAt: Date?
        var endsAt: Date
        var createdBy: Int64?
        var comment: String?
    }

    /// The request, or the reason it is rejected; `now` is when it arrived.
    static func parse(_ payload: [UInt8], now: Date) -> Result<Request, RequestRejection> {
        do {
            let fields = try BusRequestFields(payload, allowed: [
                "rule_code", "target_type", "target_id", "starts_at", "ends_at", "created_by", "comment"])
            let ruleCode = try fields.string("rule_code")
            let targetType = try fields.string("target_type")
            let targetID = try fields.positiveInteger("target_id")
            guard ruleCode != nil || targetType != nil || targetID != nil else {
                throw RequestRejection("a silence needs rule_code, or target_type and target_id")
            }
            guard (targetType == nil) == (targetID == nil) else {
                throw RequestRejection("target_type and target_id must be given together")
            }
            if let targetType, !targetTypes.contains(targetType) {
                throw RequestRejection("target_type '\(targetType)' is not a known target type")
            }
            guard let endsText = try fields.string("ends_at") else { throw RequestRejection("ends_at is missing") }
            let endsAt = try instant(endsText, field: "ends_at")
            let startsAt = try fields.string("starts_at").map { try instant($0, field: "starts_at") }
            guard endsAt > now else {
                throw RequestRejection("ends_at \(endsText) is not in the future")
            }
            if let startsAt, endsAt <= startsAt {
                throw RequestRejection("ends_at must be after starts_at")
            }
            return .success(Request(
                ruleCode: ruleCode, targetType: targetType, targetID: targetID, startsAt: startsAt, endsAt: endsAt,
                createdBy: try fields.positiveInteger("created_by"), comment: try fields.string("comment")))
        } catch let rejection as RequestRejection {
            return .failure(rejection)
        } catch {
            return .failure(RequestRejection("\(error)"))
        }
    }

    static func instant(_ text: String, field: String) throws -> Date {
        guard let date = RFC3339.parse(text) else {
            throw RequestRejection("\(field) '\(text)' is not an RFC 3339 date-time")
        }
        return date
    }

    public func handle(_ message: MQTTMessage, topic: ParsedTopic) async {
        let now = Date()
        let request: Request
        switch Self.parse(message.payload, now: now) {
        case .success(let parsed): request = parsed
        case .failure(let rejection):
            await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: rejection.reason)
            return
        }
        do {
            let outcome = try await runtime.pool.transaction { connection in
                try await Self.store(request, now: now, on: connection)
            }
            switch outcome {
            case .rejected(let reason):
                await runtime.errors.reject(topic: message.topic, payload: message.payload, reason: reason)
            case .duplicate:
                runtime.logger.info("silence already stored", metadata: ["event": "silence_redelivered"])
            case .stored(let id):
                runtime.logger.info("silence stored", metadata: [
                    "event": "silenced", "id": "\(id)", "rule_code": "\(request.ruleCode ?? "")",
                    "target": "\(request.targetType.map { "\($0):\(request.targetID ?? 0)" } ?? "")",
                    "ends_at": "\(RFC3339.format(request.endsAt, in: runtime.configuration.timeZone))"])
            }
        } catch {
            runtime.logger.error("silence not stored", metadata: ["event": "silence_failed", "error": "\(error)"])
        }
    }

    enum Outcome: Sendable, Equatable { case stored(Int64), duplicate, rejected(String) }

    static func store(_ request: Request, now: Date, on connection: PostgresConnection) async throws -> Outcome {
        if let ruleCode = request.ruleCode {
            let rules = try await connection.query("SELECT 1 FROM alert_rules WHERE rule_code = $1", [ruleCode])
            if rules.isEmpty { return .rejected("unknown rule_code '\(ruleCode)'") }
        }
        if let user = request.createdBy {
            let users = try await connection.query("SELECT 1 FROM users WHERE id = $1", [user])
            if users.isEmpty { return .rejected("created_by: user \(user) does not exist") }
        }
        // A request without starts_at starts "now", which differs on redelivery; such a request is the same
        // as a stored one with the same matcher and end that has already started. The lock makes the check
        // and the insert atomic across replicas.
        _ = try await connection.query("SELECT pg_advisory_xact_lock(hashtext('alert_silences'))")
        let rows = try await connection.query(
            """
            INSERT INTO alert_silences (rule_code, target_type, target_id, starts_at, ends_at, created_by, comment,
                                        created_at)
            SELECT $1::text, $2::text, $3::bigint, coalesce($4::timestamptz, $8::timestamptz), $5::timestamptz,
                   $6::bigint, $7::text, $8::timestamptz
             WHERE $4::timestamptz IS NOT NULL OR NOT EXISTS (
                   SELECT 1 FROM alert_silences s
                    WHERE s.rule_code IS NOT DISTINCT FROM $1::text AND s.target_type IS NOT DISTINCT FROM $2::text
                      AND s.target_id IS NOT DISTINCT FROM $3::bigint AND s.ends_at = $5::timestamptz
                      AND s.starts_at <= $8::timestamptz)
            ON CONFLICT DO NOTHING
            RETURNING id
            """,
            [request.ruleCode, request.targetType, request.targetID, request.startsAt, request.endsAt,
             request.createdBy, request.comment, now])
        guard let id = try rows.first?.decode(Int64.self, "id") else { return .duplicate }
        return .stored(id)
    }
}
