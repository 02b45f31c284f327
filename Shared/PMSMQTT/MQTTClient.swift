import CMosquitto
import Foundation
import Logging

/// An MQTT 3.1.1 client over libmosquitto's threaded loop, with an async interface.
/// Safe to share between tasks. Single use: after `disconnect()` create a new client.
public final class MQTTClient: Sendable {
    let configuration: MQTTConfiguration
    private let address: Result<BrokerAddress, MQTTError>
    let session: ClientSession
    /// nil when `mosquitto_new` failed; `connect` then reports `creationError`.
    let handle: MosquittoHandle?
    private let creationError: MQTTError?
    private let loop: NetworkLoop?

    /// Every message received on any subscription, in arrival order. One consumer at a time (cancelling
    /// the consuming task ends the stream); finishes after `disconnect()`.
    public let messages: AsyncStream<MQTTMessage>

    public init(configuration: MQTTConfiguration, logger: Logger) {
        ensureMosquittoLibraryInitialized()
        self.configuration = configuration
        self.address = Result { () throws(MQTTError) in try BrokerAddress(url: configuration.url) }
        var logger = logger
        logger[metadataKey: "mqtt_client_id"] = "\(configuration.clientID)"
        let (messages, incoming) = AsyncStream.makeStream(of: MQTTMessage.self, bufferingPolicy: .unbounded)
        self.messages = messages
        let label = (try? address.get().label) ?? BrokerAddress.redacted(configuration.url)
        let session = ClientSession(logger: logger, brokerLabel: label, incoming: incoming,
                                    birth: configuration.birth)
        self.session = session

        let userdata = Unmanaged.passRetained(session).toOpaque()  // released in deinit, after mosquitto_destroy
        let id = configuration.clientID.isEmpty ? nil : configuration.clientID
        if let raw = mosquitto_new(id, configuration.cleanSession, userdata) {
            let handle = MosquittoHandle(raw: raw)
            MosquittoCallbacks.install(on: handle)
            self.handle = handle
            self.loop = NetworkLoop(handle: handle, session: session, configuration: configuration)
            self.creationError = nil
        } else {
            Unmanaged<ClientSession>.fromOpaque(userdata).release()
            self.handle = nil
            self.loop = nil
            self.creationError = .library(
                code: MOSQ_ERR_INVAL.rawValue,
                message: "mosquitto_new failed (a persistent session needs a non-empty client id): \(String(cString: strerror(errno)))"
            )
        }
    }

    deinit {
        loop?.stop()
        if let handle {
            mosquitto_destroy(handle.raw)
            Unmanaged.passUnretained(session).release()
        }
    }

    public var isConnected: Bool {
        session.state.withLock { $0.isConnected }
    }

    /// Starts the network loop and connects; waits up to `timeout` seconds for the first CONNACK, then throws
    /// `.timeout`, but the client keeps trying in the background either way (so a caller may ignore the error).
    public func connect(timeout: Double = 10) async throws {
        let address = try address.get()
        guard let loop else { throw creationError ?? .notConnected }
        try await runBlocking { try loop.start(address) }
        guard await waitUntilConnected(timeout: timeout) else {
            throw MQTTError.timeout("no CONNACK from \(address.label) within \(timeout) s; still retrying in the background")
        }
    }

    /// Wait until connected (returns true) or timeout (false).
    public func waitUntilConnected(timeout: Double) async -> Bool {
        do {
            try await session.wait(timeout: timeout, timeoutError: .timeout("not connected")) { state in
                if state.isConnected { return nil }
                if state.phase == .stopped { throw MQTTError.notConnected }
                return .connected
            }
            return true
        } catch {
            return false
        }
    }

    /// Clean DISCONNECT (the broker does NOT send the will), stops the loop, finishes `messages`.
    public func disconnect() async {
        guard let loop else { return session.finish() }
        _ = try? await runBlocking { loop.stop() }
    }
}
