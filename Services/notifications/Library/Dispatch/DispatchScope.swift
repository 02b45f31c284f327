import Foundation

/// Which delivery rows a dispatch pass may take.
public struct DispatchScope: Sendable, Equatable {
    /// PENDING rows too (push), or only FAILED ones (the retry job).
    public var includesPending: Bool
    /// Only the rows of these alerts (a live alert event), or every due row (nil).
    public var alertIDs: [Int64]?

    public init(includesPending: Bool, alertIDs: [Int64]? = nil) {
        self.includesPending = includesPending; self.alertIDs = alertIDs
    }

    public static let everything = DispatchScope(includesPending: true)
    public static let failedOnly = DispatchScope(includesPending: false)
    public static func alerts(_ ids: [Int64]) -> DispatchScope { DispatchScope(includesPending: true, alertIDs: ids) }
}

/// SQL fragments shared by the dispatch statements. Every statement binds $1 now, $2 zone,
/// $3 includes-pending, $4 alert ids (NULL = all); `n` is alert_notifications, `a` its alert, `r` the
/// rule, `u` the user, `ns` the user's settings.
enum DispatchSQL {
    static let closedStatuses = "('RESOLVED','CLOSED','IGNORED','EXPIRED')"

    /// Rows that are due now within the scope.
    static let due = """
        (n.status = 'FAILED' OR ($3 AND n.status = 'PENDING'))
        AND (n.next_retry_at IS NULL OR n.next_retry_at <= $1)
        AND ($4::bigint[] IS NULL OR n.alert_id = ANY($4::bigint[]))
        """

    /// The latest end of a silence matching the alert now (NULL: not silenced).
    static let silencedUntil = """
        (SELECT max(s.ends_at) FROM alert_silences s
          WHERE s.starts_at <= $1 AND s.ends_at > $1
            AND (s.rule_code IS NULL OR s.rule_code = r.rule_code)
            AND (s.target_type IS NULL OR (s.target_type = a.target_type AND s.target_id = a.target_id)))
        """

    /// The end of the user's quiet window now, for rows that respect quiet hours (NULL: send now).
    static let quietUntil = """
        (CASE WHEN n.event = 'RAISED' AND a.alert_level <> 'URGENT'
              THEN pms_quiet_until(ns.quiet_hours_start, ns.quiet_hours_end, $1, $2) END)
        """

    static let joins = """
        JOIN alert_records a ON a.id = n.alert_id
        JOIN alert_rules r ON r.id = a.rule_id
        LEFT JOIN users u ON u.id = n.notify_user_id
        LEFT JOIN notification_settings ns ON ns.user_id = n.notify_user_id
        """

    /// A due row that may be sent right now: open alert, active user, not silenced, not in quiet hours.
    static let sendable = """
        a.status NOT IN \(closedStatuses) AND u.is_active
        AND \(silencedUntil) IS NULL AND \(quietUntil) IS NULL
        """
}
