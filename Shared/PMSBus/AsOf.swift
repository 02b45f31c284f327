import Foundation

/// The `params.as_of` of a trigger or tick: the moment a run behaves as of.
public enum AsOf {
    /// Accepts an RFC 3339 time with offset, a local date-time `YYYY-MM-DDTHH:MM[:SS]` in `timeZone`,
    /// or a bare date `YYYY-MM-DD`, meaning 09:00 that day in `timeZone`.
    public static func parse(_ text: String, timeZone: TimeZone) throws(BusDecodingError) -> Date {
        if let instant = RFC3339.parse(text) { return instant }
        if let day = CivilDate(text) { return localTime(day, hour: 9, minute: 0, second: 0, in: timeZone) }
        let parts = text.split(separator: "T", maxSplits: 1).map(String.init)
        if parts.count == 2, let day = CivilDate(parts[0]) {
            let clock = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            if (clock.count == 2 || clock.count == 3), !clock.contains(where: { $0 == nil }),
               parts[1].split(separator: ":").allSatisfy({ $0.count == 2 }) {
                let h = clock[0]!, m = clock[1]!, s = clock.count == 3 ? clock[2]! : 0
                if h < 24, m < 60, s < 60 { return localTime(day, hour: h, minute: m, second: s, in: timeZone) }
            }
        }
        throw BusDecodingError(reason: "field 'params.as_of': expected YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or an RFC 3339 time, got '\(text)'")
    }

    /// The instant of a wall-clock time in a zone (a time skipped by DST moves forward, as Foundation does).
    public static func localTime(_ day: CivilDate, hour: Int, minute: Int, second: Int, in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(year: day.year, month: day.month, day: day.day, hour: hour, minute: minute, second: second)
        return calendar.date(from: components)!
    }
}
