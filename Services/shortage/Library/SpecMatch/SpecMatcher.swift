import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// The matcher of the spec (step 5) with the corrections of its gaps 1, 2 and 7.
enum SpecMatcher {
    static func evaluate(_ input: SpecMatchInput, extractor: SpecParameterExtractor) throws -> SpecMatchResult {
        var weighted = Decimal(0), weights = Decimal(0)
        var differences: [(String, PyJSON)] = []
        func add(_ component: Double, _ weight: String) {
            weighted += Decimal(string: "\(component)")! * Decimal(string: weight)!
            weights += Decimal(string: weight)!
        }

        let s = similarity(input.requiredSpec.lowercased(), input.actualSpec.lowercased())
        add(s * 100, "0.5")
        if s < 0.8 {
            differences.append(("specification", .object([
                ("required", .string(input.requiredSpec)), ("actual", .string(input.actualSpec)),
                ("similarity", .raw("\(s)"))])))
        }

        if let required = input.requiredBrand, !required.isEmpty {
            if let actual = input.actualBrand, !actual.isEmpty {
                let same = required.trimmingCharacters(in: .whitespaces).lowercased()
                    == actual.trimmingCharacters(in: .whitespaces).lowercased()
                add(same ? 100 : 0, "0.2")
                if !same { differences.append(("brand", .object([("required", .string(required)), ("actual", .string(actual))]))) }
            } else {
                add(0, "0.2")
                differences.append(("brand", .object([
                    ("required", .string(required)), ("actual", .null), ("missing", .raw("true"))])))
            }
        }
        // Model: neither PO nor BOM lines have a model field, so the component is skipped (gap 2), never 0.

        if !input.parameters.isEmpty {
            let actual = extractor.extract(input.actualSpec)
            var matched = 0
            var parameterDifferences: [(String, PyJSON)] = []
            for p in input.parameters {
                let requiredText = p.v ?? p.j
                let requiredNumber: Decimal? = p.t == "number" ? Decimal(string: p.j)
                    : p.t == "string" ? (plainNumber(requiredText) ?? extractor.normalise(key: p.k, text: requiredText)) : nil
                guard let act = actual[p.k] else {
                    parameterDifferences.append((p.k, .object([("required", .raw(p.j)), ("actual", .null), ("missing", .raw("true"))])))
                    continue
                }
                if let req = requiredNumber {
                    let deviation = abs(req - act.value)
                    if deviation > Decimal(string: "0.01")! {
                        parameterDifferences.append((p.k, .object([
                            ("required", .raw(p.j)), ("actual", .string(act.text)),
                            ("deviation", .raw("\(Double(deviation.description) ?? 0)"))])))
                    }
                    if deviation / max(abs(req), Decimal(string: "0.01")!) <= Decimal(string: "0.05")! { matched += 1; continue }
                } else if requiredText.lowercased() != act.text.lowercased() {
                    parameterDifferences.append((p.k, .object([("required", .raw(p.j)), ("actual", .string(act.text))])))
                }
                if requiredText.lowercased() == act.text.lowercased() { matched += 1 }
            }
            add(Double(matched) / Double(input.parameters.count) * 100, "0.1")
            if !parameterDifferences.isEmpty { differences.append(("parameters", .object(parameterDifferences))) }
        }

        let score = weighted / weights
        let status: String, severity: Int
        if input.actualSpec.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            && !input.requiredSpec.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            (status, severity) = ("UNKNOWN", SpecMatchResult.unknownSeverity)  // specification missing → INFO
        } else if score >= 80 {
            (status, severity) = differences.isEmpty || input.requirementLevel != "STRICT" ? ("MATCHED", 0) : ("MISMATCHED", 2)
        } else {
            (status, severity) = ("MISMATCHED", score < 50 ? 3 : 2)
        }
        return SpecMatchResult(status: status, score: score,
                               differences: differences.isEmpty ? nil : PyJSON.object(differences).text, severity: severity)
    }

    /// A number as Python's `float()` reads it (no units).
    static func plainNumber(_ text: String) -> Decimal? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.range(of: #"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"#, options: .regularExpression) != nil else { return nil }
        return Decimal(string: t)
    }

    /// `difflib.SequenceMatcher(None, a, b).ratio()` over Unicode scalars, autojunk included.
    static func similarity(_ a: String, _ b: String) -> Double {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        guard !a.isEmpty || !b.isEmpty else { return 1.0 }
        var b2j: [Unicode.Scalar: [Int]] = [:]
        for (j, c) in b.enumerated() { b2j[c, default: []].append(j) }
        if b.count >= 200 {
            let limit = b.count / 100 + 1
            for (c, js) in b2j where js.count > limit { b2j[c] = nil }
        }

        func longest(_ alo: Int, _ ahi: Int, _ blo: Int, _ bhi: Int) -> (Int, Int, Int) {
            var (besti, bestj, bestsize) = (alo, blo, 0)
            var j2len: [Int: Int] = [:]
            for i in alo..<ahi {
                var next: [Int: Int] = [:]
                for j in b2j[a[i]] ?? [] {
                    if j < blo { continue }
                    if j >= bhi { break }
                    let k = (j2len[j - 1] ?? 0) + 1
                    next[j] = k
                    if k > bestsize { (besti, bestj, bestsize) = (i - k + 1, j - k + 1, k) }
                }
                j2len = next
            }
            // Popular characters are not junk: the match extends over them, as in difflib.
            while besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1] { besti -= 1; bestj -= 1; bestsize += 1 }
            while besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] == b[bestj + bestsize] { bestsize += 1 }
            return (besti, bestj, bestsize)
        }

        var matches = 0
        var queue = [(0, a.count, 0, b.count)]
        while let (alo, ahi, blo, bhi) = queue.popLast() {
            let (i, j, k) = longest(alo, ahi, blo, bhi)
            guard k > 0 else { continue }
            matches += k
            if alo < i && blo < j { queue.append((alo, i, blo, j)) }
            if i + k < ahi && j + k < bhi { queue.append((i + k, ahi, j + k, bhi)) }
        }
        return 2.0 * Double(matches) / Double(a.count + b.count)
    }
}
