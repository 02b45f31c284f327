import Foundation

/// Host, port and credentials parsed from `mqtt://[user[:password]@]host[:port]`.
struct BrokerAddress: Sendable, Equatable {
    static let defaultPort = 1883

    var host: String
    var port: Int
    var username: String?
    var password: String?

    /// "host:port" for logs; never shows credentials.
    var label: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    init(host: String, port: Int = BrokerAddress.defaultPort, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    init(url: String) throws(MQTTError) {
        let schemePrefix = "mqtt://"
        guard url.lowercased().hasPrefix(schemePrefix) else {
            throw MQTTError.invalidURL("'\(Self.redacted(url))' must start with \(schemePrefix)")
        }
        var rest = Substring(url.dropFirst(schemePrefix.count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else {
            throw MQTTError.invalidURL("'\(Self.redacted(url))' must not have a path or query")
        }

        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            username = try Self.decode(parts[0], in: url)
            password = parts.count > 1 ? try Self.decode(parts[1], in: url) : nil
        }

        let hostPart: Substring
        let portPart: Substring?
        if rest.hasPrefix("[") {  // IPv6 literal
            guard let close = rest.firstIndex(of: "]") else {
                throw MQTTError.invalidURL("'\(Self.redacted(url))' has an unterminated IPv6 address")
            }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let afterHost = rest[rest.index(after: close)...]
            if afterHost.isEmpty {
                portPart = nil
            } else if afterHost.hasPrefix(":") {
                portPart = afterHost.dropFirst()
            } else {
                throw MQTTError.invalidURL("'\(Self.redacted(url))' has junk after the IPv6 address")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            portPart = rest[rest.index(after: colon)...]
        } else {
            hostPart = rest
            portPart = nil
        }

        guard !hostPart.isEmpty else { throw MQTTError.invalidURL("'\(Self.redacted(url))' has no host") }
        host = String(hostPart)
        if let portPart {
            guard let value = Int(portPart), (1...65535).contains(value) else {
                throw MQTTError.invalidURL("'\(Self.redacted(url))' has an invalid port '\(portPart)'")
            }
            port = value
        } else {
            port = Self.defaultPort
        }
    }

    private static func decode(_ text: Substring, in url: String) throws(MQTTError) -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            throw MQTTError.invalidURL("'\(redacted(url))' has bad percent-encoding in its credentials")
        }
        return decoded
    }

    /// The URL with any password masked, safe for error messages and logs.
    static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://")?.upperBound,
              schemeEnd <= at else { return url }
        let userInfo = url[schemeEnd..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return url[..<colon] + ":***" + url[at...]
    }
}
