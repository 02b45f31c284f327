import Foundation
import PMSCatalog

/// An instant from RFC 3339 text with an explicit offset, e.g. "2026-01-09T07:00:00+08:00".
func at(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    guard let date = formatter.date(from: text) else { fatalError("bad test date \(text)") }
    return date
}

func zone(_ identifier: String) -> TimeZone {
    guard let zone = TimeZone(identifier: identifier) else { fatalError("unknown zone \(identifier)") }
    return zone
}

let shanghai = zone("Asia/Shanghai")
let newYork = zone("America/New_York")
let berlin = zone("Europe/Berlin")

/// `cron`'s next fire time after `text`, for terse assertions.
func next(_ cron: String, after text: String, in timeZone: TimeZone = shanghai) throws -> Date? {
    try CronExpression(cron).nextFireDate(after: at(text), in: timeZone)
}

func fires(_ cron: String, from start: String, through end: String, in timeZone: TimeZone = shanghai) throws -> [Date] {
    try CronExpression(cron).fireDates(from: at(start), through: at(end), in: timeZone)
}

/// "HH:mm" wall times of `dates` in `timeZone`.
func wallTimes(_ dates: [Date], in timeZone: TimeZone) -> [String] {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = timeZone
    formatter.dateFormat = "HH:mm"
    return dates.map { formatter.string(from: $0) }
}
