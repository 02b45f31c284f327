import Foundation
import Hummingbird
import PMSBus

/// The JSON bodies of the control API: `{"code": <status>, "message": "success", "data": {…}}` on
/// success, `{"detail": "<message>"}` on error (the original's FastAPI shapes, platform.md §3.1).
enum APIResponse {
    static func success(_ data: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        json(.object(["code": APIJSON.int(status.code), "message": .string("success"), "data": data]), status: status)
    }

    static func error(_ status: HTTPResponse.Status, detail: String, headers: HTTPFields = [:]) -> Response {
        json(.object(["detail": .string(detail)]), status: status, headers: headers)
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A JSONValue always encodes; the fallback only keeps the type checker honest.
        let bytes = (try? encoder.encode(value)).map(Array.init) ?? Array(#"{"detail":"response not encodable"}"#.utf8)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Builders for the JSON values of responses (null stays an explicit `null`).
enum APIJSON {
    static func int(_ value: Int) -> JSONValue { .number(Double(value)) }
    static func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
    static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }
    /// RFC 3339 with the zone's offset at that instant, or null.
    static func time(_ date: Date?, _ zone: TimeZone) -> JSONValue {
        date.map { .string(RFC3339.format($0, in: zone)) } ?? .null
    }
}

/// A request answered with an error status and `{"detail": …}`.
struct APIError: Error, Sendable {
    let status: HTTPResponse.Status
    let detail: String
    var headers: HTTPFields = [:]

    var response: Response { APIResponse.error(status, detail: detail, headers: headers) }

    static func unknownJob(_ id: String) -> APIError { APIError(status: .notFound, detail: "任务 \(id) 不存在") }
    static func badRequest(_ detail: String) -> APIError { APIError(status: .badRequest, detail: detail) }
}
