import Foundation
import PMSBus
import PMSPostgres
import PMSRuntime

/// 商机阶段超时提醒, daily 15:30. Notification-only (no alert rule), corrected rule of the spec:
/// open opportunities (stage DISCOVERY 14, QUALIFIED 7, PROPOSAL 10, NEGOTIATION 14 days; WON, LOST, ON_HOLD and
/// NULL stages are out) whose stage was entered — the calendar day, in the configured zone, of
/// COALESCE(stage_changed_at, updated_at) — strictly more than the stage's limit before D. Priority HIGH above
/// 1.5 × the limit, else NORMAL. Recipient: the owner only; without an active owner nothing is sent and the
/// opportunity is counted `unrouted`. One row per (opportunity, owner, D) through `dedupe_key` (DATA-MODEL §4.3),
/// so the reminder repeats daily while over the limit; each new row goes to `<prefix>/inbox/<owner>`.
public struct CheckOpportunityStageTimeout: Job {
    public let id = "check_opportunity_stage_timeout"

    /// Dwell limits in days per stage; texts show these configured values (DECISIONS "Texts with thresholds").
    public struct StageLimits: Sendable, Equatable {
        public var discovery: Int
        public var qualified: Int
        public var proposal: Int
        public var negotiation: Int

        public init(discovery: Int = 14, qualified: Int = 7, proposal: Int = 10, negotiation: Int = 14) {
            self.discovery = discovery; self.qualified = qualified; self.proposal = proposal; self.negotiation = negotiation
        }
    }

    public var limits: StageLimits

    public init(limits: StageLimits = StageLimits()) { self.limits = limits }

    public func run(in context: JobContext) async throws -> RunResult {
        let parameters: [any PostgresBindable] = [
            context.today.description, context.timeZone.identifier,
            limits.discovery, limits.qualified, limits.proposal, limits.negotiation,
        ]
        let outcome = try await NotificationWriter().apply(candidatesSQL: Self.candidates, parameters: parameters,
                                                           in: context)
        // The candidates carry a NULL user when no active owner exists: the writer drops them as "inactive".
        return RunResult(checked: outcome.candidates, created: outcome.created, notified: outcome.notified,
                         skipped: outcome.duplicates, unrouted: outcome.inactive)
    }

    /// One candidate per opportunity over its limit (NotificationWriter columns). $1 business day D
    /// (YYYY-MM-DD), $2 time zone, $3 DISCOVERY, $4 QUALIFIED, $5 PROPOSAL, $6 NEGOTIATION limits (days).
    /// The stage list repeats the predicate of idx_opportunities_open_stage.
    static let candidates = """
        WITH open_opps AS (
            SELECT o.id, o.opp_name, o.stage, o.owner_id,
                   $1::date - (coalesce(o.stage_changed_at, o.updated_at) AT TIME ZONE $2::text)::date AS days,
                   CASE o.stage WHEN 'DISCOVERY' THEN $3::int WHEN 'QUALIFIED' THEN $4::int
                                WHEN 'PROPOSAL' THEN $5::int ELSE $6::int END AS limit_days
              FROM opportunities o
             WHERE o.stage IN ('DISCOVERY','QUALIFIED','PROPOSAL','NEGOTIATION')
        ), over AS (
            SELECT * FROM open_opps WHERE days > limit_days
        )
        SELECT u.id, 'OPPORTUNITY_STAGE_TIMEOUT', 'opportunity', o.id,
               '商机阶段停留超时：' || o.opp_name,
               '商机 ' || o.opp_name || ' 在 ' || o.stage || ' 阶段已停留 ' || o.days || ' 天，超过标准时间 '
                   || o.limit_days || ' 天，请及时推进。',
               '/sales/opportunities/' || o.id,
               -- days > 1.5 × limit, in integers
               CASE WHEN o.days * 2 > o.limit_days * 3 THEN 'HIGH' ELSE 'NORMAL' END,
               jsonb_build_object('opportunity_name', o.opp_name, 'stage', o.stage, 'days_in_stage', o.days,
                                  'timeout_days', o.limit_days),
               -- a NULL user (no active owner) leaves an empty slot; the writer drops that row before inserting
               format('OPPORTUNITY_STAGE_TIMEOUT|opportunity|%s|%s|%s', o.id, u.id, $1::text),
               o.id
          FROM over o
          -- owner only: an inactive or missing owner routes nowhere (no fallback recipient)
          LEFT JOIN users u ON u.id = o.owner_id AND u.is_active
        """
}
