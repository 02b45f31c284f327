import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 每日规格匹配检查, daily 09:00 (corrected): every PO line (approved/ordered/partly received orders) and every
/// line of the latest APPROVED/RELEASED BOMs of active projects is matched against each applicable technical
/// spec requirement (coded ones first; a NULL-code one only by name when no coded one exists). One current
/// `spec_match_records` row per (line, requirement), re-evaluated only when its fingerprint changes (the old
/// row is superseded). MISMATCHED < 50 → CRITICAL, 50–80 (or STRICT with differences) → WARNING, empty actual
/// spec → UNKNOWN with an INFO alert. An alert follows its (line, requirement) across re-evaluations, so its
/// level rises in place; it resolves once the pair matches or leaves scope. Recipients: PM, PO creator, QA_MGR.
public struct DailySpecMatchCheck: Job {
    public let id = "daily_spec_match_check"
    public var roleCodes = ["QA_MGR"]

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let db = context.connection
        let rule = try await AlertRule.load(code: "SPEC_MISMATCH", on: db)
        guard rule.isEnabled else { return RunResult(note: "rule disabled") }
        // One run at a time: two runs inserting the same current record would collide on the unique index.
        try await db.query("SELECT pg_advisory_xact_lock($1)", [advisoryLockKey("job:" + id)])

        try await db.executeScript(SpecMatchSQL.pairs)
        let scope = try await db.query(SpecMatchSQL.scopeCounts).first
        let rows = try await db.query(SpecMatchSQL.toEvaluate)

        // The matcher needs Python-compatible string similarity, so it runs here; everything else is SQL.
        let extractor = SpecParameterExtractor()
        var records: [String] = []
        var lineWorst: [String: Int] = [:]
        var badRows = 0
        for row in rows {
            let line = "\(row["match_type"] ?? "")#\(row["line_id"] ?? "")"
            do {
                let input = try SpecMatchInput(row: row)
                let result = try SpecMatcher.evaluate(input, extractor: extractor)
                records.append(result.recordJSON(input))
                lineWorst[line] = max(lineWorst[line] ?? 0, result.severity)
            } catch {
                badRows += 1
                context.logger.warning("spec match skipped a bad row", metadata: [
                    "line": "\(line)", "requirement": "\(row["req_id"] ?? "")", "error": "\(error)"])
            }
        }

        if !records.isEmpty {
            let payload = PostgresJSON("[" + records.joined(separator: ",") + "]")
            try await db.execute(SpecMatchSQL.supersede, [payload, context.now])
            try await db.execute(SpecMatchSQL.insertRecords, [payload, context.now])
            try await db.execute(SpecMatchSQL.carryAlerts, [rule.id, context.now, rule.code])
        }

        let writer = AlertWriter(rule: rule, roleCodes: roleCodes, resolveText: "AUTO: condition cleared")
        let outcome = try await writer.apply(
            candidatesSQL: SpecMatchSQL.candidates, parameters: [rule.thresholdValue ?? "80"], in: context)
        try await db.execute(SpecMatchSQL.linkAlerts, [rule.id, context.now])

        let noRequirement = try scope?.decode(Int.self, "no_requirement") ?? 0
        let mismatchedLines = lineWorst.values.filter { $0 >= SpecMatchResult.warningSeverity }.count
        return RunResult(
            checked: lineWorst.count + noRequirement, created: outcome.created, updated: outcome.refreshed,
            resolved: outcome.resolved, notified: outcome.recipients, skipped: outcome.suppressed + badRows,
            details: [
                "lines_in_scope": .number(Double(try scope?.decode(Int.self, "lines") ?? 0)),
                "lines_without_requirement": .number(Double(noRequirement)),
                "records_written": .number(Double(records.count)),
                "mismatched": .number(Double(mismatchedLines)),
                "unknown": .number(Double(lineWorst.values.filter { $0 == SpecMatchResult.unknownSeverity }.count)),
                "bad_rows": .number(Double(badRows)),
                "levels_raised": .number(Double(outcome.levelRaised)),
            ])
    }
}
