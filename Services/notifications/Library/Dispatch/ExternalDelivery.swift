import Foundation
import Logging
import PMSBus
import PMSPostgres
import PMSRuntime

/// Sends the due rows of one external channel, one unit at a time: a row, or for a group robot every due row
/// of the same alert and event (one post for all its recipients). Each unit is locked (`FOR UPDATE SKIP
/// LOCKED`), sent and settled in its own short transaction, so a replica or a concurrent job never sends it
/// twice and a slow channel holds nothing but its own rows.
struct ExternalDelivery: Sendable {
    let channel: any DeliveryChannel
    let smsLimits: SMSLimits
    let linkBase: String
    let instance: String
    let topics: Topics
    let logger: Logger
    /// This worker takes the alerts whose id modulo `of` is `index`, so the workers of one channel never
    /// race for the same alert.
    var partition: (index: Int, of: Int) = (0, 1)

    struct Counts: Sendable, Equatable {
        var sent = 0
        var failed = 0
        var dead = 0
        var deferred = 0
    }

    enum UnitOutcome: Sendable { case sent(Int), failed(Int, dead: Int), deferred(Int), taken }

    /// A unit to send: its rows, and for a group robot the (alert, event, step) it posts for.
    struct Unit: Sendable {
        var alertID: Int64
        var key: String
        var ids: [Int64]
    }

    /// Lists up to `listSize` sendable units (a plain read), then takes and sends them one by one; lists
    /// again until nothing is left, so a pass costs one cheap lookup per unit instead of a scan per unit.
    func run(scope: DispatchScope, now: Date, zone: TimeZone, pool: PostgresPool,
             deadline: ContinuousClock.Instant, listSize: Int = 200) async throws -> Counts {
        var counts = Counts()
        var skipped: [Int64] = []
        while ContinuousClock.now < deadline {
            let exclude = skipped
            let units = try await pool.withConnection { db in
                try await self.listUnits(scope: scope, now: now, zone: zone, skipping: exclude, limit: listSize, on: db)
            }
            if units.isEmpty { return counts }
            for unit in units where ContinuousClock.now < deadline {
                let outcome = try await pool.transaction { db in
                    try await self.deliver(unit, scope: scope, now: now, zone: zone, on: db)
                }
                switch outcome {
                case .taken: skipped.append(unit.alertID)  // another sender holds it; it sends it
                case .sent(let n): counts.sent += n
                case .failed(let n, let dead): counts.failed += n - dead; counts.dead += dead
                case .deferred(let n): counts.deferred += n
                }
            }
        }
        return counts
    }

    private func listUnits(scope: DispatchScope, now: Date, zone: TimeZone, skipping: [Int64], limit: Int,
                           on db: PostgresConnection) async throws -> [Unit] {
        let rows = try await db.query(channel.isGroup ? Self.listGroupsSQL : Self.listRowsSQL, [
            now, zone.identifier, scope.includesPending, scope.alertIDs, channel.code.rawValue, partition.of, partition.index,
            skipping, limit,
        ])
        return try rows.map { row in
            Unit(alertID: try row.decode(Int64.self, "alert_id"), key: try row.decode(String.self, "unit_key"),
                 ids: (row["ids"] ?? "").split(separator: ",").compactMap { Int64($0) })
        }
    }

    private func deliver(_ unit: Unit, scope: DispatchScope, now: Date, zone: TimeZone,
                         on db: PostgresConnection) async throws -> UnitOutcome {
        if channel.isGroup {
            // One post per alert: whoever holds the group's lock (another replica, a job) sends all its rows.
            let locked = try await db.query("SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked",
                                            ["pms-notify-group:\(channel.code.rawValue):\(unit.key)"])
            guard try locked.first?.decode(Bool.self, "locked") == true else { return .taken }
        }
        // Still due and sendable, and not taken meanwhile.
        let rows = try await db.query(Self.takeSQL, [now, zone.identifier, scope.includesPending, scope.alertIDs, unit.ids])
        guard let first = rows.first else { return .taken }
        let ids = try rows.map { try $0.decode(Int64.self, "id") }

        if channel.code == .sms, let block = try await smsLimits.blockedUntil(now: now, on: db) {
            try await db.execute(
                "UPDATE alert_notifications SET next_retry_at = $2, error_message = $3, updated_at = $1 WHERE id = ANY($4::bigint[])",
                [now, block.until, block.reason, ids])
            return .deferred(ids.count)
        }

        let message = try Self.message(from: first, recipients: rows, linkBase: linkBase)
        do {
            try await channel.deliver(message)
        } catch {
            let reason = String(describing: error)
            let settled = try await db.query(Self.failSQL, [now, ids, String(reason.prefix(1000))])
            let dead = settled.filter { $0["status"] == "DEAD" }
            for row in dead { try await publishDeadLetter(row, alertNo: message.alertNo, reason: reason, on: db) }
            logger.warning("delivery failed", metadata: [
                "event": "delivery_failed", "channel": "\(channel.code.rawValue)", "alert_no": "\(message.alertNo)",
                "rows": "\(ids.count)", "dead": "\(dead.count)", "error": "\(reason)"])
            return .failed(ids.count, dead: dead.count)
        }
        try await db.execute(
            """
            UPDATE alert_notifications SET status = 'SENT', sent_at = $1, error_message = NULL, next_retry_at = NULL,
                   updated_at = $1 WHERE id = ANY($2::bigint[])
            """, [now, ids])
        logger.info("delivered", metadata: [
            "event": "delivered", "channel": "\(channel.code.rawValue)", "alert_no": "\(message.alertNo)",
            "recipients": "\(ids.count)"])
        return .sent(ids.count)
    }

