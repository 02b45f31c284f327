import CMosquitto
import Foundation
import Logging

/// Starts and stops libmosquitto's network thread. Start and stop are serialized by one lock, which
/// also guarantees nothing touches the handle once `stop()` has returned.
final class NetworkLoop: Sendable {
    private let handle: MosquittoHandle
    private let session: ClientSession
    private let configuration: MQTTConfiguration
    private let lifecycle = NSLock()
    /// Whether `mosquitto_loop_start` ran; guarded by `lifecycle`.
    private let threadStarted = Locked(false)

    init(handle: MosquittoHandle, session: ClientSession, configuration: MQTTConfiguration) {
        self.handle = handle
        self.session = session
        self.configuration = configuration
    }

    /// Blocking (DNS lookup). A broker that cannot be reached yet is retried in the background.
    func start(_ address: BrokerAddress) throws {
        lifecycle.lock()
        defer { lifecycle.unlock() }
        let phase = session.state.withLock { $0.phase }
        guard phase == .idle else {
            if phase == .stopped {
                throw MQTTError.library(code: MOSQ_ERR_INVAL.rawValue, message: "client was disconnected; create a new one")
            }
            return  // already started: the caller just waits for the connection
        }
        try MosquittoSetup.apply(configuration, address: address, to: handle)
        let code = mosquitto_connect_async(handle.raw, address.host, Int32(address.port), MosquittoSetup.keepAlive(configuration))
        if code == MOSQ_ERR_INVAL.rawValue { try MQTTError.check(code) }
        session.state.withLock { $0.phase = .running }
        if code == MOSQ_ERR_SUCCESS.rawValue {
            try startThread()
        } else {
            session.logger.info("MQTT cannot reach \(address.label) yet, retrying", metadata: ["reason": "\(mosquittoErrorText(code))"])
            Thread.detachNewThread { [self] in retryFirstConnect(address) }
        }
    }

    /// Blocking: sends DISCONNECT, joins the network thread and fails everything still waiting.
    func stop() {
        lifecycle.lock()
        defer { lifecycle.unlock() }
        let wasRunning = session.state.withLock { state -> Bool in
            defer { state.phase = .stopped }
            return state.phase == .running
        }
        if threadStarted.withLock({ $0 }) {
            mosquitto_disconnect(handle.raw)
            mosquitto_loop_stop(handle.raw, false)
            threadStarted.withLock { $0 = false }
        }
        session.finish()
        if wasRunning { session.logger.info("MQTT disconnected from \(session.brokerLabel)") }
    }

    private func startThread() throws {
        try MQTTError.check(mosquitto_loop_start(handle.raw))
        threadStarted.withLock { $0 = true }
    }

    /// libmosquitto's thread idles until a first connect attempt has got off the ground (it waits while
    /// the client state is still "new"), and retries only after that. So the first attempt is ours to repeat.
    private func retryFirstConnect(_ address: BrokerAddress) {
        var delay = max(configuration.reconnectDelayMin, 0.1)
        while sleepWhileRunning(delay) {
            let finished = lifecycle.withLock { () -> Bool in
                guard session.state.withLock({ $0.phase == .running }) else { return true }
                let code = mosquitto_reconnect_async(handle.raw)
                guard code == MOSQ_ERR_SUCCESS.rawValue else {
                    session.logger.debug(
                        "MQTT connection attempt to \(address.label) failed", metadata: ["reason": "\(mosquittoErrorText(code))"]
                    )
                    return false
                }
                do {
                    try startThread()
                } catch {
                    session.logger.error("MQTT cannot start the libmosquitto network thread: \(error)")
                }
                return true
            }
            if finished { return }
            delay = min(delay * 2, max(configuration.reconnectDelayMax, delay))
        }
    }

    /// Sleeps in short slices so `stop()` is not held up; false once the client is stopping.
    private func sleepWhileRunning(_ seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard session.state.withLock({ $0.phase == .running }) else { return false }
            usleep(50_000)
        }
        return session.state.withLock { $0.phase == .running }
    }
}
