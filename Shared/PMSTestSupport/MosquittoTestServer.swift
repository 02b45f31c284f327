import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real mosquitto broker on a free loopback port, for tests. Its config, persistence file and log live in a
/// fresh temp dir, so a restarted broker keeps persistent sessions and queued messages.
public final class MosquittoTestServer: @unchecked Sendable {
    public let port: Int
    /// The temp dir holding mosquitto.conf, mosquitto.log and the persistence database.
    public let directory: URL
    private let lock = NSLock()
    private var pid: pid_t?

    public var url: String { "mqtt://127.0.0.1:\(port)" }
    public var logFile: URL { directory.appendingPathComponent("mosquitto.log") }
    public var configFile: URL { directory.appendingPathComponent("mosquitto.conf") }

    /// Lazily started once per test process, stopped at process exit.
    public static let shared: MosquittoTestServer = {
        do {
            return try start()
        } catch {
            fatalError("cannot start the shared mosquitto test broker: \(error)")
        }
    }()

    /// Every broker started in this process, stopped and deleted at exit so none outlives the tests.
    private static let started: Registry = {
        atexit { MosquittoTestServer.started.withLock { $0.forEach { $0.shutDown() } } }
        return Registry()
    }()

    private final class Registry: @unchecked Sendable {
        private let lock = NSLock()
        private var servers: [MosquittoTestServer] = []
        func withLock(_ body: (inout [MosquittoTestServer]) -> Void) {
            lock.lock()
            defer { lock.unlock() }
            body(&servers)
        }
    }

    /// Starts a broker; `port` nil picks a free one (retried if another process grabs it first).
    public static func start(extraConfig: String = "", port: Int? = nil) throws -> MosquittoTestServer {
        var lastError: Error = TestServerError("mosquitto did not start")
        for _ in 0..<(port == nil ? 3 : 1) {
            let server = try MosquittoTestServer(port: port ?? freeLoopbackPort(), extraConfig: extraConfig)
            do {
                try server.launch()
                started.withLock { $0.append(server) }
                return server
            } catch {
                lastError = error
                server.shutDown()
            }
        }
        throw lastError
    }

    private init(port: Int, extraConfig: String) throws {
        self.port = port
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mosquitto-test-\(port)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // mosquitto started as root drops to user "mosquitto" unless told to stay root; either way the
        // dir must be writable for the persistence file and the log.
        chmod(directory.path, 0o777)
        let config = """
            listener \(port) 127.0.0.1
            allow_anonymous true
            user root
            persistence true
            persistence_location \(directory.path)/
            log_dest file \(logFile.path)
            log_type all
            connection_messages true
            \(extraConfig)

            """
        try config.write(to: configFile, atomically: true, encoding: .utf8)
    }

    /// Stops the broker and deletes its temp dir.
    private func shutDown() {
        try? stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// SIGTERM and wait: mosquitto saves its persistence database on the way out.
    public func stop() throws {
        lock.lock()
        defer { lock.unlock() }
        guard let pid else { return }
        self.pid = nil
        kill(pid, SIGTERM)
        if !Self.waitForExit(pid, timeout: 10) {
            kill(pid, SIGKILL)
            _ = Self.waitForExit(pid, timeout: 5)
            throw TestServerError("mosquitto (pid \(pid)) ignored SIGTERM for 10 s; killed")
        }
    }

    /// Starts again on the same port and directory (same config, same persistence).
    public func restart() throws {
        try stop()
        try launch()
    }

    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return pid != nil
    }

    /// The broker's log so far, for assertion messages.
    public func log() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    private func launch() throws {
        lock.lock()
        defer { lock.unlock() }
        guard pid == nil else { return }
        let child = try Self.spawn(Self.mosquittoPath(), ["-c", configFile.path], output: directory.appendingPathComponent("stderr.txt"))
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if isLoopbackPortOpen(port) {
                pid = child
                return
            }
            if Self.waitForExit(child, timeout: 0) {
                let stderr = (try? String(contentsOf: directory.appendingPathComponent("stderr.txt"), encoding: .utf8)) ?? ""
                throw TestServerError("mosquitto exited at start on port \(port): \(stderr)\(log().suffix(2000))")
            }
            usleep(20_000)
        }
        kill(child, SIGKILL)
        _ = Self.waitForExit(child, timeout: 5)
        throw TestServerError("mosquitto did not listen on port \(port) within 10 s: \(log().suffix(2000))")
    }

    private static func mosquittoPath() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = ["/usr/sbin/mosquitto"] + path.split(separator: ":").map { "\($0)/mosquitto" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestServerError("mosquitto not found in /usr/sbin or PATH (apt-get install mosquitto)")
        }
        return found
    }

    /// posix_spawn rather than Foundation.Process so stop() can SIGTERM and reap it directly, also at exit.
    private static func spawn(_ executable: String, _ arguments: [String], output: URL) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Dispatch worker threads block signals and a spawned child inherits that mask; without resetting
        // it mosquitto would never see our SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaultSignals, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard status == 0 else { throw TestServerError("posix_spawn \(executable) failed: errno \(status)") }
        return pid
    }

    /// Reaps `pid`; true when it has exited within `timeout` seconds.
    private static func waitForExit(_ pid: pid_t, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result == -1 && errno == ECHILD) { return true }
            if timeout > 0 { usleep(20_000) }
        } while Date() < deadline
        return false
    }
}