    /// The dead letter: an event on `<prefix>/errors/notifications`, committed with the DEAD status.
    private func publishDeadLetter(_ row: PostgresRow, alertNo: String, reason: String, on db: PostgresConnection) async throws {
        let id = try row.decode(Int64.self, "id")
        let target = try row.decode(String.self, "notify_target")
        let details: [String: JSONValue] = [
            "notification_id": .number(Double(id)), "alert_id": .number(Double(try row.decode(Int64.self, "alert_id"))),
            "alert_no": .string(alertNo), "channel": .string(channel.code.rawValue), "target": .string(target),
            "attempts": .number(Double(try row.decode(Int.self, "retry_count"))), "last_error": .string(reason),
        ]
        let excerpt = String(decoding: try BusCoding.encode(details, timeZone: TimeZone(identifier: "UTC")!), as: UTF8.self)
        let event = ErrorEventMessage(
            service: "notifications", instance: instance, topic: nil,
            reason: "dead letter: notification \(id) (\(channel.code.rawValue) to \(target)) for alert \(alertNo) failed \(RetryPolicy.maxAttempts) times; last error: \(reason)",
            payloadExcerpt: excerpt, at: Date())
        try await Outbox(producer: "notifications", connection: db, timeZone: TimeZone(identifier: "UTC")!)
            .enqueue(topic: topics.errors(service: "notifications"), message: event, qos: 0)
    }

    static func message(from first: PostgresRow, recipients rows: [PostgresRow], linkBase: String) throws -> ChannelMessage {
        let alertID = try first.decode(Int64.self, "alert_id")
        return ChannelMessage(
            alertID: alertID, alertNo: try first.decode(String.self, "alert_no"),
            level: try first.decode(String.self, "alert_level"),
            title: try first.decode(String?.self, "notify_title") ?? first.decode(String.self, "alert_title"),
            content: try first.decode(String?.self, "notify_content") ?? first.decode(String.self, "alert_content"),
            projectName: try first.decode(String?.self, "project_name"),
            triggeredAt: try first.decode(Date?.self, "triggered_at"),
            link: linkBase + "/alerts/\(alertID)", escalated: try first.decode(String.self, "event") == "ESCALATED",
            recipients: try rows.map {
                ChannelRecipient(userID: try $0.decode(Int64?.self, "notify_user_id"), target: try $0.decode(String.self, "notify_target"),
                                 displayName: try $0.decode(String?.self, "display_name"))
            })
    }

    static let columns = """
        n.id, n.alert_id, n.event, n.escalation_step, n.notify_target, n.notify_user_id, n.notify_title,
        n.notify_content, n.retry_count, a.alert_no, a.alert_level, a.alert_title, a.alert_content,
        coalesce(a.triggered_at, a.created_at) AS triggered_at, p.project_name,
        coalesce(u.real_name, u.username) AS display_name
        """

    /// $1..$4 as DispatchSQL, $5 channel, $6/$7 partition (alert_id % $6 = $7), $8 alerts to skip, $9 limit.
    static let candidates = """
        FROM alert_notifications n
          \(DispatchSQL.joins)
         WHERE n.notify_channel = $5 AND n.alert_id % $6 = $7 AND NOT (n.alert_id = ANY($8::bigint[]))
           AND \(DispatchSQL.due) AND \(DispatchSQL.sendable)
        """

    static let listRowsSQL = """
        SELECT n.alert_id, n.id::text AS unit_key, n.id::text AS ids
          \(candidates)
         ORDER BY n.id LIMIT $9
        """

    /// One unit per (alert, event, step): a group robot gets one post for all its recipients.
    static let listGroupsSQL = """
        SELECT n.alert_id, n.alert_id || ':' || n.event || ':' || n.escalation_step AS unit_key,
               string_agg(n.id::text, ',' ORDER BY n.id) AS ids
          \(candidates)
         GROUP BY n.alert_id, n.event, n.escalation_step
         ORDER BY min(n.id) LIMIT $9
        """

    /// The unit's rows that are still due and sendable, locked ($1..$4 as DispatchSQL, $5 row ids).
    static let takeSQL = """
        SELECT \(columns)
          FROM alert_notifications n
          \(DispatchSQL.joins)
          LEFT JOIN projects p ON p.id = a.project_id
         WHERE n.id = ANY($5::bigint[]) AND \(DispatchSQL.due) AND \(DispatchSQL.sendable)
         ORDER BY n.id
         FOR UPDATE OF n SKIP LOCKED
        """

    /// $1 now, $2 ids, $3 error.
    static let failSQL = """
        UPDATE alert_notifications n
           SET retry_count = n.retry_count + 1,
               status = \(RetryPolicy.statusAfterFailure),
               next_retry_at = \(RetryPolicy.nextRetryAfterFailure),
               error_message = $3, updated_at = $1
         WHERE n.id = ANY($2::bigint[])
        RETURNING n.id, n.alert_id, n.notify_target, n.retry_count, n.status
        """
}
