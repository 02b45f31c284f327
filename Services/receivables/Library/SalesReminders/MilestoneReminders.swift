import PMSPostgres
import PMSRuntime

/// sales_reminder_scan, milestone step (services-receivables-cost.md steps 1–3, corrected): ONE pass over the
/// open milestones (status NOT IN COMPLETED, CANCELLED) of active, non-archived projects:
/// - upcoming, D ≤ planned_date ≤ D+7: MILESTONE_UPCOMING, HIGH when days_left ≤ 3, else NORMAL (one row per
///   milestone and day instead of the original's 7-day + 3-day duplicates);
/// - overdue, planned_date < D: MILESTONE_OVERDUE, URGENT, every day while the milestone stays open.
/// Recipient: the milestone owner; an inactive or missing owner falls back to the project PM (DECISIONS);
/// a milestone with neither is counted `unrouted`. Key `MILESTONE|<milestone_id>|<user_id>|<D>` (DATA-MODEL
/// §4.3), shared with the alert pipeline's milestone notifications: whichever comes first wins.
public struct MilestoneReminders: SalesReminderStep {
    public let name = "milestone_reminders"

    public init() {}

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        try await remind(itemsSQL: Self.itemsSQL, parameters: [context.today.description], item: "milestone reminder",
                         in: context)
    }

    /// $1 business day D. The range `planned_date <= D+7` over open milestones is
    /// idx_project_milestones_open_due.
    static let itemsSQL = """
        WITH items AS (
            SELECT m.id, m.project_id, m.milestone_code, m.milestone_name, m.planned_date,
                   (m.planned_date - $1::date) AS days_left,
                   to_char(m.planned_date, 'YYYY-MM-DD') AS planned_text,
                   -- the owner, else the PM; an inactive user falls through to the next
                   coalesce(uo.id, up.id) AS user_id
              FROM project_milestones m
              JOIN projects p ON p.id = m.project_id AND p.is_active AND NOT p.is_archived
              LEFT JOIN users uo ON uo.id = m.owner_id AND uo.is_active
              LEFT JOIN users up ON up.id = p.pm_id AND up.is_active
             WHERE m.status NOT IN ('COMPLETED', 'CANCELLED') AND m.planned_date <= $1::date + 7
        )
        SELECT i.id, i.user_id,
               CASE WHEN i.days_left >= 0 THEN 'MILESTONE_UPCOMING' ELSE 'MILESTONE_OVERDUE' END,
               'milestone', i.id,
               CASE WHEN i.days_left >= 0 THEN '里程碑即将到期：' ELSE '里程碑已逾期：' END || i.milestone_name,
               CASE WHEN i.days_left >= 0
                    THEN '里程碑 ' || i.milestone_code || ' 将在 ' || i.planned_text || ' 到期，请及时处理。'
                    ELSE '里程碑 ' || i.milestone_code || ' 已逾期 ' || (-i.days_left) || ' 天，请尽快处理。' END,
               '/projects/' || i.project_id || '/milestones/' || i.id,
               CASE WHEN i.days_left < 0 THEN 'URGENT' WHEN i.days_left <= 3 THEN 'HIGH' ELSE 'NORMAL' END,
               CASE WHEN i.days_left >= 0
                    THEN jsonb_build_object('milestone_code', i.milestone_code, 'planned_date', i.planned_text,
                                            'days_left', i.days_left)
                    ELSE jsonb_build_object('milestone_code', i.milestone_code, 'planned_date', i.planned_text,
                                            'overdue_days', -i.days_left) END,
               'MILESTONE|' || i.id || '|' || i.user_id || '|' || to_char($1::date, 'YYYY-MM-DD'),
               row_number() OVER (ORDER BY i.id)
          FROM items i
        """
}
