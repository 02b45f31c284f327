import PMSRuntime

/// The statements of `CheckMilestoneStatusAndAdjustPayments`: window temp table → candidate plans →
/// history + plan updates in one statement → notice candidates for `NotificationWriter`.
extension CheckMilestoneStatusAndAdjustPayments {
    /// $1 job id.
    static let watermarkSQL = "SELECT last_success_started_at FROM scheduler_job_state WHERE job_id = $1"

    /// The window's milestones, and a helper that reads a remark as a JSON array (NULL when it is free text or
    /// not an array). PostgreSQL 15 has no `IS JSON`, so the cast is tried in a pg_temp function; it runs only
    /// for the plans that move.
    static let prepareSQL = """
        CREATE OR REPLACE FUNCTION pg_temp.pms_json_array_or_null(t text) RETURNS jsonb
        LANGUAGE plpgsql IMMUTABLE AS $$
        DECLARE j jsonb;
        BEGIN
            j := t::jsonb;
            RETURN CASE WHEN jsonb_typeof(j) = 'array' THEN j END;
        EXCEPTION WHEN others THEN
            RETURN NULL;
        END $$;
        DROP TABLE IF EXISTS pg_temp.adjust_milestones;
        CREATE TEMP TABLE adjust_milestones (
            id bigint PRIMARY KEY, status text NOT NULL, milestone_date date, milestone_name text NOT NULL,
            project_code text NOT NULL, pm_id bigint, project_contract_owner bigint
        ) ON COMMIT DROP
        """

    /// $1 job id, $2 run's now. DELAYED/COMPLETED milestones of active, non-archived projects changed in
    /// (watermark, now]; the partial index idx_project_milestones_updated serves the range.
    /// milestone_date is the date that causes the move: COMPLETED → actual_date, DELAYED → COALESCE(actual, planned).
    static let windowSQL = """
        INSERT INTO adjust_milestones (id, status, milestone_date, milestone_name, project_code, pm_id,
                                       project_contract_owner)
        SELECT m.id, m.status,
               CASE WHEN m.status = 'COMPLETED' THEN m.actual_date ELSE coalesce(m.actual_date, m.planned_date) END,
               m.milestone_name, p.project_code, p.pm_id, c.owner_id
          FROM project_milestones m
          JOIN projects p ON p.id = m.project_id AND p.is_active AND NOT p.is_archived
          LEFT JOIN contracts c ON c.id = p.contract_id
         WHERE m.status IN ('DELAYED', 'COMPLETED')
           AND m.updated_at > coalesce((SELECT s.last_success_started_at FROM scheduler_job_state s
                                         WHERE s.job_id = $1), $2::timestamptz - interval '1 hour')
           AND m.updated_at <= $2::timestamptz
        """

    static let preparePlansSQL = """
        DROP TABLE IF EXISTS pg_temp.adjust_plans;
        CREATE TEMP TABLE adjust_plans (
            plan_id bigint PRIMARY KEY, milestone_id bigint NOT NULL, milestone_status text NOT NULL,
            milestone_date date NOT NULL, old_date date NOT NULL, payment_name text NOT NULL, contract_id bigint,
            reason text NOT NULL, applied boolean NOT NULL DEFAULT false
        ) ON COMMIT DROP
        """

    /// $1 allow early invoice, $2 one milestone id or NULL for all. Open plans that must move and were not moved
    /// automatically for this cause before (uq_payment_plan_adjustments_auto answers the NOT EXISTS).
    /// A plan without planned_date is left alone (the original requires one; there is nothing to compare).
    static let plansSQL = """
        INSERT INTO adjust_plans (plan_id, milestone_id, milestone_status, milestone_date, old_date, payment_name,
                                  contract_id, reason)
        SELECT pl.id, m.id, m.status, m.milestone_date, pl.planned_date, pl.payment_name, pl.contract_id,
               CASE WHEN m.milestone_date < pl.planned_date THEN '里程碑提前完成，允许提前开票: ' ELSE '' END
                   || '里程碑状态变更为 ' || m.status || '，自动调整收款计划'
          FROM adjust_milestones m
          JOIN project_payment_plans pl ON pl.milestone_id = m.id AND pl.status IN ('PENDING', 'INVOICED', 'PARTIAL')
         WHERE ($2::bigint IS NULL OR m.id = $2::bigint)
           AND m.milestone_date IS NOT NULL AND pl.planned_date IS NOT NULL
           AND (pl.planned_date < m.milestone_date
                OR (m.status = 'COMPLETED' AND $1::boolean AND pl.planned_date > m.milestone_date))
           AND NOT EXISTS (SELECT 1 FROM payment_plan_adjustments a
                            WHERE a.plan_id = pl.id AND a.milestone_status = m.status
                              AND a.milestone_date = m.milestone_date AND a.adjusted_by IS NULL)
        """

