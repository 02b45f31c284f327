import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// JSON written the way the original's values print: keys in insertion order, floats as Python `repr`
/// (`12.0`), and raw JSON kept verbatim (numbers of `key_parameters` keep their text).
indirect enum PyJSON {
    case null
    case string(String)
    case raw(String)
    case object([(String, PyJSON)])

    var text: String {
        switch self {
        case .null: return "null"
        case .raw(let raw): return raw
        case .string(let s): return Self.quote(s)
        case .object(let pairs): return "{" + pairs.map { Self.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
