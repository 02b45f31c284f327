import Foundation
import PMSTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A real aiosmtpd server on a free loopback port that stores every message in a Maildir, for tests.
/// Debian's python3 has aiosmtpd; the pyenv python3 on PATH does not.
final class SMTPSink: @unchecked Sendable {
    static let python = "/usr/bin/python3"

    /// One received message as Python's e-mail parser (policy.default) decodes it.
    struct Mail: Decodable {
        let subject: String
        let from: String
        let to: String
        let envelopeFrom: String?
        let envelopeTo: String?
        let plain: String?
        let html: String?
        let raw: String
    }

    let port: Int
    let directory: URL
    private let process: Process

    var maildir: URL { directory.appendingPathComponent("maildir") }

    /// aiosmtpd's CLI cannot set up AUTH, so an authenticating sink runs this script instead: it requires
    /// AUTH (over plain text too) for user argv[3], password argv[4], without the mechanisms in argv[5].
    private static let authScript = """
        import sys, time
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox
        from aiosmtpd.smtp import AuthResult
        user, password = sys.argv[3].encode(), sys.argv[4].encode()
        def check(server, session, envelope, mechanism, data):
            return AuthResult(success=data.login == user and data.password == password, handled=False)
        excluded = [m for m in sys.argv[5].split(',') if m]
        c = Controller(Mailbox(sys.argv[2]), hostname='127.0.0.1', port=int(sys.argv[1]), authenticator=check,
                       auth_required=True, auth_require_tls=False, auth_exclude_mechanism=excluded)
        c.start()
        while True:
            time.sleep(3600)
        """

    /// `tls` (cert, key) enables STARTTLS, which aiosmtpd then requires before MAIL FROM. `auth` makes the sink
    /// demand a login (and ignores `tls`); `excluding` hides AUTH mechanisms such as PLAIN.
    init(tls: (cert: String, key: String)? = nil, auth: (username: String, password: String)? = nil,
         excluding mechanisms: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-sink-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try freeLoopbackPort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        if let auth {
            process.arguments = ["-c", Self.authScript, "\(port)", maildir.path, auth.username, auth.password,
                                 mechanisms.joined(separator: ",")]
        } else {
            var arguments = ["-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)"]
            if let tls { arguments += ["--tlscert", tls.cert, "--tlskey", tls.key] }
            process.arguments = arguments + ["-c", "aiosmtpd.handlers.Mailbox", maildir.path]
        }
        let log = directory.appendingPathComponent("aiosmtpd.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let port = self.port, process = self.process
        guard waitUntil(timeout: 15, { isLoopbackPortOpen(port) || !process.isRunning }), process.isRunning else {
            stop()
            throw TestServerError("aiosmtpd did not listen on \(port): \(self.log())")
        }
    }

    func log() -> String {
        (try? String(contentsOf: directory.appendingPathComponent("aiosmtpd.log"), encoding: .utf8)) ?? ""
    }

    /// SIGKILL: the sink holds no state worth a clean exit, and SIGTERM may be blocked in the child.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Every message received so far, parsed by Python's `mailbox` and `email` modules.
    func messages() throws -> [Mail] {
        let script = """
            import json, mailbox, sys, email, email.policy
            out = []
            box = mailbox.Maildir(sys.argv[1], factory=None, create=False)
            for key in sorted(box.iterkeys()):
                raw = box.get_bytes(key)
                m = email.message_from_bytes(raw, policy=email.policy.default)
                parts = {}
                for p in m.walk():
                    if p.get_content_maintype() != 'multipart':
                        # base64 text keeps its canonical CRLFs; compare with plain newlines.
                        parts[p.get_content_type()] = p.get_content().replace('\\r\\n', '\\n')
                out.append({'subject': str(m['subject']), 'from': str(m['from']), 'to': str(m['to']),
                            'envelopeFrom': m.get('X-MailFrom'), 'envelopeTo': m.get('X-RcptTo'),
                            'plain': parts.get('text/plain'), 'html': parts.get('text/html'),
                            'raw': raw.decode('utf-8', 'replace')})
            print(json.dumps(out))
            """
        guard FileManager.default.fileExists(atPath: maildir.path) else { return [] }
        let result = try runCommand(Self.python, ["-c", script, maildir.path])
        guard result.status == 0 else { throw TestServerError("reading the maildir failed: \(result.output)") }
        return try JSONDecoder().decode([Mail].self, from: Data(result.output.utf8))
    }

    /// A self-signed certificate for 127.0.0.1 in `directory`: (cert, key) paths.
    static func selfSignedCertificate(in directory: URL) throws -> (cert: String, key: String) {
        let cert = directory.appendingPathComponent("c.pem").path, key = directory.appendingPathComponent("k.pem").path
        let result = try runCommand("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1", "-keyout", key, "-out", cert,
        ])
        guard result.status == 0 else { throw TestServerError("openssl failed: \(result.output)") }
        return (cert, key)
    }
}

/// A TCP listener on loopback that never accepts or writes: the kernel completes the handshake and then silence.
final class SilentServer {
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError("socket() failed: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard bound == 0, named == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw TestServerError("cannot listen on loopback: errno \(errno)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    func stop() { close(fd) }
}
