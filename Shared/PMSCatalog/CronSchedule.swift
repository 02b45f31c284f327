import Foundation

extension CronExpression {
    /// How far ahead `nextFireDate` looks before giving up: 8 years is the longest gap between two
    /// February 29ths (2096 → 2104), so any expression that can fire at all fires within it.
    public static let searchHorizonYears = 8

    /// Default cap on the number of dates `fireDates(from:through:in:)` returns.
    public static let fireDateLimit = 10_000

    /// The first fire time strictly after `date`, or nil if none within `searchHorizonYears`
    /// (an impossible expression such as `0 0 31 2 *`).
    ///
    /// Slots are wall-clock minutes in `timeZone`, fired at second 0. Daylight-saving rules:
    /// - a slot that does not exist (the hour skipped when clocks spring forward) is not fired that
    ///   day — it is not moved to the next valid minute;
    /// - a slot that occurs twice (the hour repeated when clocks fall back) fires once, at its first
    ///   (daylight-time) occurrence. So an hourly job fires 23 times on a spring-forward day and 24 on a
    ///   fall-back day, and a minutely job is silent during the repeated hour's second pass.
    /// A daily job keeps its local time across transitions; only its UTC offset changes.
    public func nextFireDate(after date: Date, in timeZone: TimeZone) -> Date? {
        let after = date.timeIntervalSince1970
        // Start at the minute containing `date`: it may still be ahead of `date` in absolute time when
        // `date` lies in the second pass of a repeated hour, and the `> after` test sorts that out.
        var cursor = CivilTime(date, in: timeZone)
        let lastYear = cursor.year + Self.searchHorizonYears
        while let slot = nextSlot(onOrAfter: cursor, throughYear: lastYear) {
            if let instant = Self.firstInstant(of: slot, in: timeZone), TimeInterval(instant) > after {
                return Date(timeIntervalSince1970: TimeInterval(instant))
            }
            cursor = CivilTime(localSeconds: slot.localSeconds + 60)
        }
        return nil
    }

    /// Every fire time `d` with `start < d <= end`, oldest first, at most `fireDateLimit` of them.
    public func fireDates(from start: Date, through end: Date, in timeZone: TimeZone) -> [Date] {
        fireDates(from: start, through: end, in: timeZone, limit: Self.fireDateLimit)
    }

    /// Every fire time `d` with `start < d <= end`, oldest first, at most `limit` of them.
    public func fireDates(from start: Date, through end: Date, in timeZone: TimeZone, limit: Int) -> [Date] {
        var dates: [Date] = []
        var cursor = start
        while dates.count < limit, let next = nextFireDate(after: cursor, in: timeZone), next <= end {
            dates.append(next)
            cursor = next
        }
        return dates
    }

    /// The first matching wall-clock minute at or after `start`, ignoring time zones. Skips whole
    /// months, days and hours that cannot match instead of stepping minute by minute.
    func nextSlot(onOrAfter start: CivilTime, throughYear lastYear: Int) -> CivilTime? {
        var t = start
        while t.year <= lastYear {
            guard let month = months.next(atOrAfter: t.month) else {
                t = CivilTime(year: t.year + 1, month: 1, day: 1, hour: 0, minute: 0)
                continue
            }
            if month != t.month {
                t = CivilTime(year: t.year, month: month, day: 1, hour: 0, minute: 0)
            }
            guard t.day <= CivilTime.daysInMonth(year: t.year, month: t.month) else {
                t = CivilTime(year: t.year, month: t.month + 1, day: 1, hour: 0, minute: 0)
                continue
            }
            guard matchesDay(year: t.year, month: t.month, day: t.day) else {
                t = CivilTime(year: t.year, month: t.month, day: t.day + 1, hour: 0, minute: 0)
                continue
            }
            guard let hour = hours.next(atOrAfter: t.hour) else {
                t = CivilTime(year: t.year, month: t.month, day: t.day + 1, hour: 0, minute: 0)
                continue
            }
            if hour != t.hour {
                t.hour = hour
                t.minute = 0
            }
            guard let minute = minutes.next(atOrAfter: t.minute) else {
                // Hour 24 is resolved by the next pass: no hour matches, so the day advances.
                t.hour += 1
                t.minute = 0
                continue
            }
            t.minute = minute
            return t
        }
        return nil
    }

    /// Seconds since 1970 of the first instant whose wall time in `timeZone` is `wall`; nil when that
    /// wall time is skipped by a transition.
    static func firstInstant(of wall: CivilTime, in timeZone: TimeZone) -> Int? {
        let local = wall.localSeconds
        func offset(at seconds: Int) -> Int {
            timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        }
        // The true instant lies within ±14 h of `local`; probing a day either side collects every offset
        // in force around it (zones do not change offset twice within two days).
        var offsets: [Int] = []
        for probe in [local - 86_400, local, local + 86_400] {
            let probed = offset(at: probe)
            if !offsets.contains(probed) { offsets.append(probed) }
        }
        return offsets.map { local - $0 }.filter { $0 + offset(at: $0) == local }.min()
    }
}
