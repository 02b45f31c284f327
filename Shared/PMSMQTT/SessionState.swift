/// Mutable client state, only touched under `ClientSession.state`'s lock.
struct SessionState {
    enum Phase { case idle, running, stopped }

    var phase = Phase.idle
    var isConnected = false
    var hasConnectedBefore = false
    /// Failed connection attempts since the last success; only the first is logged at info.
    var failedAttempts = 0
    /// Remembered filters and their QoS, re-subscribed after every (re)connect.
    var subscriptions: [String: Int32] = [:]
    /// Message ids of the automatic re-subscriptions still waiting for their SUBACK.
    var resubscriptionFilters: [Int32: String] = [:]
    var waiters = WaiterTable()
    private var lastToken: UInt64 = 0

    /// Whether a PUBLISH/SUBSCRIBE may be handed to libmosquitto now.
    var canSend: Bool { phase == .running && isConnected }

    mutating func makeToken() -> UInt64 {
        lastToken += 1
        return lastToken
    }
}
