import Foundation

/// A calendar date (PostgreSQL `date`), kept apart from `Date` so no time zone can shift the day.
public struct PostgresDate: PostgresDecodable, PostgresBindable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// The components are not checked; use `init?(_ text:)` or `isValid` for untrusted input.
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses "YYYY-MM-DD"; nil when malformed or not a real day.
    public init?(_ text: String) {
        var scanner = TextScanner(text)
        guard let parts = scanner.scanDate(), scanner.isAtEnd else { return nil }
        self.init(year: parts.year, month: parts.month, day: parts.day)
    }

    /// The UTC calendar day that contains `date`.
    public init(utcDayOf date: Date) {
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        let parts = CivilCalendar.civilFromDays(days)
        self.init(year: parts.year, month: parts.month, day: parts.day)
    }

    public init(postgresText: String) throws {
        guard let value = PostgresDate(postgresText) else {
            throw PostgresError.cannotDecode(postgresText, as: PostgresDate.self)
        }
        self = value
    }

    public var isValid: Bool { CivilCalendar.isValid(year: year, month: month, day: day) }

    /// 00:00 UTC of this day.
    public var startOfDayUTC: Date {
        Date(timeIntervalSince1970: Double(CivilCalendar.daysFromCivil(year: year, month: month, day: day) * 86_400))
    }

    /// The day `count` days later (earlier when negative).
    public func adding(days count: Int) -> PostgresDate {
        let parts = CivilCalendar.civilFromDays(CivilCalendar.daysFromCivil(year: year, month: month, day: day) + count)
        return PostgresDate(year: parts.year, month: parts.month, day: parts.day)
    }

    public var description: String {
        "\(CivilCalendar.pad(year, 4))-\(CivilCalendar.pad(month, 2))-\(CivilCalendar.pad(day, 2))"
    }

    public var postgresText: String? { description }

    public static func < (lhs: PostgresDate, rhs: PostgresDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}
