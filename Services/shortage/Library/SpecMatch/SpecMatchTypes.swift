import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// One (line, requirement) pair as the pairs table gives it.
struct SpecMatchInput {
    struct Parameter: Decodable { let k: String; let t: String; let v: String?; let j: String }

    let matchType: String, lineID: Int64, projectID: Int64, requirementID: Int64, fingerprint: String
    let actualSpec: String, actualBrand: String?
    let requiredSpec: String, requiredBrand: String?, requirementLevel: String
    let parameters: [Parameter]

    init(row: PostgresRow) throws {
        matchType = try row.decode(String.self, "match_type")
        lineID = try row.decode(Int64.self, "line_id")
        projectID = try row.decode(Int64.self, "project_id")
        requirementID = try row.decode(Int64.self, "req_id")
        fingerprint = try row.decode(String.self, "fingerprint")
        actualSpec = try row.decode(String.self, "spec")
        actualBrand = try row.decode(String?.self, "brand")
        requiredSpec = try row.decode(String.self, "req_spec")
        requiredBrand = try row.decode(String?.self, "req_brand")
        requirementLevel = try row.decode(String.self, "req_level")
        // A key_parameters value that is not an object is a bad row (logged and skipped), not {} silently.
        if let type = try row.decode(String?.self, "params_type"), type != "object" {
            throw JobFailure("key_parameters of requirement \(requirementID) is a JSON \(type), not an object")
        }
        let text = try row.decode(String?.self, "params") ?? "[]"
        parameters = try JSONDecoder().decode([Parameter].self, from: Data(text.utf8))
    }
}

struct SpecMatchResult {
    static let unknownSeverity = 1, warningSeverity = 2
    let status: String
    /// Unrounded; the database rounds it to numeric(5,2).
    let score: Decimal
    let differences: String?
    /// For the line's worst result: MATCHED 0, UNKNOWN 1, MISMATCHED 2 (≥ 80 or 50–80) or 3 (< 50).
    let severity: Int

    func recordJSON(_ input: SpecMatchInput) -> String {
        PyJSON.object([
            ("match_type", .string(input.matchType)), ("line_id", .raw(String(input.lineID))),
            ("project_id", .raw(String(input.projectID))), ("req_id", .raw(String(input.requirementID))),
            ("status", .string(status)), ("score", .raw(score.description)),
            ("differences", differences.map(PyJSON.raw) ?? .null), ("fingerprint", .string(input.fingerprint)),
        ]).text
    }
}
