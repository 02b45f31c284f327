import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL server for tests: its own data directory, a free loopback port, trust authentication.
/// Never touches a system cluster. Under root the server tools run as the `postgres` OS user (PostgreSQL refuses
/// to run as root); otherwise they run as the current user.
public final class PostgresTestServer: @unchecked Sendable {
    public let port: Int
    /// The temporary directory holding the data directory, the unix socket and the server log.
    public let directory: String
    private let tools: PostgresTools
    private let lock = NSLock()
    private var isRunning = false
    private var databaseCounter = 0

    private var dataDirectory: String { directory + "/data" }
    private var logFile: String { directory + "/server.log" }

    /// One server per test process, started on first use and removed at process exit.
    public static let shared: PostgresTestServer = {
        do {
            return try start()
        } catch {
            fatalError("could not start the shared PostgreSQL test server: \(error)")
        }
    }()

    /// initdb into a fresh temporary directory and start the server; it is stopped and removed at process exit
    /// unless `destroy()` did so earlier.
    public static func start() throws -> PostgresTestServer {
        let tools = try PostgresTools.locate()
        let directory = try makeTemporaryDirectory(owner: tools.runsAsPostgres ? tools.postgresUser : nil)
        do {
            try tools.run("initdb", [
                "-D", directory + "/data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync",
            ], in: directory)
            // Another process may grab the port between choosing and binding it; then try another one.
            var lastError: Error = TestServerError("no attempt made")
            for _ in 0..<3 {
                let server = PostgresTestServer(port: try freeLoopbackPort(), directory: directory, tools: tools)
                do {
                    try server.writeSettings()
                    try server.restart()
                    TestServerRegistry.add(server)
                    return server
                } catch {
                    lastError = error
                    server.kill()
                }
            }
            throw lastError
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    private init(port: Int, directory: String, tools: PostgresTools) {
        self.port = port
        self.directory = directory
        self.tools = tools
    }

    public func url(database: String = "postgres") -> String {
        "postgresql://postgres@127.0.0.1:\(port)/\(database)"
    }

    public func createDatabase(_ name: String) throws {
        guard Self.isPlainIdentifier(name) else { throw TestServerError("invalid database name \"\(name)\"") }
        try tools.run("psql", [
            "-X", "-q", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres",
            "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \"\(name)\"",
        ], in: directory, asPostgres: false)
    }

    /// Creates a database with a unique name starting with `prefix` and returns the name.
    public func createFreshDatabase(prefix: String = "t") throws -> String {
        let number = lock.withLock {
            databaseCounter += 1
            return databaseCounter
        }
        let name = "\(prefix.lowercased())_\(getpid())_\(number)_\(UInt32.random(in: 0...UInt32.max))"
        try createDatabase(name)
        return name
    }

    /// Stops the server (fast shutdown); `restart()` starts it again on the same port and data.
    public func stop() throws {
        try lock.withLock {
            guard isRunning else { return }
            let stop = try tools.runStatus("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], in: directory)
            // pg_ctl status exits with 3 when no server runs (e.g. it was killed from outside): that is stopped too.
            if stop.status != 0, try tools.runStatus("pg_ctl", ["-D", dataDirectory, "status"], in: directory).status != 3 {
                throw TestServerError("pg_ctl stop failed (\(stop.status)): \(stop.output)")
            }
            isRunning = false
        }
    }

    /// Starts the server again after `stop()` or `kill()`; a running server is stopped first.
    public func restart() throws {
        try stop()
        try lock.withLock {
            do {
                try tools.run("pg_ctl", ["-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "start"], in: directory)
            } catch {
                throw TestServerError("\(error)\nserver log:\n\(serverLog().suffix(2000))")
            }
            isRunning = true
            guard waitUntil(timeout: 30, { isLoopbackPortOpen(port) }) else {
                throw TestServerError("PostgreSQL did not open port \(port)\nserver log:\n\(serverLog().suffix(2000))")
            }
        }
    }

    /// Stops the server at once (immediate shutdown, as in a crash); `restart()` recovers it.
    public func kill() {
        lock.withLock {
            _ = try? tools.run("pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "-t", "60", "stop"], in: directory)
            isRunning = false
        }
    }

    /// Kills the server and deletes its directory; the object is unusable afterwards.
    public func destroy() {
        kill()
        try? FileManager.default.removeItem(atPath: directory)
        TestServerRegistry.remove(self)
    }

    /// The server's log, for failure messages.
    public func serverLog() -> String {
        (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
    }

    /// Settings live in their own included file so each port attempt can rewrite them.
    private func writeSettings() throws {
        let settings = """
            listen_addresses = '127.0.0.1'
            port = \(port)
            unix_socket_directories = '\(directory)'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            autovacuum = off
            max_connections = 100
            shared_buffers = 32MB
            logging_collector = off
            log_min_messages = warning

            """
        let settingsPath = dataDirectory + "/pms_test.conf"
        try settings.write(toFile: settingsPath, atomically: false, encoding: .utf8)
        let mainConfig = dataDirectory + "/postgresql.conf"
        let existing = try String(contentsOfFile: mainConfig, encoding: .utf8)
        if !existing.contains("include 'pms_test.conf'") {
            try (existing + "\ninclude 'pms_test.conf'\n").write(toFile: mainConfig, atomically: false, encoding: .utf8)
        }
        if let owner = tools.runsAsPostgres ? tools.postgresUser : nil {
            chown(settingsPath, owner.uid, owner.gid)
        }
    }

    private static func isPlainIdentifier(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 63 && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
    }

    private static func makeTemporaryDirectory(owner: (uid: uid_t, gid: gid_t)?) throws -> String {
        var template = Array("/tmp/pms-pg-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw TestServerError("mkdtemp failed: errno \(errno)") }
        let path = String(cString: created)
        if let owner, chown(path, owner.uid, owner.gid) != 0 {
            throw TestServerError("chown \(path) to postgres failed: errno \(errno)")
        }
        return path
    }
}

/// Servers still alive at process exit are stopped and their directories removed.
private enum TestServerRegistry {
    nonisolated(unsafe) private static var servers: [ObjectIdentifier: PostgresTestServer] = [:]
    private static let lock = NSLock()
    private static let installExitHandler: Void = {
        atexit { TestServerRegistry.destroyAll() }
    }()

    static func add(_ server: PostgresTestServer) {
        lock.withLock {
            installExitHandler
            servers[ObjectIdentifier(server)] = server
        }
    }

    static func remove(_ server: PostgresTestServer) {
        lock.withLock { _ = servers.removeValue(forKey: ObjectIdentifier(server)) }
    }

    static func destroyAll() {
        let remaining = lock.withLock { Array(servers.values) }
        for server in remaining { server.destroy() }
    }
}

/// initdb, pg_ctl and psql from the newest /usr/lib/postgresql/*/bin, or from PATH.
private struct PostgresTools: Sendable {
    let binDirectory: String
    let runsAsPostgres: Bool
    let postgresUser: (uid: uid_t, gid: gid_t)?
    let runuser: String?

    static func locate() throws -> PostgresTools {
        let binDirectory = try findBinDirectory()
        guard getuid() == 0 else {
            return PostgresTools(binDirectory: binDirectory, runsAsPostgres: false, postgresUser: nil, runuser: nil)
        }
        guard let entry = getpwnam("postgres") else {
            throw TestServerError("running as root but there is no `postgres` OS user to run the server as")
        }
        let runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let runuser else { throw TestServerError("running as root but runuser was not found") }
        return PostgresTools(
            binDirectory: binDirectory, runsAsPostgres: true,
            postgresUser: (entry.pointee.pw_uid, entry.pointee.pw_gid), runuser: runuser
        )
    }

    private static func findBinDirectory() throws -> String {
        let fileManager = FileManager.default
        let hasTools = { (directory: String) in
            ["initdb", "pg_ctl", "psql"].allSatisfy { fileManager.isExecutableFile(atPath: directory + "/" + $0) }
        }
        let base = "/usr/lib/postgresql"
        let versions = ((try? fileManager.contentsOfDirectory(atPath: base)) ?? [])
            .compactMap { name in Double(name).map { (name, $0) } }
            .sorted { $0.1 > $1.1 }
        for (name, _) in versions where hasTools("\(base)/\(name)/bin") { return "\(base)/\(name)/bin" }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":").map(String.init) where hasTools(directory) { return directory }
        throw TestServerError("PostgreSQL server tools (initdb, pg_ctl, psql) not found in \(base)/*/bin or PATH")
    }

    /// Runs a tool to completion (as `postgres` when root, unless `asPostgres` is false); throws on failure.
    @discardableResult
    func run(_ tool: String, _ arguments: [String], in directory: String, asPostgres: Bool = true) throws -> String {
        let result = try runStatus(tool, arguments, in: directory, asPostgres: asPostgres)
        guard result.status == 0 else {
            throw TestServerError("\(tool) \(arguments.joined(separator: " ")) exited with \(result.status): \(result.output)")
        }
        return result.output
    }

    /// Like `run`, but hands back a non-zero exit status instead of throwing.
    func runStatus(
        _ tool: String, _ arguments: [String], in directory: String, asPostgres: Bool = true
    ) throws -> (status: Int32, output: String) {
        let executable = binDirectory + "/" + tool
        var argv = [executable] + arguments
        if runsAsPostgres && asPostgres, let runuser { argv = [runuser, "-u", "postgres", "--"] + argv }
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("pms-pg-tool-\(getpid())-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let status = try ToolProcess.run(argv, directory: directory, outputPath: outputPath, timeout: 120)
        return (status, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }
}

/// posix_spawn + waitpid rather than Foundation.Process: Process could miss the exit of `runuser pg_ctl start`
/// and hang. Output goes to a file, not a pipe, which the server started by pg_ctl could otherwise keep open.
private enum ToolProcess {
    /// Returns the exit status; kills the tool after `timeout` seconds.
    static func run(_ argv: [String], directory: String, outputPath: String, timeout: Double) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Dispatch worker threads block signals and children inherit the mask: reset it for the tools.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD] { sigaddset(&defaultSignals, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["LC_MESSAGES"] = "C"
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        // The postgres user may not be able to enter our working directory, so start in `directory`
        // (posix_spawn_file_actions_addchdir_np is not visible to Swift).
        let shellArgv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + argv
        let cArguments = shellArgv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }

        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, shellArgv[0], &actions, &attributes, cArguments, envp)
        guard spawned == 0 else { throw TestServerError("posix_spawn \(argv[0]) failed: errno \(spawned)") }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return exitCode(status) }
            if result == -1 && errno != EINTR { throw TestServerError("waitpid \(argv[0]) failed: errno \(errno)") }
            if Date() > deadline {
                Glibc.kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw TestServerError("\(argv.joined(separator: " ")) did not finish within \(Int(timeout)) s")
            }
            usleep(10_000)
        }
    }

    /// WEXITSTATUS / 128+signal, as the shell reports them (the C macros are not imported).
    private static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
