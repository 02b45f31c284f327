import Foundation

/// JSON encoding and strict decoding of bus payloads. Decoding errors say which field is wrong and why,
/// so they can be published on `pms/v1/errors/<service>` as they are.
public enum BusCoding {
    public static func encoder(timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date, in: timeZone))
        }
        return encoder
    }

    public static func encode<T: Encodable>(_ value: T, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws -> [UInt8] {
        Array(try encoder(timeZone: timeZone).encode(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(BusDecodingError) -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected an RFC 3339 date-time with offset, got '\(text)'")
            }
            return date
        }
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw BusDecodingError(describing: error)
        } catch {
            throw BusDecodingError(reason: "\(error)")
        }
    }
}

/// Why a payload was rejected, in words an operator can act on.
public struct BusDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    public let reason: String
    public var description: String { reason }

    public init(reason: String) { self.reason = reason }

    init(describing error: DecodingError) {
        func path(_ keys: [CodingKey]) -> String {
            keys.isEmpty ? "payload" : "field '" + keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            reason = "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(let type, let context):
            reason = "\(path(context.codingPath)): expected \(Self.name(of: type))"
        case .valueNotFound(let type, let context):
            reason = "\(path(context.codingPath)): expected \(Self.name(of: type)), got null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                reason = "not valid JSON" + (context.underlyingError.map { ": \(Self.shortText($0))" } ?? "")
            } else {
                reason = "\(path(context.codingPath)): \(context.debugDescription)"
            }
        @unknown default:
            reason = "\(error)"
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let text = String(describing: type)
            if text.hasPrefix("Dictionary") { return "an object" }
            if text.hasPrefix("Array") { return "an array" }
            return "a value of type \(text)"
        }
    }

    private static func shortText(_ error: Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        return String(text.prefix(160))
    }
}
