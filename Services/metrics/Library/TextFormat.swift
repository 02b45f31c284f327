import Foundation
import PMSBus

/// HTML escaping for text and attribute values.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Durations for people: `850 ms`, `12.3 s`, `4 min 05 s`.
public enum DurationText {
    public static func format(ms: Double) -> String {
        if ms < 1000 { return "\(Int(ms.rounded())) ms" }
        let tenths = Int((ms / 100).rounded())
        if tenths < 600 { return "\(tenths / 10).\(tenths % 10) s" }
        let seconds = Int((ms / 1000).rounded())
        let rest = seconds % 60
        return "\(seconds / 60) min \(rest < 10 ? "0" : "")\(rest) s"
    }
}

/// Wall-clock times in a zone: `2026-01-09 07:00` (minutes) or `2026-01-09 07:00:05` (seconds).
public enum LocalTime {
    public static func minutes(_ date: Date, in zone: TimeZone) -> String { String(seconds(date, in: zone).prefix(16)) }

    public static func seconds(_ date: Date, in zone: TimeZone) -> String {
        // RFC3339.format gives `2026-01-09T07:00:05[.mmm]+08:00`.
        String(RFC3339.format(date, in: zone).prefix(19)).replacingOccurrences(of: "T", with: " ")
    }
}
