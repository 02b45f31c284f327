import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 月度工时成本计算, monthly day 1 02:00. Corrected behaviour (services-receivables-cost.md, DECISIONS "Labour cost"):
/// - period: the month before the run's day D AND the month before that (late approvals); a manual run with
///   `params.year` + `params.month` recomputes that one month only;
/// - APPROVED timesheets with a project (R&D rows without one are ignored) of active, non-archived projects
///   (general rule; rows of other projects are counted as `skipped` and their ledger is left alone);
/// - hourly rate per timesheet work_date: USER → highest of the user's active ROLE rates → DEPT of
///   `timesheet.department_id` → DEFAULT → `fallbackRate` (100.00); within one tier the latest effective_date wins;
/// - one `project_costs` row per (project, user, month) upserted on `uq_project_costs_labor_month`, amount =
///   Σ hours × rate exact, rounded half-up once; unchanged rows are not rewritten; that month's labour rows whose
///   (project, user) lost its approved hours are deleted; other months and other cost rows are never touched;
/// - `projects.actual_cost` = Σ `project_costs.amount` of every touched project, written only on change.
/// No alerts, no notifications. Money stays numeric in SQL.
public struct CalculateMonthlyLaborCost: Job {
    public let id = "calculate_monthly_labor_cost"
    /// The last tier of the rate lookup (CNY per hour), used when no config matches.
    public let fallbackRate: Decimal

    public init(fallbackRate: Decimal = Decimal(100)) { self.fallbackRate = fallbackRate }

    /// A costed month: its first and last day.
    struct Month: Equatable {
        let year: Int, month: Int
        var first: CivilDate { CivilDate(year: year, month: month, day: 1) }
        var last: CivilDate { CivilDate(year: year, month: month, day: CivilDate.daysIn(month: month, year: year)) }
        var previous: Month { month == 1 ? Month(year: year - 1, month: 12) : Month(year: year, month: month - 1) }
        var label: String { String(first.description.prefix(7)) }
    }

    public func run(in context: JobContext) async throws -> RunResult {
        let months = try Self.months(params: context.tick.params, today: context.today)
        let db = context.connection
        // One run at a time (a manual re-run may meet the monthly one): the ledger rows and actual_cost of a
        // project are then computed from one consistent state.
        try await db.query("SELECT pg_advisory_xact_lock($1)", [advisoryLockKey("job:" + id)])
        // months are contiguous, newest first: one range covers them
        let start = months.last!.first.description, end = months.first!.last.description
        guard let row = try await db.query(Self.upsertSQL, [start, end, context.now, fallbackRate]).first else {
            throw JobFailure("labour cost upsert returned no row")
        }
        let touched = try row.decode(String.self, "touched")
        guard let totals = try await db.query(Self.actualCostSQL, [touched, context.now]).first else {
            throw JobFailure("actual cost update returned no row")
        }
        let checked = try row.decode(Int.self, "checked")
        let costed = try row.decode(Int.self, "costed")
        return RunResult(
            checked: checked, created: try row.decode(Int.self, "created"), updated: try row.decode(Int.self, "updated"),
            resolved: 0, skipped: checked - costed,
            details: [
                "months": .array(months.map { .string($0.label) }),
                "cost_rows": .number(Double(try row.decode(Int.self, "cost_rows"))),
                "unchanged": .number(Double(try row.decode(Int.self, "unchanged"))),
                "deleted": .number(Double(try row.decode(Int.self, "deleted"))),
                "projects_touched": .number(Double(try row.decode(Int.self, "projects"))),
                "actual_cost_updated": .number(Double(try totals.decode(Int.self, "updated"))),
            ])
    }

    /// The months of a run: `params.year` + `params.month` (numbers or numeric strings) → that month; neither →
    /// the month before D and the one before it. Anything else fails the run with the reason.
    static func months(params: [String: JSONValue]?, today: CivilDate) throws -> [Month] {
        let year = try integer(params?["year"], name: "year", range: 1970...9999)
        let month = try integer(params?["month"], name: "month", range: 1...12)
        switch (year, month) {
        case let (year?, month?):
            return [Month(year: year, month: month)]
        case (nil, nil):
            let previous = Month(year: today.year, month: today.month).previous
            return [previous, previous.previous]
        case (_?, nil):
            throw JobFailure("params.month: missing (a manual re-run gives params.year and params.month)")
        case (nil, _?):
            throw JobFailure("params.year: missing (a manual re-run gives params.year and params.month)")
        }
    }

    static func integer(_ value: JSONValue?, name: String, range: ClosedRange<Int>) throws -> Int? {
        let expected = "params.\(name): expected \(range.lowerBound)..\(range.upperBound)"
        switch value {
        case nil, .null?:
            return nil
        case .number(let number)?:
            guard number.rounded() == number, abs(number) < 1e9 else { throw JobFailure("\(expected), got \(number)") }
            guard range.contains(Int(number)) else { throw JobFailure("\(expected), got \(Int(number))") }
            return Int(number)
        case .string(let text)?:
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let number = Int(trimmed), range.contains(number) else { throw JobFailure("\(expected), got '\(text)'") }
            return number
        case let other?:
            throw JobFailure("\(expected), got \(other)")
        }
    }
}
