import Foundation
import Logging
import PMSBus
import PMSPostgres

/// Sends what is due: first settles rows that must not go now (closed alert, gone user, silence, quiet
/// hours), then delivers SYSTEM rows set-based, then runs workers per external channel side by side, so
/// a channel that times out never holds up the others. Used by the live alert path, the periodic sweep and
/// the two sending jobs; "now" is passed in (the run's now for jobs).
public struct NotificationDispatcher: Sendable {
    public let pool: PostgresPool
    public let channels: [any DeliveryChannel]
    public let smsLimits: SMSLimits
    public let linkBase: String
    public let topics: Topics
    public let instance: String
    public let timeZone: TimeZone
    public let logger: Logger
    public var systemBatchSize = 2000
    /// Workers per external channel (SMS: one, so the limited texts go oldest first); row locks and the
    /// per-alert partition keep them from sending the same row.
    public var workersPerChannel = 4

    public init(pool: PostgresPool, channels: [any DeliveryChannel], smsLimits: SMSLimits, linkBase: String,
                topics: Topics, instance: String, timeZone: TimeZone, logger: Logger) {
        self.pool = pool; self.channels = channels; self.smsLimits = smsLimits; self.linkBase = linkBase
        self.topics = topics; self.instance = instance; self.timeZone = timeZone; self.logger = logger
    }

    public struct Report: Sendable, Equatable {
        public var abandoned = 0
        public var deferred = 0
        public var sent: [ChannelCode: Int] = [:]
        public var failed: [ChannelCode: Int] = [:]
        public var dead: [ChannelCode: Int] = [:]

        public var totalSent: Int { sent.values.reduce(0, +) }
        public var totalFailed: Int { failed.values.reduce(0, +) }
        public var totalDead: Int { dead.values.reduce(0, +) }

        /// `{CHANNEL: {success, failed, dead}}` for run results.
        public var channelStats: JSONValue {
            let codes = Set(sent.keys).union(failed.keys).union(dead.keys)
            return .object(Dictionary(uniqueKeysWithValues: codes.map { code in
                (code.rawValue, JSONValue.object([
                    "success": .number(Double(sent[code] ?? 0)), "failed": .number(Double(failed[code] ?? 0)),
                    "dead": .number(Double(dead[code] ?? 0)),
                ]))
            }))
        }
    }

    /// One pass over the due rows of `scope`; external workers stop taking new rows after `budget`.
    public func dispatch(_ scope: DispatchScope, now: Date, budget: Duration = .seconds(240)) async throws -> Report {
        let deadline = ContinuousClock.now + budget
        var report = Report()
        let screening = try await pool.transaction { db in
            try await DueScreening().run(scope: scope, now: now, zone: self.timeZone, on: db)
        }
        report.abandoned = screening.abandoned
        report.deferred = screening.deferred

        let system = SystemDelivery(topicPrefix: topics.prefix)
        while true {
            let batch = try await pool.transaction { db in
                try await system.deliverBatch(scope: scope, now: now, zone: self.timeZone, limit: self.systemBatchSize, on: db)
            }
            report.sent[.system, default: 0] += batch.sent
            if batch.sent < systemBatchSize { break }
        }

        let perChannel = max(1, workersPerChannel)
        let workers = channels.filter { $0.code != .system }.flatMap { channel in
            let count = channel.code == .sms ? 1 : perChannel
            return (0..<count).map { index in
                var worker = ExternalDelivery(channel: channel, smsLimits: smsLimits, linkBase: linkBase, instance: instance,
                                              topics: topics, logger: logger)
                worker.partition = (index, count)
                return worker
            }
        }
        let results = try await withThrowingTaskGroup(of: (ChannelCode, ExternalDelivery.Counts).self) { group in
            for worker in workers {
                group.addTask {
                    (worker.channel.code, try await worker.run(scope: scope, now: now, zone: self.timeZone, pool: self.pool, deadline: deadline))
                }
            }
            var all: [(ChannelCode, ExternalDelivery.Counts)] = []
            for try await result in group { all.append(result) }
            return all
        }
        for (code, counts) in results {
            if counts.sent > 0 { report.sent[code, default: 0] += counts.sent }
            if counts.failed > 0 { report.failed[code, default: 0] += counts.failed }
            if counts.dead > 0 { report.dead[code, default: 0] += counts.dead }
            report.deferred += counts.deferred
        }
        return report
    }
}
