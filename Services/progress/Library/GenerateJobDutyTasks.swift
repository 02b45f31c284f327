import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 岗位职责任务生成, daily 04:00 (corrected). For each active, auto-generating `job_duty_template` the next
/// occurrence O ≥ D is computed (WEEKLY/BIWEEKLY by ISO weekday, BIWEEKLY on even ISO-week distance from the
/// template's creation week; MONTHLY/QUARTERLY/YEARLY by day of month clamped to the month's end, crossing
/// month and year ends); it is generated when O − D ≤ lead (`generate_before_days`, NULL = 3, 0 = same day).
/// DAILY generates D + lead. One PENDING `task_unified` row per (template, active user of the position, O),
/// deadline 23:59:59 local of O + offset. Codes `TASK-<yymmdd>-<seq>` come from the day's numeric maximum
/// under the job's advisory lock. A template with an invalid weekday/day/month is logged and skipped.
public struct GenerateJobDutyTasks: Job {
    public let id = "generate_job_duty_tasks"

    public init() {}

    public func run(in context: JobContext) async throws -> RunResult {
        let db = context.connection
        // One run at a time: the day's code counter is read and extended in the same statement.
        try await db.query("SELECT pg_advisory_xact_lock($1)", [advisoryLockKey("job:" + id)])
        let parameters: [any PostgresBindable] = [context.today.description, context.now, context.timeZone.identifier]
        let invalid = try await db.query(Self.invalidSQL)
        for row in invalid {
            context.logger.error("job duty template has an invalid schedule; skipped", metadata: [
                "event": "invalid_template", "template_id": "\(row["id"] ?? "")",
                "frequency": "\(row["frequency"] ?? "")"])
        }
        guard let row = try await db.query(Self.sql, parameters).first else {
            throw JobFailure("job duty statement returned no row")
        }
        let due = try row.decode(Int.self, "due")
        let created = try row.decode(Int.self, "created")
        return RunResult(
            checked: try row.decode(Int.self, "checked"), created: created, skipped: due - created,
            details: [
                "due_templates": .number(Double(try row.decode(Int.self, "due_templates"))),
                "templates_without_users": .number(Double(try row.decode(Int.self, "without_users"))),
                "invalid_templates": .number(Double(invalid.count)),
            ])
    }

    /// A template whose schedule fields cannot name a day (gap 7: logged and skipped, never aborting the run).
    static let validity = """
        CASE t.frequency
            WHEN 'DAILY' THEN true
            WHEN 'WEEKLY' THEN coalesce(t.day_of_week BETWEEN 1 AND 7, false)
            WHEN 'BIWEEKLY' THEN coalesce(t.day_of_week BETWEEN 1 AND 7, false)
            WHEN 'MONTHLY' THEN coalesce(t.day_of_month BETWEEN 1 AND 31, false)
            WHEN 'QUARTERLY' THEN coalesce(t.day_of_month BETWEEN 1 AND 31, false)
                                  AND coalesce(t.month_of_year BETWEEN 1 AND 12, t.month_of_year IS NULL)
            WHEN 'YEARLY' THEN coalesce(t.day_of_month BETWEEN 1 AND 31 AND t.month_of_year BETWEEN 1 AND 12, false)
            ELSE false END
        """

    static let invalidSQL = """
        SELECT t.id, t.frequency FROM job_duty_template t
         WHERE t.is_active AND t.auto_generate AND NOT (\(validity))
         ORDER BY t.id
        """

