import Foundation
import PMSBus
import PMSPostgres

/// The one way jobs write alerts (DECISIONS "Alert dedup and lifecycle", DATA-MODEL §4.1–4.2):
/// one open alert per (rule, target); a re-run refreshes it and raises its level, never lowers it; an
/// alert whose target left the candidate set is resolved; IGNORED suppresses while the condition holds;
/// numbers come from `alert_no_counters` in load order; recipients go to `alert_recipients`; every new
/// alert and every level rise is an event in the outbox. All set-based, inside the run's transaction.
public struct AlertWriter: Sendable {
    public let rule: AlertRule
    /// Role codes whose active holders are recipients of every alert (DATA-MODEL §4.4).
    public let roleCodes: [String]
    /// `handle_result` of an automatic resolve, as the job's spec words it.
    public let resolveText: String
    /// Rules whose dedup key carries an episode: a closed alert of the same episode is not raised again.
    public let episodic: Bool

    public init(rule: AlertRule, roleCodes: [String], resolveText: String, episodic: Bool = false) {
        self.rule = rule; self.roleCodes = roleCodes; self.resolveText = resolveText; self.episodic = episodic
    }

    /// `candidatesSQL` is a SELECT of every target whose condition holds now, with exactly these columns in
    /// this order: target_type, target_id, target_no, target_name, project_id, machine_id, alert_level,
    /// alert_title, alert_content, alert_data (jsonb), trigger_value, threshold_value, dedup_key,
    /// load_order (bigint: numbering order), may_create (false: keep an open alert but raise no new one),
    /// recipients (jsonb array of {"user_id", "reason"} in the job's order).
    public func apply(candidatesSQL: String, parameters: [any PostgresBindable] = [],
                      in context: JobContext) async throws -> AlertOutcome {
        let db = context.connection
        var outcome = AlertOutcome()
        try await db.query("SELECT pg_advisory_xact_lock($1)", [advisoryLockKey("alerts:" + rule.code)])
        try await db.executeScript(AlertSQL.createCandidates)
        try await db.execute(AlertSQL.insertCandidatesPrefix + candidatesSQL, parameters)
        outcome.candidates = try await count("SELECT count(*) AS n FROM alert_candidates", [], db)

        let eventParameters: [any PostgresBindable] = [
            context.domain.rawValue, context.topics.prefix, rule.domain.rawValue, rule.code,
        ]
        let refreshed = try await db.query(AlertSQL.refreshOpen, [rule.id, context.now] + eventParameters)
        outcome.refreshed = try refreshed.first?.decode(Int.self, "refreshed") ?? 0
        outcome.levelRaised = try refreshed.first?.decode(Int.self, "raised") ?? 0

        let fresh = try await db.query(AlertSQL.countFresh, [rule.id, episodic])
        let creatable = try fresh.first?.decode(Int.self, "creatable") ?? 0
        outcome.suppressed = try fresh.first?.decode(Int.self, "suppressed") ?? 0
        if creatable > 0 {
            let last = try await db.query(AlertSQL.allocateNumbers, [rule.prefix, context.today.description, creatable])
            let first = try last.first!.decode(Int.self, "last_no") - creatable + 1
            outcome.created = try await count(
                AlertSQL.insertFresh,
                [rule.id, episodic, context.now, rule.prefix + context.today.compact, first] + eventParameters, db)
        }

        outcome.recipients = try await db.execute(AlertSQL.insertRecipients, [rule.id, context.now, PostgresTextArray(roleCodes)])
        outcome.resolved = try await count(AlertSQL.resolveCleared, [rule.id, context.now, resolveText], db)
        outcome.unrouted = try await count(AlertSQL.countUnrouted, [rule.id], db)
        return outcome
    }

    private func count(_ sql: String, _ parameters: [any PostgresBindable], _ db: PostgresConnection) async throws -> Int {
        try await db.query(sql, parameters).first?.decode(Int.self, "n") ?? 0
    }
}

/// The statements of the alert writer. Shared parameters: $1 rule id; the event parameters are
/// producer, topic prefix, rule domain and rule code, in that order.
enum AlertSQL {
    static let open = "('PENDING','ACKNOWLEDGED','PROCESSING')"
    static let rank = "ARRAY['INFO','WARNING','CRITICAL','URGENT']::text[]"

    static let createCandidates = """
        DROP TABLE IF EXISTS pg_temp.alert_candidates;
        CREATE TEMP TABLE alert_candidates (
            target_type text NOT NULL, target_id bigint NOT NULL, target_no text, target_name text,
            project_id bigint, machine_id bigint, alert_level text NOT NULL, alert_title text NOT NULL,
            alert_content text NOT NULL, alert_data jsonb, trigger_value text, threshold_value text,
            dedup_key text NOT NULL, load_order bigint NOT NULL, may_create boolean NOT NULL,
            recipients jsonb NOT NULL,
            PRIMARY KEY (target_type, target_id),
            CHECK (alert_level IN ('INFO','WARNING','CRITICAL','URGENT'))
        ) ON COMMIT DROP;
        """

