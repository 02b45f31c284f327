/// The five positions of a cron expression, with their value ranges and accepted names.
enum CronFieldKind: Int, CaseIterable, Sendable {
    case minute, hour, dayOfMonth, month, dayOfWeek

    var label: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// Day-of-week accepts 7 as a second spelling of Sunday; it is folded to 0 when stored.
    var range: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    var names: [String] {
        switch self {
        case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        default: []
        }
    }

    /// Value of the first name (JAN = 1, SUN = 0).
    var firstNameValue: Int { self == .month ? 1 : 0 }
}

/// One parsed field: the set of matching values as a bit set (bit n = value n).
struct CronField: Sendable, Equatable {
    let bits: UInt64
    /// Vixie cron's rule: a field written starting with `*` (`*`, `*/n`) counts as unrestricted when
    /// day-of-month and day-of-week are combined.
    let isRestricted: Bool

    func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && bits & (1 << UInt64(value)) != 0
    }

    /// The smallest member ≥ `value`, or nil.
    func next(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let remaining = bits & ~((UInt64(1) << UInt64(max(value, 0))) - 1)
        return remaining == 0 ? nil : remaining.trailingZeroBitCount
    }

    init(_ text: String, kind: CronFieldKind) throws(CronParseError) {
        func fail(_ reason: String) -> CronParseError {
            CronParseError("\(kind.label) field \"\(text)\": \(reason)")
        }
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw fail("empty list item") }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw fail("more than one \"/\" in \"\(item)\"") }
            var step = 1
            if parts.count == 2 {
                guard let n = Self.number(parts[1]), n >= 1 else {
                    throw fail("bad step \"\(parts[1])\" (a whole number ≥ 1 is expected)")
                }
                step = n
            }
            let base = parts[0]
            let low: Int, high: Int
            if base == "*" {
                (low, high) = (kind.range.lowerBound, kind.range.upperBound)
            } else {
                let ends = base.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2 else { throw fail("bad range \"\(base)\"") }
                low = try Self.value(ends[0], kind: kind, fail: fail)
                high = ends.count == 2 ? try Self.value(ends[1], kind: kind, fail: fail) : low
                guard low <= high else { throw fail("range \"\(base)\" runs backwards") }
                if parts.count == 2 && ends.count == 1 {
                    throw fail("a step needs \"*\" or a range before it, not \"\(base)\"")
                }
            }
            for value in stride(from: low, through: high, by: step) {
                // Sunday written as 7 is stored as 0.
                let stored = kind == .dayOfWeek && value == 7 ? 0 : value
                bits |= 1 << UInt64(stored)
            }
        }
        self.bits = bits
        self.isRestricted = !text.hasPrefix("*")
    }

    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 4, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    private static func value(
        _ text: Substring, kind: CronFieldKind, fail: (String) -> CronParseError
    ) throws(CronParseError) -> Int {
        if let n = number(text) {
            guard kind.range.contains(n) else {
                throw fail("value \(n) is out of range \(kind.range.lowerBound)-\(kind.range.upperBound)")
            }
            return n
        }
        if let index = kind.names.firstIndex(of: text.uppercased()) {
            return kind.firstNameValue + index
        }
        throw fail("\"\(text)\" is not a number\(kind.names.isEmpty ? "" : " or a name")")
    }
}
