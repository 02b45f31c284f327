import Foundation
import Logging
import PMSPostgres

/// Leader election: the replica holding a session advisory lock on its own connection fires cron
/// slots; if it dies its session ends, the lock is freed and another replica takes it within seconds.
public actor Leadership {
    private let connection: PostgresConnection
    private let logger: Logger
    private var leading = false
    private let key = advisoryLockKey("pms:scheduler:leader")

    public init(databaseURL: String, logger: Logger) {
        self.connection = PostgresConnection(url: databaseURL, logger: logger)
        self.logger = logger
    }

    public var isLeader: Bool { leading }

    /// Tries to take (or confirm) the lock every `interval` seconds until cancelled.
    public func run(interval: Double = 2) async {
        while !Task.isCancelled {
            await refresh()
            try? await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
        }
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
                logger.warning("leadership lost", metadata: ["event": "leader_lost"])
            }
            if try await connection.tryAdvisoryLock(key) {
                leading = true
                logger.info("this replica is the leader", metadata: ["event": "leader_elected"])
            }
        } catch {
            if leading { logger.warning("leadership lost", metadata: ["event": "leader_lost", "error": "\(error)"]) }
            leading = false
        }
    }
}
