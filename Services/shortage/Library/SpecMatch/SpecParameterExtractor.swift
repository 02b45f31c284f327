import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// Parameter extraction of the spec (step 5.7), case-insensitive, first match per rule, with the corrections
/// of gap 7: unit prefixes normalised to base units (mA, uA → A; mW, kW → W), and a range such as `0-50℃`
/// is no longer read as an accuracy.
struct SpecParameterExtractor {
    struct Pattern {
        let keys: [String]
        let regex: NSRegularExpression
        /// Capture group of a unit prefix (after the number groups), and its factors.
        let prefixGroup: Int?
        let factors: [String: Decimal]
    }

    let rules: [[Pattern]]

    init() {
        let num = #"([0-9]+(?:\.[0-9]+)?)"#, range = #"(-?[0-9]+(?:\.[0-9]+)?)\s*[~\-]\s*([0-9]+(?:\.[0-9]+)?)"#
        let sign = #"(?:±|\+|(?<![0-9.])-)"#
        func p(_ keys: [String], _ pattern: String, prefix: Int? = nil, _ factors: [String: Decimal] = [:]) -> Pattern {
            Pattern(keys: keys, regex: try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive]),
                    prefixGroup: prefix, factors: factors)
        }
        let milli = Decimal(string: "0.001")!, micro = Decimal(string: "0.000001")!
        rules = [
            [p(["voltage"], num + #"\s*V(?:DC|AC)?"#), p(["voltage"], num + #"\s*伏"#)],
            [p(["current"], num + #"\s*([mu])?A"#, prefix: 2, ["m": milli, "u": micro]), p(["current"], num + #"\s*安"#)],
            [p(["accuracy"], sign + num + #"\s*%"#), p(["accuracy"], sign + num + #"\s*℃"#),
             p(["accuracy"], sign + num + #"\s*mm"#), p(["accuracy"], #"精度[：:]\s*[±+\-]?"# + num)],
            [p(["temp_min", "temp_max"], range + #"\s*℃"#), p(["temp_min", "temp_max"], #"温度[：:]\s*"# + range)],
            [p(["power"], num + #"\s*([mk])?W"#, prefix: 2, ["m": milli, "k": 1000]), p(["power"], num + #"\s*瓦"#)],
            [p(["frequency"], num + #"\s*Hz"#), p(["frequency"], num + #"\s*赫兹"#)],
            [p(["length", "width", "height"], num + #"\s*x\s*"# + num + #"\s*x\s*"# + num + #"\s*mm"#),
             p(["diameter"], #"直径[：:]\s*"# + num + #"\s*mm"#)],
        ]
    }

    /// Every parameter found in `text`: its text (the captured number, or the normalised value) and value.
    func extract(_ text: String) -> [String: (text: String, value: Decimal)] {
        var found: [String: (text: String, value: Decimal)] = [:]
        for rule in rules {
            for pattern in rule {
                if let values = match(pattern, text) { for (k, v) in values { found[k] = v }; break }
            }
        }
        return found
    }

    /// A required value written with a unit (`10mA`, `1.5kW`), read with the rules of its key.
    func normalise(key: String, text: String) -> Decimal? {
        for rule in rules where rule.contains(where: { $0.keys.contains(key) }) {
            for pattern in rule where pattern.keys.contains(key) {
                if let value = match(pattern, text)?[key] { return value.value }
            }
        }
        return nil
    }

    private func match(_ pattern: Pattern, _ text: String) -> [String: (text: String, value: Decimal)]? {
        guard let m = pattern.regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        func group(_ n: Int) -> String? { Range(m.range(at: n), in: text).map { String(text[$0]) } }
        let factor = pattern.prefixGroup.flatMap(group).flatMap { pattern.factors[$0.lowercased()] } ?? 1
        var values: [String: (text: String, value: Decimal)] = [:]
        for (index, key) in pattern.keys.enumerated() {
            guard let captured = group(index + 1), let number = Decimal(string: captured) else { return nil }
            values[key] = factor == 1 ? (captured, number) : ((number * factor).description, number * factor)
        }
        return values
    }
}