    /// Open alerts of the rule that reach nobody stored. $1 rule id.
    static let countUnrouted = """
        SELECT count(*)::int AS n FROM alert_records a
         WHERE a.rule_id = $1 AND a.status IN \(open)
           AND NOT EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id)
        """

    static let insertCandidatesPrefix = """
        INSERT INTO alert_candidates (target_type, target_id, target_no, target_name, project_id, machine_id,
            alert_level, alert_title, alert_content, alert_data, trigger_value, threshold_value, dedup_key,
            load_order, may_create, recipients)

        """

    /// The bus payload of an alert row `x`, with its event word ($6 is the rule code).
    static func payload(_ x: String, event: String) -> String {
        AlertEventSQL.payload(x, ruleCode: "$6::text", event: event)
    }

    /// Refresh open alerts whose condition holds; publish `escalated` for those whose level rose.
    /// $1 rule, $2 now, $3..$6 event parameters.
    static let refreshOpen = """
        WITH changed AS (
            UPDATE alert_records a
               SET alert_level = CASE WHEN array_position(\(rank), c.alert_level) > array_position(\(rank), a.alert_level)
                                      THEN c.alert_level ELSE a.alert_level END,
                   threshold_value = CASE WHEN array_position(\(rank), c.alert_level) > array_position(\(rank), a.alert_level)
                                          THEN c.threshold_value ELSE a.threshold_value END,
                   trigger_value = c.trigger_value,
                   alert_content = c.alert_content,
                   alert_data = coalesce(c.alert_data, a.alert_data),
                   updated_at = $2
              FROM alert_candidates c, alert_records prev
             WHERE prev.id = a.id AND a.rule_id = $1 AND a.status IN \(open)
               AND a.target_type = c.target_type AND a.target_id = c.target_id
            RETURNING a.*, prev.alert_level AS previous_level
        ), events AS (
            INSERT INTO outbox (producer, topic, payload, qos)
            SELECT $3, $4 || '/alert/' || x.alert_level || '/' || $5 || '/' || $6, \(payload("x", event: "escalated")), 1
              FROM changed x WHERE x.alert_level <> x.previous_level ORDER BY x.id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM changed)::int AS refreshed, (SELECT count(*) FROM events)::int AS raised
        """

    /// Candidates that may open a new alert: no open alert, no IGNORED one while the condition holds, and
    /// for episode rules no earlier alert of the same episode. $1 rule, $2 episodic.
    static let freshFilter = """
        c.may_create
        AND NOT EXISTS (SELECT 1 FROM alert_records a WHERE a.rule_id = $1 AND a.target_type = c.target_type
                        AND a.target_id = c.target_id AND a.status IN \(open))
        AND NOT EXISTS (SELECT 1 FROM alert_records a WHERE a.rule_id = $1 AND a.target_type = c.target_type
                        AND a.target_id = c.target_id AND a.status = 'IGNORED' AND a.condition_cleared_at IS NULL)
        AND NOT ($2::boolean AND EXISTS (SELECT 1 FROM alert_records a WHERE a.rule_id = $1 AND a.dedup_key = c.dedup_key))
        """

    static let countFresh = """
        SELECT count(*) FILTER (WHERE \(freshFilter))::int AS creatable,
               count(*) FILTER (WHERE c.may_create AND NOT (\(freshFilter))
                                AND NOT EXISTS (SELECT 1 FROM alert_records a WHERE a.rule_id = $1
                                                AND a.target_type = c.target_type AND a.target_id = c.target_id
                                                AND a.status IN \(open)))::int AS suppressed
          FROM alert_candidates c
        """

    /// DATA-MODEL §4.1: $1 prefix, $2 business day, $3 how many numbers.
    static let allocateNumbers = """
        INSERT INTO alert_no_counters AS k (prefix, day, last_no)
        SELECT $1, $2::date, $3 + COALESCE(max(substr(alert_no, 11)::int), 0)
          FROM alert_records
         WHERE alert_no ~ ('^' || $1 || to_char($2::date, 'YYYYMMDD') || '[0-9]+$')
        ON CONFLICT (prefix, day) DO UPDATE SET last_no = k.last_no + $3, updated_at = now()
        RETURNING last_no
        """

