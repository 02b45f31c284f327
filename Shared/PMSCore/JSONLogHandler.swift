import Foundation
import Logging

/// swift-log handler writing one JSON object per line to standard error:
/// `{"ts":…,"level":…,"service":…,"message":…, <metadata>}` (metadata such as job, run_id, event, duration_ms).
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let output: @Sendable (String) -> Void

    /// `output` receives each finished line (with its newline); standard error by default.
    public init(label: String, level: Logger.Level, output: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.logLevel = level
        self.output = output
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Installs the handler process-wide, once, at start-up of an executable.
    public static func bootstrap(service: String, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label, level: level)
            handler.metadata["service"] = .string(service)
            return handler
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level, message = event.message, explicit = event.metadata
        var fields = metadata
        if let explicit { fields.merge(explicit) { $1 } }
        var line = "{\"ts\":" + Self.quote(ISO8601Format.utc(Date().timeIntervalSince1970)) + ",\"level\":" + Self.quote(level.rawValue)
        if let service = fields.removeValue(forKey: "service") { line += ",\"service\":" + Self.render(service) }
        line += ",\"message\":" + Self.quote(message.description)
        for key in fields.keys.sorted() { line += "," + Self.quote(key) + ":" + Self.render(fields[key]!) }
        line += "}\n"
        output(line)
    }

    private static func render(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s):
            // Numbers stay numbers (duration_ms, counts), so log tools can aggregate them.
            return isPlainNumber(s) ? s : quote(s)
        case .stringConvertible(let c): return render(.string(c.description))
        case .array(let values): return "[" + values.map(render).joined(separator: ",") + "]"
        case .dictionary(let dict): return "{" + dict.keys.sorted().map { quote($0) + ":" + render(dict[$0]!) }.joined(separator: ",") + "}"
        }
    }

    private static func isPlainNumber(_ text: String) -> Bool {
        var digits = text.first == "-" ? text.dropFirst() : Substring(text)
        guard let first = digits.first, first.isASCII, first.isNumber else { return false }
        if first == "0", digits.count > 1, digits.dropFirst().first != "." { return false }
        var seenDot = false
        while let c = digits.first {
            digits = digits.dropFirst()
            if c == "." { if seenDot || digits.isEmpty { return false }; seenDot = true }
            else if !(c.isASCII && c.isNumber) { return false }
        }
        return true
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

enum ISO8601Format {
    static func utc(_ seconds: Double) -> String {
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        let millis = Int((seconds - seconds.rounded(.down)) * 1000)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }
}
