import Foundation
import Logging
import PMSPostgres
import PMSRuntime

/// Leader election: the replica holding a session advisory lock on its own connection fires cron
/// slots; if it dies its session ends, the lock is freed and another replica takes it within seconds.
public actor Leadership {
    private let connection: PostgresConnection
    private let logger: Logger
    private var leading = false
    private let key = advisoryLockKey("pms:scheduler:leader")
    private let checkInterval: Double
    private let clock: any SchedulerClock
    private var resigned = false
    /// When (on the scheduler's clock) this replica took the lock; slots after it are on time.
    public private(set) var leaderSince: Date?

    public init(databaseURL: String, logger: Logger, checkInterval: Double = 2, clock: any SchedulerClock = SystemClock()) {
        self.connection = PostgresConnection(url: databaseURL, logger: logger)
        self.logger = logger
        self.checkInterval = checkInterval
        self.clock = clock
    }

    public var isLeader: Bool { leading }

    /// Tries to take (or confirm) the lock every `checkInterval` seconds until cancelled or resigned.
    public func run() async {
        while !Task.isCancelled && !resigned {
            await refresh()
            try? await Task.sleep(nanoseconds: UInt64(checkInterval * 1_000_000_000))
        }
        resign()
    }

    /// Gives the lock up by closing the session that holds it.
    public func resign() {
        resigned = true
        leading = false
        leaderSince = nil
        connection.close()
    }

    func refresh() async {
        do {
            if leading {
                // Still our session? A reconnect would have silently dropped the lock.
                let held = try await connection.query(
                    "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted")
                if try held.first?.decode(Int.self, "n") ?? 0 > 0 { return }
                leading = false
                leaderSince = nil
                logger.warning("leadership lost", metadata: ["event": "leader_lost"])
            }
            if try await connection.tryAdvisoryLock(key) {
                leading = true
                leaderSince = clock.now()
                logger.info("this replica is the leader", metadata: ["event": "leader_elected"])
            }
        } catch {
            if leading { logger.warning("leadership lost", metadata: ["event": "leader_lost", "error": "\(error)"]) }
            leading = false
            leaderSince = nil
        }
    }
}