    /// $1 rule, $2 episodic, $3 now, $4 number stem (prefix + yyyyMMdd), $5 first number, $6..$9 event parameters.
    static let insertFresh = """
        WITH fresh AS (
            SELECT c.*, row_number() OVER (ORDER BY c.load_order, c.target_type, c.target_id) AS n
              FROM alert_candidates c WHERE \(freshFilter)
        ), inserted AS (
            INSERT INTO alert_records (alert_no, rule_id, dedup_key, target_type, target_id, target_no, target_name,
                project_id, machine_id, alert_level, alert_title, alert_content, alert_data, triggered_at,
                trigger_value, threshold_value, status, created_at, updated_at)
            SELECT $4 || CASE WHEN $5 + f.n - 1 < 10000 THEN lpad(($5 + f.n - 1)::text, 4, '0')
                              ELSE ($5 + f.n - 1)::text END,
                   $1, f.dedup_key, f.target_type, f.target_id, f.target_no, f.target_name, f.project_id,
                   f.machine_id, f.alert_level, left(f.alert_title, 200), f.alert_content, f.alert_data, $3,
                   f.trigger_value, f.threshold_value, 'PENDING', $3, $3
              FROM fresh f ORDER BY f.n
            ON CONFLICT (rule_id, target_type, target_id) WHERE status IN \(open) DO NOTHING
            RETURNING *
        ), events AS (
            INSERT INTO outbox (producer, topic, payload, qos)
            SELECT $6, $7 || '/alert/' || x.alert_level || '/' || $8 || '/' || $9,
                   \(payload("x", event: "raised").replacingOccurrences(of: "$6::text", with: "$9::text")), 1
              FROM inserted x ORDER BY x.alert_no
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM inserted)::int AS n
        """

    /// Recipients of every open alert of the candidates: the job's list, then role holders; active users
    /// only; the first reason in DECISIONS order wins. $1 rule, $2 now, $3 role codes.
    /// The role holders are listed once (a lateral subquery would re-read user_roles for every alert).
    static let insertRecipients = """
        WITH role_holders AS MATERIALIZED (
            SELECT DISTINCT ur.user_id, ro.role_code
              FROM user_roles ur JOIN roles ro ON ro.id = ur.role_id
             WHERE ro.is_active AND ro.role_code = ANY($3::text[])
        ), targets AS MATERIALIZED (
            SELECT a.id, c.recipients
              FROM alert_records a
              JOIN alert_candidates c ON c.target_type = a.target_type AND c.target_id = a.target_id
             WHERE a.rule_id = $1 AND a.status IN \(open)
        ), listed AS (
            SELECT t.id, (e.value->>'user_id')::bigint AS user_id, e.value->>'reason' AS reason, NULL::text AS role_code
              FROM targets t CROSS JOIN LATERAL jsonb_array_elements(t.recipients) e
             WHERE e.value->>'user_id' IS NOT NULL
            UNION ALL
            SELECT t.id, h.user_id, 'ROLE', h.role_code FROM targets t CROSS JOIN role_holders h
        )
        INSERT INTO alert_recipients (alert_id, user_id, reason, role_code, escalation_step, created_at)
        SELECT DISTINCT ON (l.id, l.user_id) l.id, l.user_id, l.reason, l.role_code, 0, $2
          FROM listed l
          JOIN users u ON u.id = l.user_id AND u.is_active
         ORDER BY l.id, l.user_id,
                  array_position(ARRAY['OWNER','ASSIGNEE','HANDLER','PM','CREATOR','WORKSHOP_MANAGER','DEPT_MANAGER','ROLE']::text[], l.reason),
                  l.role_code
        ON CONFLICT (alert_id, user_id) DO NOTHING
        """

    /// Resolve open alerts whose condition no longer holds; note the clearing on IGNORED ones.
    /// $1 rule, $2 now, $3 handle_result.
    static let resolveCleared = """
        WITH resolved AS (
            UPDATE alert_records a
               SET status = 'RESOLVED', handle_end_at = $2, handle_result = $3, condition_cleared_at = $2, updated_at = $2
             WHERE a.rule_id = $1 AND a.status IN \(open)
               AND NOT EXISTS (SELECT 1 FROM alert_candidates c WHERE c.target_type = a.target_type AND c.target_id = a.target_id)
            RETURNING 1
        ), cleared AS (
            UPDATE alert_records a SET condition_cleared_at = $2, updated_at = $2
             WHERE a.rule_id = $1 AND a.status = 'IGNORED' AND a.condition_cleared_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM alert_candidates c WHERE c.target_type = a.target_type AND c.target_id = a.target_id)
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM resolved)::int AS n
        """
}

/// The SQL of an alert event's bus payload, shared by the alert writer and the escalation job.
public enum AlertEventSQL {
    /// A jsonb expression over alert row `x`; `ruleCode` is a SQL text expression (a column or parameter).
    public static func payload(_ x: String, ruleCode: String, event: String) -> String {
        """
        jsonb_build_object('alert_id', \(x).id, 'alert_no', \(x).alert_no, 'rule_code', \(ruleCode),
            'level', \(x).alert_level, 'project_id', \(x).project_id, 'target_type', \(x).target_type,
            'target_id', \(x).target_id, 'title', \(x).alert_title, 'content', \(x).alert_content,
            'triggered_at', to_char(coalesce(\(x).triggered_at, \(x).created_at) AT TIME ZONE 'UTC',
                                    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'dedup_key', coalesce(\(x).dedup_key, \(ruleCode) || ':' || \(x).target_type || ':' || \(x).target_id),
            'event', '\(event)')
        """
    }
}
