import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Posts JSON to a webhook with the service's shared `HTTPClient` and turns every failure into a
/// `ChannelError` whose text is safe to store (no keys, tokens or secrets).
public struct WebhookPoster: Sendable {
    public struct Response: Sendable, Equatable {
        public let status: Int
        public let body: String
    }

    public let client: HTTPClient
    /// Used in error texts, e.g. "WeCom" → "WeCom webhook timed out after 5 s".
    public let channelName: String
    public let timeoutSeconds: Int

    public init(client: HTTPClient, channelName: String, timeoutSeconds: Int = 5) {
        self.client = client; self.channelName = channelName; self.timeoutSeconds = max(1, timeoutSeconds)
    }

    /// Returns the answer of a 2xx status; throws `ChannelError` for any other status, a timeout or no connection.
    /// `secrets` are blanked out of any error text (the URL's query values are blanked anyway).
    public func post(url: String, json: Data, headers: [(String, String)] = [],
                     secrets: [String] = []) async throws -> Response {
        guard let parsed = URL(string: url), let host = parsed.host, !host.isEmpty else {
            throw ChannelError("\(channelName) webhook URL is invalid")
        }
        let hidden = secrets + (URLComponents(string: url)?.queryItems ?? []).compactMap(\.value)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: json))

        let response: Response
        do {
            response = try await send(request)
        } catch let error as ChannelError {
            throw error
        } catch {
            throw ChannelError(Self.redact("\(channelName) webhook unreachable: \(Self.describe(error))", hidden))
        }
        guard (200..<300).contains(response.status) else {
            throw ChannelError(Self.redact("HTTP \(response.status) from \(host): \(response.body.prefix(200))", hidden))
        }
        return response
    }

    /// AHC's deadline only covers the wait for the response head, so the body read is raced against the limit too;
    /// the race ends a little later so that AHC can first report a refused connection as such.
    private func send(_ request: HTTPClientRequest) async throws -> Response {
        let client = self.client, seconds = timeoutSeconds
        let timedOut = ChannelError("\(channelName) webhook timed out after \(seconds) s")
        return try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask {
                do {
                    let response = try await client.execute(request, timeout: .seconds(Int64(seconds)))
                    let body = try await response.body.collect(upTo: 1 << 20)
                    return Response(status: Int(response.status.code), body: String(buffer: body))
                } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
                    throw timedOut
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds) + .milliseconds(500))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else { throw timedOut }
            return response
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)".replacingOccurrences(of: "HTTPClientError.", with: "") }
        // NIO's own text for a refused connect reads "connection reset (error set): ..."; the errno says it plainly.
        if let error = error as? IOError { return "\(String(cString: strerror(error.errnoCode))) (errno \(error.errnoCode))" }
        return "\(error)"
    }

    private static func redact(_ text: String, _ secrets: [String]) -> String {
        secrets.filter { $0.count >= 4 }.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }
}
