import Foundation

extension TriggerRequest {
    /// A trigger body as every entry point takes it (MQTT, HTTP): empty or whitespace means "no options";
    /// otherwise strict JSON, and a `params.as_of` that must parse in `timeZone`. The reason says what is wrong.
    public static func parse(_ body: [UInt8], timeZone: TimeZone) throws(BusDecodingError) -> TriggerRequest {
        let request: TriggerRequest
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            request = TriggerRequest()
        } else {
            do { request = try BusCoding.decode(TriggerRequest.self, from: body) } catch {
                throw BusDecodingError(reason: "malformed trigger: \(error)")
            }
        }
        if let asOf = request.params?["as_of"] {
            guard let text = asOf.stringValue else {
                throw BusDecodingError(reason: "malformed trigger: field 'params.as_of': expected a string")
            }
            do { _ = try AsOf.parse(text, timeZone: timeZone) } catch {
                throw BusDecodingError(reason: "malformed trigger: \(error)")
            }
        }
        return request
    }
}
