import Foundation

/// JSON text bound as a parameter (cast it in SQL: `$1::jsonb`) or read from a json/jsonb column.
public struct PostgresJSON: PostgresBindable, PostgresDecodable, Hashable {
    public let text: String

    public init(_ text: String) { self.text = text }

    public init(postgresText: String) throws { self.text = postgresText }

    /// Encodes `value`; the default encoder sorts keys and writes dates as ISO 8601.
    public init<T: Encodable>(encoding value: T, encoder: JSONEncoder = PostgresJSON.defaultEncoder()) throws {
        let data = try encoder.encode(value)
        self.text = String(decoding: data, as: UTF8.self)
    }

    public var postgresText: String? { text }

    /// Decodes the JSON text; the default decoder reads ISO 8601 dates.
    public func decode<T: Decodable>(
        _ type: T.Type, decoder: JSONDecoder = PostgresJSON.defaultDecoder()
    ) throws -> T {
        try decoder.decode(type, from: Data(text.utf8))
    }

    public static func defaultEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static func defaultDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
