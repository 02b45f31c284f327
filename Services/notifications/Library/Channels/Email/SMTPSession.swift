import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One open SMTP connection: sends commands and awaits their replies, each bounded by the timeout.
/// Used by one task at a time; the channel and the loop-bound handler are what cross to the event loop.
struct SMTPSession {
    let channel: any Channel
    let handler: NIOLoopBound<SMTPReplyHandler>
    let configuration: SMTPConfiguration
    let logger: Logger

    var endpoint: String { "\(configuration.host):\(configuration.port)" }
    var timeout: TimeAmount { .nanoseconds(Int64(max(configuration.timeout, 0.001) * 1_000_000_000)) }

    static func connect(_ configuration: SMTPConfiguration, group: any EventLoopGroup, logger: Logger) async throws
        -> SMTPSession {
        let host = configuration.host, port = configuration.port
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.nanoseconds(Int64(max(configuration.timeout, 0.001) * 1_000_000_000)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler(eventLoop: channel.eventLoop))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            throw ChannelError("SMTP connection to \(host):\(port) failed: \(describeConnectError(error, configuration))")
        }
        do {
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: SMTPReplyHandler.self),
                             eventLoop: channel.eventLoop)
            }.get()
            return SMTPSession(channel: channel, handler: handler, configuration: configuration, logger: logger)
        } catch {
            channel.close(promise: nil)
            throw ChannelError("SMTP connection to \(host):\(port) failed: \(error)")
        }
    }

    /// Sends `line` (nil: just wait, as for the greeting) and checks the reply code.
    /// `command` names the step in errors; it replaces `line` there so credentials never reach a log.
    @discardableResult
    func command(_ line: String?, command: String, expecting codes: Set<Int>) async throws -> SMTPReply {
        logger.debug("SMTP >>> \(command)", metadata: ["smtp.server": "\(endpoint)"])
        let handler = self.handler, timeout = self.timeout
        let timeoutError = ChannelError("SMTP timed out after \(Self.seconds(configuration.timeout)) s waiting for "
            + (line == nil ? command : "reply to \(command)"))
        let reply: SMTPReply
        do {
            reply = try await channel.eventLoop.flatSubmit {
                handler.value.exchange(line, timeout: timeout, timeoutError: timeoutError)
            }.get()
        } catch let error as ChannelError {
            throw error
        } catch where error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            throw ChannelError("SMTP TLS handshake with \(endpoint) failed: \(error)")
        } catch {
            throw ChannelError("SMTP \(command) with \(endpoint) failed: \(error)")
        }
        logger.debug("SMTP <<< \(reply.code) \(reply.text)", metadata: ["smtp.server": "\(endpoint)"])
        guard codes.contains(reply.code) else {
            throw ChannelError("SMTP \(reply.code) after \(command): \(reply.text)")
        }
        return reply
    }

    /// Adds TLS in front of everything; the caller's next command rides the handshake.
    func startTLS() async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = configuration.tlsCAFile { tls.additionalTrustRoots = [.file(caFile)] }
        if !configuration.tlsVerify { tls.certificateVerification = .none }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw ChannelError("SMTP TLS setup failed (tlsCAFile \(configuration.tlsCAFile ?? "none")): \(error)")
        }
        // SNI must not carry an IP address; NIOSSL then checks the certificate against the peer's IP instead.
        let host = configuration.host
        let serverHostname: String? = (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
        let handler = self.handler, channel = self.channel
        do {
            try await channel.eventLoop.submit {
                let tlsHandler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                handler.value.discardBufferedInput()
                try channel.pipeline.syncOperations.addHandler(tlsHandler, position: .first)
            }.get()
        } catch {
            throw ChannelError("SMTP TLS setup with \(endpoint) failed: \(error)")
        }
    }

    func close() {
        channel.close(promise: nil)
    }

    /// `10` for whole seconds, `0.5` otherwise.
    static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(value)
    }

    private static func describeConnectError(_ error: Error, _ configuration: SMTPConfiguration) -> String {
        if let error = error as? NIOConnectionError {
            if let dns = error.dnsAError ?? error.dnsAAAAError, error.connectionErrors.isEmpty {
                return "cannot resolve host: \(dns)"
            }
            if !error.connectionErrors.isEmpty {
                return error.connectionErrors.map { failure in
                    // IOError's own text ("connection reset (error set): ...") hides the plain reason.
                    guard let io = failure.error as? IOError else { return "\(failure.error)" }
                    return "\(String(cString: strerror(io.errnoCode))) (errno \(io.errnoCode))"
                }.joined(separator: "; ")
            }
        }
        if case NIOCore.ChannelError.connectTimeout = error {
            return "no connection within \(seconds(configuration.timeout)) s"
        }
        return "\(error)"
    }
}
