import Foundation

/// Why a cron text was rejected; the message names the field and the offending value.
public struct CronParseError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// A 5-field cron expression in the catalog syntax: `minute hour day-of-month month day-of-week`.
///
/// Each field is `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those.
/// Months accept JAN–DEC and days SUN–SAT (any case); day-of-week 0 and 7 are both Sunday. As in Vixie
/// cron, when day-of-month and day-of-week are both restricted (neither starts with `*`) a day matches if
/// either does; otherwise both must. `@hourly`, `@daily`/`@midnight`, `@weekly`, `@monthly` and
/// `@yearly`/`@annually` are accepted as shorthands. Fire times are computed in a caller-given time zone
/// (see `nextFireDate(after:in:)` for the daylight-saving rules).
///
/// Equality compares the parsed fields, so `0 7 * * 0` equals `0 7 * * SUN`.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    let minutes: CronField
    let hours: CronField
    let daysOfMonth: CronField
    let months: CronField
    let daysOfWeek: CronField
    /// The five fields joined by single spaces, names upper-cased (shorthands expanded).
    public let description: String

    private static let shorthands: [String: String] = [
        "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
    ]

    public init(_ text: String) throws(CronParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let expanded = Self.shorthands[trimmed.lowercased()] ?? trimmed
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == CronFieldKind.allCases.count else {
            throw CronParseError(
                "expected 5 fields (minute hour day-of-month month day-of-week), got \(fields.count) in \"\(text)\""
            )
        }
        minutes = try CronField(fields[0], kind: .minute)
        hours = try CronField(fields[1], kind: .hour)
        daysOfMonth = try CronField(fields[2], kind: .dayOfMonth)
        months = try CronField(fields[3], kind: .month)
        daysOfWeek = try CronField(fields[4], kind: .dayOfWeek)
        description = fields.joined(separator: " ").uppercased()
    }

    public static func == (lhs: CronExpression, rhs: CronExpression) -> Bool {
        lhs.minutes == rhs.minutes && lhs.hours == rhs.hours && lhs.daysOfMonth == rhs.daysOfMonth
            && lhs.months == rhs.months && lhs.daysOfWeek == rhs.daysOfWeek
    }

    /// Whether a calendar day is selected by the day-of-month / day-of-week pair (Vixie rule).
    func matchesDay(year: Int, month: Int, day: Int) -> Bool {
        let domMatches = daysOfMonth.contains(day)
        let dowMatches = daysOfWeek.contains(CivilTime.weekday(year: year, month: month, day: day))
        if daysOfMonth.isRestricted && daysOfWeek.isRestricted {
            return domMatches || dowMatches
        }
        return domMatches && dowMatches
    }
}
