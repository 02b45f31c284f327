import Foundation
import PMSBus
import PMSPostgres

/// A row of `alert_rules`, looked up by code whatever its `is_enabled` (spec C2, corrected).
public struct AlertRule: Sendable, Equatable {
    public let id: Int64
    public let code: String
    public let name: String
    public let prefix: String
    public let domain: Domain
    public let isEnabled: Bool
    public let thresholdValue: String?

    /// Throws "rule missing" when no row has the code (migrations seed all 16).
    public static func load(code: String, on connection: PostgresConnection) async throws -> AlertRule {
        let rows = try await connection.query(
            """
            SELECT id, rule_code, rule_name, alert_no_prefix, domain, is_enabled, threshold_value
              FROM alert_rules WHERE rule_code = $1
            """, [code])
        guard let row = rows.first else { throw JobFailure.ruleMissing(code) }
        let domainText = try row.decode(String.self, "domain")
        guard let domain = Domain(rawValue: domainText) else {
            throw JobFailure("alert rule \(code) has unknown domain '\(domainText)'")
        }
        return AlertRule(
            id: try row.decode(Int64.self, "id"), code: code, name: try row.decode(String.self, "rule_name"),
            prefix: try row.decode(String.self, "alert_no_prefix"), domain: domain,
            isEnabled: try row.decode(Bool.self, "is_enabled"),
            thresholdValue: try row.decode(String?.self, "threshold_value"))
    }
}
