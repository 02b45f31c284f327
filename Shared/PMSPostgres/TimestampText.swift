import Foundation

/// Converts between `Date` and PostgreSQL timestamp text.
enum TimestampText {
    /// ISO 8601 in UTC with milliseconds, e.g. "2026-01-09T01:00:00.000Z" (what we bind for timestamptz).
    static func format(_ date: Date) -> String {
        let scaledMillis = (date.timeIntervalSince1970 * 1000).rounded()
        // Beyond PostgreSQL's range (and Int's); also keeps a NaN from trapping.
        guard scaledMillis.magnitude < 9e15 else { return scaledMillis > 0 ? "infinity" : "-infinity" }
        let totalMillis = Int(scaledMillis)
        let millisPerDay = 86_400_000
        var days = totalMillis / millisPerDay
        var millisOfDay = totalMillis % millisPerDay
        if millisOfDay < 0 {
            millisOfDay += millisPerDay
            days -= 1
        }
        let (year, month, day) = CivilCalendar.civilFromDays(days)
        let pad = CivilCalendar.pad
        let hour = millisOfDay / 3_600_000
        let minute = millisOfDay / 60_000 % 60
        let second = millisOfDay / 1000 % 60
        let millis = millisOfDay % 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(millis, 3))Z"
    }

    /// Parses "YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]|Z][ BC]", also with "T" as separator and
    /// "infinity"/"-infinity". Without an offset the time is taken as UTC (timestamp without time zone).
    static func parse(_ text: String) -> Date? {
        if text == "infinity" { return .distantFuture }
        if text == "-infinity" { return .distantPast }
        var scanner = TextScanner(text)
        guard let datePart = scanner.scanDate() else { return nil }
        guard scanner.skip(" ") || scanner.skip("T") else { return nil }
        guard let hour = scanner.scanDigits(exactly: 2), scanner.skip(":"),
              let minute = scanner.scanDigits(exactly: 2), scanner.skip(":"),
              let second = scanner.scanDigits(exactly: 2),
              hour <= 24, minute < 60, second < 61
        else { return nil }
        var fraction = 0.0
        if scanner.skip(".") {
            guard let digits = scanner.scanDigitString(), digits.count <= 9 else { return nil }
            fraction = Double("0." + digits) ?? 0
        }
        var offsetSeconds = 0
        if scanner.skip("Z") {
            offsetSeconds = 0
        } else if let sign = scanner.scanSign() {
            guard let offsetHours = scanner.scanDigits(exactly: 2) else { return nil }
            var offset = offsetHours * 3600
            if scanner.skip(":") {
                guard let offsetMinutes = scanner.scanDigits(exactly: 2) else { return nil }
                offset += offsetMinutes * 60
                if scanner.skip(":") {
                    guard let offsetSecs = scanner.scanDigits(exactly: 2) else { return nil }
                    offset += offsetSecs
                }
            }
            offsetSeconds = sign * offset
        }
        var year = datePart.year
        if scanner.skip(" BC") { year = 1 - year }
        guard scanner.isAtEnd else { return nil }
        let days = CivilCalendar.daysFromCivil(year: year, month: datePart.month, day: datePart.day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}

/// Minimal forward-only scanner over UTF-8 bytes for the fixed date/time formats above.
struct TextScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var isAtEnd: Bool { index == bytes.count }

    mutating func skip(_ literal: String) -> Bool {
        let literalBytes = Array(literal.utf8)
        guard index + literalBytes.count <= bytes.count,
              Array(bytes[index..<index + literalBytes.count]) == literalBytes
        else { return false }
        index += literalBytes.count
        return true
    }

    mutating func scanSign() -> Int? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }

    mutating func scanDigitString() -> String? {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }

    mutating func scanDigits(exactly count: Int) -> Int? {
        let start = index
        guard let digits = scanDigitString(), digits.count == count else {
            index = start
            return nil
        }
        return Int(digits)
    }

    /// "YYYY-MM-DD" with four or more year digits; validates the day of month.
    mutating func scanDate() -> (year: Int, month: Int, day: Int)? {
        guard let yearDigits = scanDigitString(), yearDigits.count >= 4, let year = Int(yearDigits),
              skip("-"), let month = scanDigits(exactly: 2), skip("-"), let day = scanDigits(exactly: 2),
              CivilCalendar.isValid(year: year, month: month, day: day)
        else { return nil }
        return (year, month, day)
    }
}
