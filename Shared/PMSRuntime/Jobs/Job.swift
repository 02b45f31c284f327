import Foundation
import Logging
import PMSBus
import PMSPostgres

/// One scheduled job of a domain service: a file with its SQL and its rule.
public protocol Job: Sendable {
    var id: String { get }
    /// Runs inside the run's transaction; everything written through `context` commits or rolls back together.
    func run(in context: JobContext) async throws -> RunResult
}

/// What a job sees of its run: its "now" (from the tick, never the wall clock), the business day, and
/// the transaction it writes in.
public struct JobContext: Sendable {
    public let tick: TickMessage
    public let now: Date
    public let today: CivilDate
    public let timeZone: TimeZone
    public let domain: Domain
    public let connection: PostgresConnection
    public let outbox: Outbox
    public let topics: Topics
    public let logger: Logger

    public init(tick: TickMessage, now: Date, timeZone: TimeZone, domain: Domain, connection: PostgresConnection,
                outbox: Outbox, topics: Topics, logger: Logger) {
        self.tick = tick; self.now = now; self.today = CivilDate(now, in: timeZone); self.timeZone = timeZone
        self.domain = domain; self.connection = connection; self.outbox = outbox; self.topics = topics; self.logger = logger
    }
}

/// Failures a job reports as the reason of its `failed` run event.
public struct JobFailure: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    public static func ruleMissing(_ code: String) -> JobFailure { JobFailure("rule missing: alert rule \(code) does not exist") }
}

/// Thrown by a job whose independent parts ran separately (each in its own savepoint) when some failed:
/// the parts that worked are committed and the run is reported `failed` with `reason` and their counts.
public struct PartialRunFailure: Error, CustomStringConvertible, Sendable {
    public let result: RunResult
    public let reason: String
    public init(result: RunResult, reason: String) { self.result = result; self.reason = reason }
    public var description: String { reason }
}