    /// $1 run's now, $2 run's now as ISO 8601 text. History first (ON CONFLICT: a concurrent writer of the same
    /// cause wins and this plan is not moved), then the plan: date, remark entry (only into an empty remark or a
    /// JSON array; free text is kept as it is), updated_at. Returns the number of plans moved.
    static let applySQL = """
        WITH history AS (
            INSERT INTO payment_plan_adjustments (plan_id, milestone_id, milestone_status, milestone_date, field_name,
                                                  old_value, new_value, reason, adjusted_by, adjusted_at)
            SELECT a.plan_id, a.milestone_id, a.milestone_status, a.milestone_date, 'planned_date',
                   to_char(a.old_date, 'YYYY-MM-DD'), to_char(a.milestone_date, 'YYYY-MM-DD'), a.reason, NULL, $1
              FROM adjust_plans a
             ORDER BY a.plan_id
            ON CONFLICT (plan_id, milestone_status, milestone_date) WHERE adjusted_by IS NULL DO NOTHING
            RETURNING plan_id
        ), moved AS (
            UPDATE project_payment_plans pl
               SET planned_date = a.milestone_date, updated_at = $1,
                   remark = CASE
                       WHEN pl.remark IS NULL OR btrim(pl.remark) = '' THEN jsonb_build_array(e.entry)::text
                       WHEN pg_temp.pms_json_array_or_null(pl.remark) IS NOT NULL
                           THEN (pg_temp.pms_json_array_or_null(pl.remark) || jsonb_build_array(e.entry))::text
                       ELSE pl.remark END
              FROM adjust_plans a
              JOIN history h ON h.plan_id = a.plan_id
              CROSS JOIN LATERAL (
                  SELECT jsonb_build_object('field', 'planned_date', 'old_value', to_char(a.old_date, 'YYYY-MM-DD'),
                             'new_value', to_char(a.milestone_date, 'YYYY-MM-DD'), 'reason', a.reason,
                             'adjusted_by', NULL, 'adjusted_at', $2::text) AS entry) e
             WHERE pl.id = a.plan_id
            RETURNING pl.id
        )
        UPDATE adjust_plans t SET applied = true FROM moved WHERE t.plan_id = moved.id
        """

    /// $1 finance role codes. NotificationWriter candidates: one notice per milestone that moved plans and per
    /// active recipient (contract owners of the moved plans, owner of the project's contract, PM, finance role
    /// holders; each user once, in that order). Names of the moved plans in id order.
    static let noticesSQL = """
        WITH changed AS (
            SELECT a.milestone_id, string_agg(a.payment_name, ', ' ORDER BY a.plan_id) AS names
              FROM adjust_plans a WHERE a.applied GROUP BY a.milestone_id
        ), holders AS (
            SELECT DISTINCT ur.user_id
              FROM user_roles ur JOIN roles ro ON ro.id = ur.role_id AND ro.is_active
             WHERE ro.role_code = ANY($1::text[])
        ), wanted AS (
            SELECT a.milestone_id, 1 AS rank, co.owner_id AS user_id
              FROM adjust_plans a JOIN contracts co ON co.id = a.contract_id WHERE a.applied
            UNION ALL
            SELECT c.milestone_id, 2, m.project_contract_owner FROM changed c JOIN adjust_milestones m ON m.id = c.milestone_id
            UNION ALL
            SELECT c.milestone_id, 3, m.pm_id FROM changed c JOIN adjust_milestones m ON m.id = c.milestone_id
            UNION ALL
            SELECT c.milestone_id, 4, h.user_id FROM changed c CROSS JOIN holders h
        ), recipients AS (
            SELECT w.milestone_id, w.user_id, min(w.rank) AS rank
              FROM wanted w JOIN users u ON u.id = w.user_id AND u.is_active
             GROUP BY w.milestone_id, w.user_id
        )
        SELECT r.user_id, 'PAYMENT_ADJUSTMENT', 'milestone', m.id, '收款计划调整通知',
               '项目 ' || m.project_code || ' 的收款计划已调整：' || chr(10)
                   || '里程碑：' || m.milestone_name || chr(10)
                   || '调整的收款计划：' || c.names || chr(10)
                   || '调整原因：里程碑状态变更为 ' || m.status || '，自动调整收款计划' || chr(10)
                   || '请及时关注收款计划变更。',
               NULL::text, 'NORMAL', NULL::jsonb,
               'PAYMENT_ADJUSTMENT|milestone|' || m.id || '|' || r.user_id || '|' || m.status || '|'
                   || to_char(m.milestone_date, 'YYYY-MM-DD'),
               row_number() OVER (ORDER BY m.id, r.rank, r.user_id)
          FROM recipients r
          JOIN changed c ON c.milestone_id = r.milestone_id
          JOIN adjust_milestones m ON m.id = r.milestone_id
        """

    /// Milestones that moved plans, and those of them without any active recipient (after NotificationWriter).
    static let unroutedSQL = """
        SELECT count(*)::int AS milestones, count(*) FILTER (WHERE n.source_id IS NULL)::int AS unrouted
          FROM (SELECT DISTINCT milestone_id FROM adjust_plans WHERE applied) c
          LEFT JOIN (SELECT DISTINCT source_id FROM notification_candidates) n ON n.source_id = c.milestone_id
        """

    /// $1 job id, $2 run's effective now. Only after a run in which every milestone went through.
    static let advanceWatermarkSQL = """
        UPDATE scheduler_job_state SET last_success_started_at = $2, updated_at = $2 WHERE job_id = $1
        """
}
