import PMSPostgres
import PMSRuntime

/// Step 10 of sales_reminder_scan, approval_pending (corrected: role approvers are no longer skipped).
/// PENDING approval_records created at least `timeoutHours` (SALES_APPROVAL_TIMEOUT_HOURS, default 24) before
/// the run's now; the step is the approval_workflow_steps row of the same workflow with step_order =
/// current_step. Recipient: the step's approver when active; when the approver is NULL (or inactive, DECISIONS
/// fallback) every active holder of an active role `approver_role`. Hours pending are whole hours; HIGH from
/// `highPriorityHours` (48) on, else NORMAL. Texts, link and extra_data as the spec; source_type = entity_type
/// in lower case, source_id = entity_id; key `APPROVAL_PENDING|<entity_type lower>|<entity_id>|<user_id>|<D>`.
/// No active recipient (or no matching step) → unrouted, counted and logged.
public struct ApprovalPendingReminders: SalesReminderStep {
    public let name = "approval_pending"
    /// SALES_APPROVAL_TIMEOUT_HOURS.
    public var timeoutHours = 24
    public var highPriorityHours = 48

    public init() {}

    public func run(in context: JobContext) async throws -> SalesReminderStepCounts {
        let parameters: [any PostgresBindable] = [context.today.description, context.now, timeoutHours, highPriorityHours]
        return try await remind(itemsSQL: Self.itemsSQL, parameters: parameters, item: "pending approval", in: context)
    }

    /// $1 business day D, $2 run's now, $3 timeout hours, $4 HIGH-priority hours. The created_at bound is a
    /// constant, so the scan uses `idx_approval_records_pending`; the step lookup uses
    /// `uq_approval_workflow_steps_step`.
    static let itemsSQL = """
        WITH items AS (
            SELECT a.id, a.entity_type, lower(a.entity_type) AS source_type, a.entity_id, s.step_name,
                   s.approver_id, s.approver_role, $4::int AS high_hours, $1::date AS day,
                   floor(extract(epoch FROM ($2::timestamptz - a.created_at)) / 3600)::int AS hours,
                   CASE a.entity_type WHEN 'QUOTE' THEN '报价' WHEN 'CONTRACT' THEN '合同' WHEN 'INVOICE' THEN '发票'
                        ELSE '事项' END AS label
              FROM approval_records a
              LEFT JOIN approval_workflow_steps s ON s.workflow_id = a.workflow_id AND s.step_order = a.current_step
             WHERE a.status = 'PENDING' AND a.created_at <= $2::timestamptz - $3::int * interval '1 hour'
        ), routed AS (
            SELECT i.id, u.id AS user_id
              FROM items i JOIN users u ON u.id = i.approver_id AND u.is_active
            UNION
            SELECT i.id, ur.user_id
              FROM items i
              JOIN roles ro ON ro.role_code = i.approver_role AND ro.is_active
              JOIN user_roles ur ON ur.role_id = ro.id
              JOIN users u ON u.id = ur.user_id AND u.is_active
             WHERE NOT EXISTS (SELECT 1 FROM users x WHERE x.id = i.approver_id AND x.is_active)
        )
        SELECT i.id, r.user_id, 'APPROVAL_PENDING', i.source_type, i.entity_id,
               '审批待处理：' || i.label || '审批',
               i.label || '审批已待处理 ' || i.hours || ' 小时，请及时处理。',
               '/sales/' || i.source_type || 's/' || i.entity_id || '/approval-status',
               CASE WHEN i.hours >= i.high_hours THEN 'HIGH' ELSE 'NORMAL' END,
               jsonb_build_object('entity_type', i.entity_type, 'entity_id', i.entity_id, 'approval_record_id', i.id,
                                  'hours_pending', i.hours, 'step_name', i.step_name),
               'APPROVAL_PENDING|' || i.source_type || '|' || i.entity_id || '|' || r.user_id || '|' || to_char(i.day, 'YYYY-MM-DD'),
               row_number() OVER (ORDER BY i.id, r.user_id)
          FROM items i LEFT JOIN routed r ON r.id = i.id
        """
}
