import Foundation
import PMSBus

/// Why a bus request is refused; the text is the `reason` of the error event.
struct RequestRejection: Error, Sendable, Equatable, CustomStringConvertible {
    let reason: String
    init(_ reason: String) { self.reason = reason }
    var description: String { reason }
}

/// The top-level fields of a JSON request, read strictly: unknown fields and wrong types are refused by name.
/// Read through JSONValue so `true` or `12.5` are never taken for an integer.
struct BusRequestFields: Sendable {
    let values: [String: JSONValue]

    init(_ payload: [UInt8], allowed: Set<String>) throws {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(payload))
        } catch {
            throw RequestRejection("malformed JSON: the payload is not valid JSON")
        }
        guard case .object(let object) = value else {
            throw RequestRejection("malformed JSON: the payload must be a JSON object")
        }
        if let unknown = object.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw RequestRejection("unknown field '\(unknown)'")
        }
        values = object
    }

    /// nil when absent or null.
    func positiveInteger(_ name: String) throws -> Int64? {
        switch values[name] {
        case nil, .null?: return nil
        case .number(let number)? where number.rounded() == number && number >= 1 && number < 9e15:
            return Int64(number)
        default: throw RequestRejection("\(name) must be a positive integer")
        }
    }

    /// nil when absent or null.
    func string(_ name: String) throws -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw RequestRejection("\(name) must be a string")
        }
    }
}
