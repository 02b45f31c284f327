import Dispatch
import Foundation
import Logging
import PMSBus
import PMSCore

/// Starts a service's work and stops it cleanly on SIGINT or SIGTERM.
public enum ServiceLauncher {
    /// Runs `work` until it ends or a stop signal arrives; then cancels it and runs `stop`.
    public static func run(logger: Logger, work: @escaping @Sendable () async throws -> Void,
                           stop: @escaping @Sendable () async -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await work() }
            group.addTask {
                let signal = await waitForStopSignal()
                logger.info("stopping", metadata: ["event": "stopping", "signal": "\(signal)"])
            }
            _ = try await group.next()
            group.cancelAll()
        }
        await stop()
        logger.info("stopped", metadata: ["event": "stopped"])
    }

    /// Runs a domain service with the common flags.
    public static func runDomainService(domain: Domain, jobs: [any Job], consumers: [any MessageConsumer] = [],
                                        options: CommonOptions) async throws {
        let configuration = options.configuration(service: domain.rawValue)
        JSONLogHandler.bootstrap(service: configuration.service, level: configuration.logLevel)
        let runtime = ServiceRuntime(configuration: configuration)
        let service = DomainService(runtime: runtime, domain: domain, jobs: jobs, consumers: consumers)
        runtime.logger.info("starting", metadata: [
            "event": "starting", "instance": "\(configuration.instance)", "mqtt_url": "\(redacted(configuration.mqttURL))",
            "time_zone": "\(configuration.timeZone.identifier)"])
        try await run(logger: runtime.logger, work: { try await service.run() }, stop: { await runtime.stop() })
    }

    /// A URL with its password hidden, for logs.
    public static func redacted(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"),
              let colon = url[scheme.upperBound..<at].firstIndex(of: ":") else { return url }
        return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
    }

    private static func waitForStopSignal() async -> Int32 {
        await withCheckedContinuation { continuation in
            let once = StopOnce(continuation)
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { once.fire(sig) }
                source.resume()
                once.keep(source)
            }
        }
    }
}

private final class StopOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Int32, Never>?
    private var sources: [DispatchSourceSignal] = []

    init(_ continuation: CheckedContinuation<Int32, Never>) { self.continuation = continuation }

    func keep(_ source: DispatchSourceSignal) { lock.withLock { sources.append(source) } }

    func fire(_ signal: Int32) {
        let pending = lock.withLock { () -> CheckedContinuation<Int32, Never>? in
            defer { continuation = nil }
            return continuation
        }
        pending?.resume(returning: signal)
    }
}
