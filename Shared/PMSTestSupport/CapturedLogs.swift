import Logging
import Synchronization

/// Log events collected by `CapturedLogs.logger`, for tests that check what an operator would read.
public final class CapturedLogs: Sendable {
    public struct Entry: Sendable {
        public let level: Logger.Level
        public let message: String
        /// The event's own metadata (not the logger's), e.g. `["event": "unrouted", "count": "2"]`.
        public let metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    /// A logger at `level` whose events land here.
    public func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "capture") { _ in CapturingLogHandler(capture: self) }
        logger.logLevel = level
        return logger
    }

    public var all: [Entry] { entries.withLock { $0 } }
    public var messages: [String] { all.map(\.message) }

    public func levels(containing text: String) -> [Logger.Level] {
        all.filter { $0.message.contains(text) }.map(\.level)
    }

    /// Events of one level as "message key=value …" (keys sorted), in order.
    public func lines(at level: Logger.Level, omitting keys: Set<String> = []) -> [String] {
        all.filter { $0.level == level }.map { entry in
            let fields = entry.metadata.filter { !keys.contains($0.key) }.sorted { $0.key < $1.key }
            return ([entry.message] + fields.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
        }
    }

    fileprivate func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }
}

private struct CapturingLogHandler: LogHandler {
    let capture: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.append(CapturedLogs.Entry(
            level: event.level, message: "\(event.message)",
            metadata: (event.metadata ?? [:]).mapValues { "\($0)" }))
    }
}
