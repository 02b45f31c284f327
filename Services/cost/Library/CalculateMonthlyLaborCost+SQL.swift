extension CalculateMonthlyLaborCost {
    /// $1 first day of the earliest costed month, $2 last day of the latest one (the months are contiguous),
    /// $3 run's now, $4 fallback hourly rate.
    /// - `ts` reads the partial index idx_timesheet_approved (work_date first);
    /// - each tier is resolved set-based once per distinct key (USER/ROLE: user and day, DEPT: department and day,
    ///   DEFAULT: day) and joined back with hash joins (no per-row subquery); a NULL department is keyed -1;
    /// - upsert and delete touch disjoint rows, so one snapshot is enough; `touched` (every project of the
    ///   period's costs or deletions) feeds `actualCostSQL`, which must see this statement's writes.
    static let upsertSQL = """
        WITH ts AS (
            SELECT t.user_id, coalesce(t.department_id, -1) AS dept_key, t.project_id, t.work_date, t.hours,
                   (date_trunc('month', t.work_date) + interval '1 month - 1 day')::date AS month_end
              FROM timesheet t
             WHERE t.status = 'APPROVED' AND t.project_id IS NOT NULL
               AND t.work_date BETWEEN $1::date AND $2::date
        ), scoped AS (
            SELECT ts.* FROM ts JOIN projects p ON p.id = ts.project_id AND p.is_active AND NOT p.is_archived
        ), user_days AS (
            SELECT DISTINCT user_id, work_date FROM scoped
        ), user_rate AS (
            SELECT DISTINCT ON (d.user_id, d.work_date) d.user_id, d.work_date, c.hourly_rate AS rate
              FROM user_days d
              JOIN hourly_rate_configs c ON c.is_active AND c.config_type = 'USER' AND c.user_id = d.user_id
             WHERE (c.effective_date IS NULL OR c.effective_date <= d.work_date)
               AND (c.expiry_date IS NULL OR c.expiry_date >= d.work_date)
             ORDER BY d.user_id, d.work_date, c.effective_date DESC NULLS LAST, c.id DESC
        ), role_rate AS (
            -- each active role's own current rate, then the highest of them (DECISIONS "Labour cost")
            SELECT user_id, work_date, max(rate) AS rate
              FROM (SELECT DISTINCT ON (d.user_id, d.work_date, ur.role_id) d.user_id, d.work_date, c.hourly_rate AS rate
                      FROM user_days d
                      JOIN user_roles ur ON ur.user_id = d.user_id
                      JOIN roles ro ON ro.id = ur.role_id AND ro.is_active
                      JOIN hourly_rate_configs c ON c.is_active AND c.config_type = 'ROLE' AND c.role_id = ur.role_id
                     WHERE (c.effective_date IS NULL OR c.effective_date <= d.work_date)
                       AND (c.expiry_date IS NULL OR c.expiry_date >= d.work_date)
                     ORDER BY d.user_id, d.work_date, ur.role_id, c.effective_date DESC NULLS LAST, c.id DESC) per_role
             GROUP BY user_id, work_date
        ), dept_rate AS (
            SELECT DISTINCT ON (d.dept_key, d.work_date) d.dept_key, d.work_date, c.hourly_rate AS rate
              FROM (SELECT DISTINCT dept_key, work_date FROM scoped WHERE dept_key <> -1) d
              JOIN hourly_rate_configs c ON c.is_active AND c.config_type = 'DEPT' AND c.dept_id = d.dept_key
             WHERE (c.effective_date IS NULL OR c.effective_date <= d.work_date)
               AND (c.expiry_date IS NULL OR c.expiry_date >= d.work_date)
             ORDER BY d.dept_key, d.work_date, c.effective_date DESC NULLS LAST, c.id DESC
        ), default_rate AS (
            SELECT DISTINCT ON (d.work_date) d.work_date, c.hourly_rate AS rate
              FROM (SELECT DISTINCT work_date FROM scoped) d
              JOIN hourly_rate_configs c ON c.is_active AND c.config_type = 'DEFAULT'
             WHERE (c.effective_date IS NULL OR c.effective_date <= d.work_date)
               AND (c.expiry_date IS NULL OR c.expiry_date >= d.work_date)
             ORDER BY d.work_date, c.effective_date DESC NULLS LAST, c.id DESC
        ), priced AS (
            -- rate per timesheet work_date, first tier that has one; exact Σ hours × rate, rounded half-up once per
            -- cost row (numeric round: half away from zero)
            SELECT s.project_id, s.user_id, s.month_end, sum(s.hours) AS hours,
                   round(sum(s.hours * coalesce(ur.rate, rr.rate, dr.rate, fr.rate, $4::numeric)), 2) AS amount
              FROM scoped s
              LEFT JOIN user_rate ur ON ur.user_id = s.user_id AND ur.work_date = s.work_date
              LEFT JOIN role_rate rr ON rr.user_id = s.user_id AND rr.work_date = s.work_date
              LEFT JOIN dept_rate dr ON dr.dept_key = s.dept_key AND dr.work_date = s.work_date
              LEFT JOIN default_rate fr ON fr.work_date = s.work_date
             GROUP BY s.project_id, s.user_id, s.month_end
        ), costs AS (
            SELECT x.project_id, x.user_id, x.month_end, x.amount,
                   'LABOR-' || x.user_id || '-' || to_char(x.month_end, 'YYYYMM') AS source_no,
                   '人工成本：' || coalesce(nullif(btrim(u.real_name), ''), u.username) || '，工时：'
                       || round(x.hours, 2)::text || '小时' AS description
              FROM priced x JOIN users u ON u.id = x.user_id
        ), upserted AS (
            INSERT INTO project_costs (project_id, machine_id, cost_type, cost_category, source_module, source_type,
                                       source_id, source_no, amount, tax_amount, cost_date, description, created_by,
                                       created_at, updated_at)
            SELECT project_id, NULL, 'LABOR', 'LABOR', 'TIMESHEET', 'LABOR_COST', user_id, source_no, amount, 0,
                   month_end, description, NULL, $3, $3
              FROM costs ORDER BY project_id, user_id, month_end
            ON CONFLICT (project_id, source_id, cost_date)
               WHERE source_module = 'TIMESHEET' AND source_type = 'LABOR_COST'
            DO UPDATE SET amount = EXCLUDED.amount, description = EXCLUDED.description, source_no = EXCLUDED.source_no,
                          cost_type = EXCLUDED.cost_type, cost_category = EXCLUDED.cost_category,
                          tax_amount = EXCLUDED.tax_amount, updated_at = EXCLUDED.updated_at
             WHERE (project_costs.amount, project_costs.description, project_costs.source_no, project_costs.cost_type,
                    project_costs.cost_category, project_costs.tax_amount)
                   IS DISTINCT FROM (EXCLUDED.amount, EXCLUDED.description, EXCLUDED.source_no, EXCLUDED.cost_type,
                    EXCLUDED.cost_category, EXCLUDED.tax_amount)
            RETURNING project_costs.project_id, (xmax = 0) AS inserted
        ), deleted AS (
            -- this period's labour rows whose (project, user, month) has no approved hours any more
            DELETE FROM project_costs c
             WHERE c.source_module = 'TIMESHEET' AND c.source_type = 'LABOR_COST'
               AND c.cost_date BETWEEN $1::date AND $2::date
               AND EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id AND p.is_active AND NOT p.is_archived)
               AND NOT EXISTS (SELECT 1 FROM priced x
                                WHERE x.project_id = c.project_id AND x.user_id = c.source_id
                                  AND x.month_end = c.cost_date)
            RETURNING c.project_id
        ), touched AS (
            SELECT project_id FROM priced UNION SELECT project_id FROM deleted
        )
        SELECT (SELECT count(*) FROM ts)::int AS checked,
               (SELECT count(*) FROM scoped)::int AS costed,
               (SELECT count(*) FROM costs)::int AS cost_rows,
               (SELECT count(*) FROM upserted WHERE inserted)::int AS created,
               (SELECT count(*) FROM upserted WHERE NOT inserted)::int AS updated,
               ((SELECT count(*) FROM costs) - (SELECT count(*) FROM upserted))::int AS unchanged,
               (SELECT count(*) FROM deleted)::int AS deleted,
               (SELECT count(*) FROM touched)::int AS projects,
               coalesce((SELECT array_agg(project_id ORDER BY project_id) FROM touched), '{}')::text AS touched
        """

    /// $1 touched project ids (bigint[] literal), $2 run's now. actual_cost = Σ project_costs.amount (all cost
    /// rows of the project, 0 when it has none), written only when it changes.
    static let actualCostSQL = """
        WITH totals AS MATERIALIZED (
            -- one grouped pass (a per-project subquery would run twice per row: filter and SET)
            SELECT t.id, coalesce(sum(c.amount), 0) AS total
              FROM unnest($1::bigint[]) AS t(id)
              LEFT JOIN project_costs c ON c.project_id = t.id
             GROUP BY t.id
        ), changed AS (
            UPDATE projects p SET actual_cost = x.total, updated_at = $2
              FROM totals x
             WHERE p.id = x.id AND p.actual_cost IS DISTINCT FROM x.total
            RETURNING p.id
        )
        SELECT count(*)::int AS updated FROM changed
        """
}
