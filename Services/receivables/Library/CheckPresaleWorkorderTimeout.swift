import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 售前工单超时提醒, daily 16:00. Notification-only (no alert rule), corrected per DECISIONS "Presales tickets":
/// open tickets (PENDING, ACCEPTED, PROCESSING, REVIEW).
/// - With a deadline (`deadline`, else `expected_date` at 23:59 in the configured zone): overdue when now > deadline;
///   days = D − the deadline's day; HIGH when urgency is URGENT / VERY_URGENT or days > 2, else NORMAL.
/// - Without one: age = D − the day of created_at; limit by type (CONSULT 3, QUOTATION 5, SOLUTION 7, TENDER 10,
///   anything else or NULL 5); overdue when age > limit; HIGH when age > 1.5 × limit, else NORMAL.
/// Recipient: the assignee, else the applicant (active users; an inactive one falls through to the next); with
/// neither the ticket is counted `unrouted`. One row per (ticket, user, D) through `dedupe_key` (DATA-MODEL §4.3),
/// repeated daily while overdue; each new row goes to `<prefix>/inbox/<user>`.
/// The deadline-case content (not in the spec, chosen in its style) reads
/// '售前工单 {ticket_no}（{title}）已超过截止时间 {days} 天，请及时处理。', extra_data {ticket_no, title, ticket_type,
/// urgency, deadline (local 'YYYY-MM-DD HH24:MI'), days_overdue}.
public struct CheckPresaleWorkorderTimeout: Job {
    public let id = "check_presale_workorder_timeout"

    /// Processing limits in days per ticket type, for tickets without a deadline; texts show these values.
    public struct TypeLimits: Sendable, Equatable {
        public var consult: Int
        public var quotation: Int
        public var solution: Int
        public var tender: Int
        /// SURVEY, MEETING, SITE_VISIT, OTHER and NULL.
        public var other: Int

        public init(consult: Int = 3, quotation: Int = 5, solution: Int = 7, tender: Int = 10, other: Int = 5) {
            self.consult = consult; self.quotation = quotation; self.solution = solution; self.tender = tender
            self.other = other
        }
    }

    public var limits: TypeLimits

    public init(limits: TypeLimits = TypeLimits()) { self.limits = limits }

    public func run(in context: JobContext) async throws -> RunResult {
        let parameters: [any PostgresBindable] = [
            context.today.description, context.now, context.timeZone.identifier,
            limits.consult, limits.quotation, limits.solution, limits.tender, limits.other,
        ]
        let outcome = try await NotificationWriter().apply(candidatesSQL: Self.candidates, parameters: parameters,
                                                           in: context)
        // Candidates carry a NULL user when neither assignee nor applicant is active: the writer drops them.
        return RunResult(checked: outcome.candidates, created: outcome.created, notified: outcome.notified,
                         skipped: outcome.duplicates, unrouted: outcome.inactive)
    }

    /// One candidate per overdue ticket (NotificationWriter columns). $1 business day D (YYYY-MM-DD), $2 run's now,
    /// $3 time zone, $4 CONSULT, $5 QUOTATION, $6 SOLUTION, $7 TENDER, $8 other/NULL limits (days).
    /// The status list repeats the predicate of idx_presale_support_ticket_open.
    static let candidates = """
        WITH open_tickets AS (
            SELECT t.id, t.ticket_no, t.title, t.ticket_type, t.urgency, t.assignee_id, t.applicant_id,
                   coalesce(t.deadline, (t.expected_date + time '23:59') AT TIME ZONE $3::text) AS due_at,
                   $1::date - (t.created_at AT TIME ZONE $3::text)::date AS age,
                   CASE t.ticket_type WHEN 'CONSULT' THEN $4::int WHEN 'QUOTATION' THEN $5::int
                                      WHEN 'SOLUTION' THEN $6::int WHEN 'TENDER' THEN $7::int ELSE $8::int END AS limit_days
              FROM presale_support_ticket t
             WHERE t.status IN ('PENDING','ACCEPTED','PROCESSING','REVIEW')
        ), items AS (
            SELECT t.*, $1::date - (t.due_at AT TIME ZONE $3::text)::date AS days_overdue
              FROM open_tickets t
             -- the ticket's own deadline wins; the type limits apply only without one
             WHERE CASE WHEN t.due_at IS NOT NULL THEN $2::timestamptz > t.due_at ELSE t.age > t.limit_days END
        )
        SELECT coalesce(a.id, p.id), 'PRESALE_TICKET_TIMEOUT', 'presale_ticket', i.id,
               '售前工单处理超时：' || i.ticket_no,
               CASE WHEN i.due_at IS NOT NULL
                    THEN '售前工单 ' || i.ticket_no || '（' || i.title || '）已超过截止时间 ' || i.days_overdue
                         || ' 天，请及时处理。'
                    ELSE '售前工单 ' || i.ticket_no || '（' || i.title || '）已创建 ' || i.age || ' 天，超过标准处理时间 '
                         || i.limit_days || ' 天，请及时处理。' END,
               '/presale/tickets/' || i.id,
               CASE WHEN i.due_at IS NOT NULL
                    THEN CASE WHEN i.urgency IN ('URGENT','VERY_URGENT') OR i.days_overdue > 2 THEN 'HIGH' ELSE 'NORMAL' END
                    -- age > 1.5 × limit, in integers
                    ELSE CASE WHEN i.age * 2 > i.limit_days * 3 THEN 'HIGH' ELSE 'NORMAL' END END,
               CASE WHEN i.due_at IS NOT NULL
                    THEN jsonb_build_object('ticket_no', i.ticket_no, 'title', i.title, 'ticket_type', i.ticket_type,
                             'urgency', i.urgency, 'deadline', to_char(i.due_at AT TIME ZONE $3::text, 'YYYY-MM-DD HH24:MI'),
                             'days_overdue', i.days_overdue)
                    ELSE jsonb_build_object('ticket_no', i.ticket_no, 'title', i.title, 'ticket_type', i.ticket_type,
                             'days_since_created', i.age, 'timeout_days', i.limit_days) END,
               -- a NULL user (nobody active) leaves an empty slot; the writer drops that row before inserting
               format('PRESALE_TICKET_TIMEOUT|presale_ticket|%s|%s|%s', i.id, coalesce(a.id, p.id), $1::text),
               i.id
          FROM items i
          -- the assignee, else the applicant; an inactive user falls through to the next
          LEFT JOIN users a ON a.id = i.assignee_id AND a.is_active
          LEFT JOIN users p ON p.id = i.applicant_id AND p.is_active
        """
}
