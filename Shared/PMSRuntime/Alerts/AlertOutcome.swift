/// What one pass of the alert writer did for one rule.
public struct AlertOutcome: Sendable, Equatable {
    public var candidates = 0
    public var created = 0
    /// Open alerts whose condition still holds and were refreshed (content, trigger value).
    public var refreshed = 0
    /// Of the refreshed, those whose level rose.
    public var levelRaised = 0
    public var resolved = 0
    /// Candidates held back by an IGNORED alert or an earlier alert of the same episode.
    public var suppressed = 0
    /// Recipient rows written for the alerts of this pass.
    public var recipients = 0
    /// Open alerts of the rule, after this pass, with no stored recipient (DECISIONS "Recipients": counted,
    /// never sent to user 1; the notification router may still reach someone through subscriptions).
    public var unrouted = 0

    public init() {}
}
