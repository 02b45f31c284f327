import Foundation
import PMSTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP relay in front of the broker, so a test can make a connection die the way a crashed
/// process or a broken network does: no DISCONNECT, just a closed socket (`cut`) or silence (`dropTraffic`).
final class TCPRelay: @unchecked Sendable {
    let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let lock = NSLock()
    private var sockets: [Int32] = []
    private var dropping = false
    private var isCut = false

    init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        port = try freeLoopbackPort()
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw TestServerError("relay cannot listen on \(port): errno \(errno)")
        }
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit {
        cut()
        close(listener)
        for fd in sockets { close(fd) }
    }

    var url: String { "mqtt://127.0.0.1:\(port)" }

    /// Keeps the connections open but silently discards everything in both directions.
    func dropTraffic() {
        lock.withLock { dropping = true }
    }

    /// Closes every relayed connection at once and stops accepting new ones.
    func cut() {
        lock.withLock {
            isCut = true
            for fd in sockets { shutdown(fd, Int32(SHUT_RDWR)) }
            shutdown(listener, Int32(SHUT_RDWR))
        }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(upstreamPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            let accepted = lock.withLock { () -> Bool in
                sockets += [client, upstream]
                return !isCut && connected == 0
            }
            guard accepted else {
                shutdown(client, Int32(SHUT_RDWR))
                shutdown(upstream, Int32(SHUT_RDWR))
                continue
            }
            Thread.detachNewThread { [self] in pump(from: client, to: upstream) }
            Thread.detachNewThread { [self] in pump(from: upstream, to: client) }
        }
    }

    private func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            if lock.withLock({ dropping }) { continue }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(destination, $0.baseAddress! + offset, count - offset) }
                guard written > 0 else { break }
                offset += written
            }
        }
        shutdown(destination, Int32(SHUT_RDWR))
    }

    private static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