    /// $1 business day D, $2 run's now, $3 zone name.
    static let sql = """
        WITH templates AS (
            SELECT t.*, greatest(coalesce(t.generate_before_days, 3), 0) AS lead
              FROM job_duty_template t
             WHERE t.is_active AND t.auto_generate AND (\(validity))
        ), occurrences AS (
            SELECT t.id AS template_id,
                   CASE t.frequency
                       WHEN 'DAILY' THEN $1::date + t.lead
                       WHEN 'WEEKLY' THEN (
                           SELECT min($1::date + k) FROM generate_series(0, 6) k
                            WHERE extract(isodow FROM $1::date + k) = t.day_of_week)
                       WHEN 'BIWEEKLY' THEN (
                           SELECT min($1::date + k) FROM generate_series(0, 13) k
                            WHERE extract(isodow FROM $1::date + k) = t.day_of_week
                              AND (date_trunc('week', ($1::date + k)::timestamp)::date
                                   - date_trunc('week', (t.created_at AT TIME ZONE $3))::date) / 7 % 2 = 0)
                       ELSE (
                           SELECT min(m.day) FROM generate_series(0, 12) n
                             CROSS JOIN LATERAL (
                                 SELECT (date_trunc('month', $1::date::timestamp) + make_interval(months => n))::date AS first) f
                             CROSS JOIN LATERAL (
                                 SELECT f.first + least(t.day_of_month,
                                        extract(day FROM f.first + interval '1 month - 1 day')::int) - 1 AS day,
                                        extract(month FROM f.first)::int AS month) m
                            WHERE m.day >= $1::date
                              AND CASE t.frequency
                                      WHEN 'MONTHLY' THEN true
                                      WHEN 'QUARTERLY' THEN (m.month - coalesce(t.month_of_year, 1) + 12) % 3 = 0
                                      ELSE m.month = t.month_of_year END)
                   END AS occurrence
              FROM templates t
        ), due AS (
            SELECT t.*, o.occurrence
              FROM templates t JOIN occurrences o ON o.template_id = t.id
             WHERE o.occurrence - $1::date <= t.lead
        ), assignments AS (
            -- position_id first; the legacy free-text position only for users whose id is not populated
            SELECT d.id AS template_id, d.occurrence, u.id AS user_id, coalesce(u.real_name, u.username) AS user_name
              FROM due d
              JOIN users u ON u.is_active
                          AND (u.position_id = d.position_id
                               OR (u.position_id IS NULL AND trim(u.position) = trim(d.position_name)))
                          AND (d.department_id IS NULL OR u.department_id = d.department_id)
        ), fresh AS (
            SELECT a.*, row_number() OVER (ORDER BY a.template_id, a.user_id) AS n
              FROM assignments a
             WHERE NOT EXISTS (SELECT 1 FROM task_unified x
                                WHERE x.source_type = 'JOB_DUTY_TEMPLATE' AND x.source_id = a.template_id
                                  AND x.assignee_id = a.user_id AND x.plan_start_date = a.occurrence)
        ), counter AS (
            -- the day's numeric maximum: "-1000" sorts after "-999"
            SELECT 'TASK-' || to_char($1::date, 'YYMMDD') || '-' AS prefix,
                   coalesce(max(substring(x.task_code FROM 13)::bigint), 0) AS last
              FROM task_unified x
             WHERE x.task_code ~ ('^TASK-' || to_char($1::date, 'YYMMDD') || '-[0-9]+$')
        ), inserted AS (
            INSERT INTO task_unified (task_code, title, description, task_type, category, tags, source_type, source_id,
                project_id, assignee_id, assignee_name, assigner_id, assigner_name, plan_start_date, plan_end_date,
                deadline, estimated_hours, status, progress, priority, is_urgent, reminder_enabled,
                reminder_before_hours, created_by, created_at)
            SELECT c.prefix || CASE WHEN c.last + f.n < 1000 THEN lpad((c.last + f.n)::text, 3, '0')
                                    ELSE (c.last + f.n)::text END,
                   t.duty_name, t.duty_description, 'JOB_DUTY', 'JOB_DUTY', '["岗位职责"]'::jsonb,
                   'JOB_DUTY_TEMPLATE', t.id, NULL, f.user_id, f.user_name, NULL, '系统', f.occurrence, f.occurrence,
                   ((f.occurrence + t.deadline_offset_days)::timestamp + time '23:59:59') AT TIME ZONE $3,
                   t.estimated_hours, 'PENDING', 0, coalesce(t.default_priority, 'MEDIUM'), false, true, 24, NULL, $2
              FROM fresh f JOIN job_duty_template t ON t.id = f.template_id CROSS JOIN counter c
             ORDER BY f.n
            ON CONFLICT (source_id, assignee_id, plan_start_date) WHERE source_type = 'JOB_DUTY_TEMPLATE' DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM templates)::int AS checked,
               (SELECT count(*) FROM due)::int AS due_templates,
               (SELECT count(*) FROM assignments)::int AS due,
               (SELECT count(*) FROM inserted)::int AS created,
               (SELECT count(*) FROM due d
                 WHERE NOT EXISTS (SELECT 1 FROM assignments a WHERE a.template_id = d.id))::int AS without_users
        """
}
