import Foundation
import PMSBus
import PMSCatalog
import PMSMQTT
import PMSTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// deploy/mosquitto (production mosquitto.conf, acl, make-passwords.sh) on a real mosquitto: every
/// service account may publish what its code publishes and read what it subscribes to (shared
/// subscriptions included), and nothing else; anonymous and wrong passwords are refused.
final class BrokerACLTests: XCTestCase {
    static let topics = Topics()
    static var p: String { topics.prefix }

    func testConfigIsTheProductionOne() throws {
        let conf = try String(contentsOfFile: DeployFiles.path("mosquitto/mosquitto.conf"), encoding: .utf8)
        let lines = Set(conf.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        for line in ["listener 1883", "allow_anonymous false", "persistence true",
                     "#listener 8883", "#cafile /mosquitto/certs/ca.crt", "#certfile /mosquitto/certs/server.crt",
                     "#keyfile /mosquitto/certs/server.key"] {
            XCTAssertTrue(lines.contains(line), "mosquitto.conf lacks '\(line)'")
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("password_file /") } && lines.contains { $0.hasPrefix("acl_file /") })
        XCTAssertFalse(lines.contains("allow_anonymous true"))
        let acl = try String(contentsOfFile: DeployFiles.path("mosquitto/acl"), encoding: .utf8)
        let users = acl.split(separator: "\n").filter { $0.hasPrefix("user ") }.map { String($0.dropFirst(5)) }
        XCTAssertEqual(users.sorted(), ACLBroker.accounts.sorted())
        // Rules before the first `user` would apply to anonymous clients.
        let beforeUsers = acl.split(separator: "\n").prefix { !$0.hasPrefix("user ") }
        XCTAssertFalse(beforeUsers.contains { $0.hasPrefix("topic") || $0.hasPrefix("pattern") })
    }

    func testAnonymousAndWrongPasswordAreRefused() async throws {
        let broker = try ACLBroker.start()
        defer { broker.stop() }
        let pub = try ACLBroker.tool("mosquitto_pub", package: "mosquitto-clients")
        let base = ["-h", "127.0.0.1", "-p", "\(broker.port)", "-q", "1", "-t", "\(Self.p)/trigger/daily_kit_check", "-m", "{}"]
        let anonymous = try runCommand(pub, base)
        XCTAssertNotEqual(anonymous.status, 0, anonymous.output)
        XCTAssertTrue(anonymous.output.contains("not authorised"), anonymous.output)
        let wrong = try runCommand(pub, base + ["-u", "pmsctl", "-P", "not-the-password"])
        XCTAssertNotEqual(wrong.status, 0, wrong.output)
        XCTAssertTrue(wrong.output.contains("not authorised"), wrong.output)
        let unknown = try runCommand(pub, base + ["-u", "pms-nobody", "-P", ACLBroker.password("pmsctl")])
        XCTAssertNotEqual(unknown.status, 0, unknown.output)
        let right = try runCommand(pub, base + ["-u", "pmsctl", "-P", ACLBroker.password("pmsctl")])
        XCTAssertEqual(right.status, 0, "the right password must connect: \(right.output)")
    }

    /// Each account publishes its must-not topics first, then its must topics, on one connection: once
    /// the must ones reached the observer (reads `#`), a denied one would have arrived before them.
    func testEveryAccountPublishesOnlyItsOwnTopics() async throws {
        let broker = try ACLBroker.start()
        defer { broker.stop() }
        let observer = try await BusObserver(brokerURL: broker.url(ACLBroker.observer), filter: "#")
        var expected: [String] = []
        var forbidden: [String] = []
        for rule in PublishRules.all {
            let client = MQTTClient(configuration: MQTTConfiguration(url: broker.url(rule.account),
                                                                     clientID: "acl-\(rule.account)", cleanSession: true),
                                    logger: testLogger("acl"))
            try await client.connect(timeout: 10)
            for topic in rule.denied {
                try await client.publish(MQTTMessage(topic: topic, string: rule.account, qos: 1))
                forbidden.append("\(topic) from \(rule.account)")
            }
            for topic in rule.allowed {
                try await client.publish(MQTTMessage(topic: topic, string: rule.account, qos: 1))
                expected.append("\(topic) from \(rule.account)")
            }
            await client.disconnect()
        }
        let wanted = Set(expected)
        await observer.waitFor(timeout: 15) { messages in wanted.isSubset(of: Set(messages.map(\.label))) }
        try await Task.sleep(nanoseconds: 500_000_000)
        let seen = Set(await observer.messages().map(\.label))
        XCTAssertEqual(wanted.subtracting(seen).sorted(), [], "refused although the service publishes it")
        XCTAssertEqual(Set(forbidden).intersection(seen).sorted(), [], "let through although not the account's own")
        XCTAssertGreaterThan(expected.count, 80)
        await observer.close()
    }

    /// The subscriptions the services make (as the code builds them, `$share` included) receive what the
    /// rightful publisher sends; filters an account has no business with receive nothing.
    func testEveryAccountReadsWhatItSubscribesTo() async throws {
        let broker = try ACLBroker.start()
        defer { broker.stop() }
        let observer = try await BusObserver(brokerURL: broker.url(ACLBroker.observer), filter: "#")
        var subscribers: [(ReadRule, BusObserver)] = []
        for (index, rule) in ReadRules.all.enumerated() {
            let subscriber = try await BusObserver(brokerURL: broker.url(rule.account), filter: rule.filter,
                                                   clientID: "acl-read-\(index)")
            subscribers.append((rule, subscriber))
        }
        // Denied reads first, so when the allowed ones arrived the denied ones had their chance.
        for rule in ReadRules.all.sorted(by: { !$0.receives && $1.receives }) {
            let client = MQTTClient(configuration: MQTTConfiguration(url: broker.url(rule.publisher),
                                                                     clientID: "acl-pub-\(UUID().uuidString.prefix(6))"),
                                    logger: testLogger("acl"))
            try await client.connect(timeout: 10)
            try await client.publish(MQTTMessage(topic: rule.topic, string: rule.account, qos: 1))
            await client.disconnect()
        }
        let published = Set(ReadRules.all.map { "\($0.topic) from \($0.account)" })
        let all = await observer.waitFor(timeout: 15) { published.isSubset(of: Set($0.map(\.label))) }
        XCTAssertEqual(published.subtracting(all.map(\.label)).sorted(), [], "the publisher was refused")
        for (rule, subscriber) in subscribers where rule.receives {
            let got = await subscriber.waitFor(timeout: 10) { $0.contains { $0.topic == rule.topic } }
            XCTAssertTrue(got.contains { $0.topic == rule.topic }, "\(rule.account) on '\(rule.filter)' missed \(rule.topic)")
        }
        try await Task.sleep(nanoseconds: 500_000_000)
        for (rule, subscriber) in subscribers {
            if !rule.receives {
                let got = await subscriber.messages()
                XCTAssertFalse(got.contains { $0.topic == rule.topic }, "\(rule.account) may not read \(rule.topic)")
            }
            await subscriber.close()
        }
        await observer.close()
    }

    /// The retained `offline` last will of every service reaches its presence topic when the connection
    /// drops; a will naming another service is dropped.
    func testLastWillsOnOwnPresenceTopicArrive() async throws {
        let broker = try ACLBroker.start()
        defer { broker.stop() }
        let observer = try await BusObserver(brokerURL: broker.url(ACLBroker.observer), filter: "\(Self.p)/service/#")
        var wills: [(account: String, topic: String)] = ACLBroker.services.map {
            ("pms-\($0)", Self.topics.service(name: $0, instance: "will-test"))
        }
        wills.insert(("pms-shortage", Self.topics.service(name: "scheduler", instance: "forged")), at: 0)
        for will in wills { try broker.dropWithWill(account: will.account, topic: will.topic) }
        let wanted = Set(wills.dropFirst().map(\.topic))
        let seen = await observer.waitFor(timeout: 15) { wanted.isSubset(of: Set($0.map(\.topic))) }
        XCTAssertEqual(wanted.subtracting(seen.map(\.topic)).sorted(), [], "last wills that did not arrive")
        XCTAssertFalse(seen.contains { $0.topic == wills[0].topic }, "pms-shortage's will as the scheduler got through")
        await observer.close()
    }
}

private extension MQTTMessage {
    var label: String { "\(topic) from \(payloadString)" }
}

/// What each account must and must not publish, from the code: ticks (scheduler), run events of its own
/// jobs, alerts under its own domain, inbox (notifications and the four domains with in-app reminders),
/// presence and errors under its own name; triggers, acks and silences (the operator).
enum PublishRules {
    struct Rule { let account: String; let allowed: [String]; let denied: [String] }
    static let topics = Topics()
    static let inboxDomains: Set<Domain> = [.progress, .issues, .receivables, .production, .notifications]

    static func job(_ domain: Domain) -> String { JobCatalog.jobs(in: domain)[0].id }

    static var all: [Rule] {
        let t = topics
        let domains = Domain.allCases
        var rules: [Rule] = []
        let someJob = job(.shortage)
        rules.append(Rule(
            account: "pms-scheduler",
            allowed: domains.map { t.tick(domain: $0, jobID: job($0)) }
                + [.queued, .skipped, .failed].map { t.run(jobID: someJob, event: $0) }
                + [t.service(name: "scheduler", instance: "a"), t.errors(service: "scheduler")],
            denied: [t.trigger(jobID: someJob), t.alert(level: .warning, domain: .shortage, ruleCode: "X"), t.inbox(userID: 1),
                     t.service(name: "shortage", instance: "a"), t.errors(service: "metrics"), t.alertAck(alertID: 1), t.silence]))
        for domain in domains {
            let name = domain.rawValue
            let other = domain == .progress ? Domain.shortage : .progress
            var allowed = JobCatalog.jobs(in: domain).map { t.run(jobID: $0.id, event: .succeeded) }
            allowed += [.started, .failed, .skipped].map { t.run(jobID: job(domain), event: $0) }
            allowed += AlertLevel.allCases.map { t.alert(level: $0, domain: domain, ruleCode: "R") }
            allowed += [t.service(name: name, instance: "a"), t.errors(service: name)]
            var denied = [t.tick(domain: domain, jobID: job(domain)), t.tick(domain: other, jobID: job(other)),
                          t.run(jobID: job(other), event: .succeeded), t.trigger(jobID: job(domain)),
                          t.service(name: "scheduler", instance: "a"), t.service(name: other.rawValue, instance: "a"),
                          t.errors(service: other.rawValue), t.alertAck(alertID: 1), t.silence]
            if inboxDomains.contains(domain) { allowed.append(t.inbox(userID: 7)) } else { denied.append(t.inbox(userID: 7)) }
            if domain == .notifications {
                // Escalations keep the domain of the escalated alert.
                allowed += domains.map { t.alert(level: .critical, domain: $0, ruleCode: "ESC") }
            } else {
                denied.append(t.alert(level: .warning, domain: other, ruleCode: "X"))
            }
            rules.append(Rule(account: "pms-\(name)", allowed: allowed, denied: denied))
        }
        rules.append(Rule(
            account: "pms-metrics",
            allowed: [t.service(name: "metrics", instance: "a"), t.errors(service: "metrics")],
            denied: [t.run(jobID: someJob, event: .succeeded), t.tick(domain: .shortage, jobID: someJob), t.trigger(jobID: someJob),
                     t.alert(level: .info, domain: .shortage, ruleCode: "X"), t.inbox(userID: 1),
                     t.service(name: "scheduler", instance: "a"), t.errors(service: "scheduler")]))
        rules.append(Rule(
            account: "pmsctl",
            allowed: [t.trigger(jobID: someJob), t.trigger(jobID: job(.cost)), t.alertAck(alertID: 5), t.silence],
            denied: [t.tick(domain: .shortage, jobID: someJob), t.run(jobID: someJob, event: .succeeded),
                     t.alert(level: .urgent, domain: .shortage, ruleCode: "X"), t.inbox(userID: 1),
                     t.service(name: "scheduler", instance: "a")]))
        return rules
    }
}

/// A subscription an account makes (or must not be able to use) and a message its rightful publisher sends.
struct ReadRule {
    let account: String
    let filter: String
    let topic: String
    let publisher: String
    let receives: Bool
}

enum ReadRules {
    static var all: [ReadRule] {
        let t = Topics()
        let job = PublishRules.job
        var rules: [ReadRule] = [
            // scheduler: TriggerConsumer ($share), RunHistoryRecorder, ServiceDirectory.
            ReadRule(account: "pms-scheduler", filter: "$share/scheduler/" + t.allTriggers, topic: t.trigger(jobID: job(.cost)),
                     publisher: "pmsctl", receives: true),
            ReadRule(account: "pms-scheduler", filter: t.allRunEvents, topic: t.run(jobID: job(.cost), event: .succeeded),
                     publisher: "pms-cost", receives: true),
            ReadRule(account: "pms-scheduler", filter: t.allServices, topic: t.service(name: "cost", instance: "r"),
                     publisher: "pms-cost", receives: true),
            // metrics: RunEventConsumer, ServiceDirectory; alerts are none of its business.
            ReadRule(account: "pms-metrics", filter: t.allRunEvents, topic: t.run(jobID: job(.issues), event: .failed),
                     publisher: "pms-issues", receives: true),
            ReadRule(account: "pms-metrics", filter: t.allServices, topic: t.service(name: "issues", instance: "r"),
                     publisher: "pms-issues", receives: true),
            ReadRule(account: "pms-metrics", filter: t.allAlerts, topic: t.alert(level: .info, domain: .issues, ruleCode: "M"),
                     publisher: "pms-issues", receives: false),
            // notifications: alerts, acks and silences, all shared.
            ReadRule(account: "pms-notifications", filter: "$share/notifications/" + t.allAlerts,
                     topic: t.alert(level: .urgent, domain: .production, ruleCode: "N"), publisher: "pms-production", receives: true),
            ReadRule(account: "pms-notifications", filter: "$share/notifications/" + t.allAlertAcks, topic: t.alertAck(alertID: 9),
                     publisher: "pmsctl", receives: true),
            ReadRule(account: "pms-notifications", filter: "$share/notifications/" + t.silence, topic: t.silence,
                     publisher: "pmsctl", receives: true),
            // pmsctl tail [--runs], and the presences.
            ReadRule(account: "pmsctl", filter: t.allAlerts, topic: t.alert(level: .warning, domain: .cost, ruleCode: "T"),
                     publisher: "pms-cost", receives: true),
            ReadRule(account: "pmsctl", filter: t.allRunEvents, topic: t.run(jobID: job(.progress), event: .queued),
                     publisher: "pms-scheduler", receives: true),
            ReadRule(account: "pmsctl", filter: t.allServices, topic: t.service(name: "progress", instance: "r"),
                     publisher: "pms-progress", receives: true),
            ReadRule(account: "pmsctl", filter: t.prefix + "/tick/#", topic: t.tick(domain: .cost, jobID: job(.cost)),
                     publisher: "pms-scheduler", receives: false),
            ReadRule(account: "pms-shortage", filter: t.allInboxes, topic: t.inbox(userID: 3), publisher: "pms-notifications",
                     receives: false),
        ]
        for domain in Domain.allCases {
            let other = domain == .progress ? Domain.shortage : .progress
            // DomainService subscribes to its ticks through the domain's shared subscription.
            rules.append(ReadRule(account: "pms-\(domain.rawValue)", filter: t.tickSubscription(domain: domain),
                                  topic: t.tick(domain: domain, jobID: job(domain)), publisher: "pms-scheduler", receives: true))
            rules.append(ReadRule(account: "pms-\(domain.rawValue)", filter: t.prefix + "/tick/\(other.rawValue)/+",
                                  topic: t.tick(domain: other, jobID: JobCatalog.jobs(in: other)[1].id),
                                  publisher: "pms-scheduler", receives: false))
        }
        return rules
    }
}

/// A mosquitto on a free loopback port running deploy/mosquitto/mosquitto.conf with its listener and
/// paths rewritten to a temp dir, the ACL as shipped plus one read-all observer account, and a password
/// file made by make-passwords.sh from a secrets file of test passwords.
final class ACLBroker: @unchecked Sendable {
    static let services = ["scheduler"] + Domain.allCases.map(\.rawValue) + ["metrics"]
    static let accounts = services.map { "pms-\($0)" } + ["pmsctl"]
    static let observer = "acl-test-observer"

    let port: Int
    let directory: URL
    private let process: Process
    private var droppedClients: [Process] = []

    static func password(_ account: String) -> String { "test pw \(account)" }

    func url(_ account: String) -> String {
        let encoded = Self.password(account).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return "mqtt://\(account):\(encoded)@127.0.0.1:\(port)"
    }

    /// The absolute path of a tool, or a failure that says how to install it.
    static func tool(_ name: String, package: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = ["/usr/sbin/\(name)", "/usr/bin/\(name)"] + path.split(separator: ":").map { "\($0)/\(name)" }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestServerError("\(name) not found: install it with `make deps` (scripts/install-deps.sh; Debian package \(package))")
        }
        return found
    }

    static func start() throws -> ACLBroker {
        var lastError: Error = TestServerError("mosquitto did not start")
        for _ in 0..<3 {
            do { return try ACLBroker(port: freeLoopbackPort()) } catch { lastError = error }
        }
        throw lastError
    }

    private init(port: Int) throws {
        self.port = port
        let fm = FileManager.default
        directory = fm.temporaryDirectory.appendingPathComponent("acl-broker-\(port)-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        let mosquitto = try Self.tool("mosquitto", package: "mosquitto")
        let passwd = try Self.tool("mosquitto_passwd", package: "mosquitto")

        let acl = directory.appendingPathComponent("acl")
        let shipped = try String(contentsOfFile: DeployFiles.path("mosquitto/acl"), encoding: .utf8)
        try (shipped + "\nuser \(Self.observer)\ntopic read #\n").write(to: acl, atomically: true, encoding: .utf8)

        let passwords = directory.appendingPathComponent("passwords")
        let secrets = directory.appendingPathComponent("secrets")
        try Self.accounts.map { "\($0) \(Self.password($0))" }.joined(separator: "\n")
            .write(to: secrets, atomically: true, encoding: .utf8)
        let made = try runCommand("/bin/bash", [DeployFiles.path("mosquitto/make-passwords.sh"), passwords.path, secrets.path])
        guard made.status == 0 else { throw TestServerError("make-passwords.sh failed: \(made.output)") }
        let observerAdded = try runCommand(passwd, ["-b", passwords.path, Self.observer, Self.password(Self.observer)])
        guard observerAdded.status == 0 else { throw TestServerError("mosquitto_passwd failed: \(observerAdded.output)") }

        let config = try Self.rewrite(
            String(contentsOfFile: DeployFiles.path("mosquitto/mosquitto.conf"), encoding: .utf8),
            replacing: ["listener 1883": "listener \(port) 127.0.0.1",
                        "password_file ": "password_file \(passwords.path)",
                        "acl_file ": "acl_file \(acl.path)",
                        "persistence_location ": "persistence_location \(directory.path)/",
                        "log_dest stdout": "log_dest file \(directory.path)/mosquitto.log"])
            // As root mosquitto would switch to the mosquitto user, which cannot read the temp dir.
            + "\nuser root\n"
        let configFile = directory.appendingPathComponent("mosquitto.conf")
        try config.write(to: configFile, atomically: true, encoding: .utf8)

        process = Process()
        process.executableURL = URL(fileURLWithPath: mosquitto)
        process.arguments = ["-c", configFile.path]
        let output = directory.appendingPathComponent("stderr.txt")
        fm.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let up = waitUntil(timeout: 10) { isLoopbackPortOpen(port) || !process.isRunning }
        guard up, process.isRunning else {
            let log = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            stop()
            throw TestServerError("mosquitto with deploy/mosquitto/mosquitto.conf did not start on port \(port): \(log)")
        }
    }

    /// Replaces the whole line starting with each key; every key must be found, so a changed conf is noticed.
    private static func rewrite(_ config: String, replacing: [String: String]) throws -> String {
        var missing = Set(replacing.keys)
        let lines = config.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let key = replacing.keys.first(where: { line.hasPrefix($0) }) else { return String(line) }
            missing.remove(key)
            return replacing[key]!
        }
        guard missing.isEmpty else { throw TestServerError("mosquitto.conf has no line starting with \(missing.sorted())") }
        return lines.joined(separator: "\n")
    }

    /// Connects a mosquitto_sub as `account` with a retained `offline` will on `topic`, then kills it, so
    /// the broker sends the will (a clean disconnect would not). Connected = the broker logged the client id.
    func dropWithWill(account: String, topic: String) throws {
        let sub = try Self.tool("mosquitto_sub", package: "mosquitto-clients")
        let clientID = "will-\(droppedClients.count)-\(UUID().uuidString.prefix(6))"
        let client = Process()
        client.executableURL = URL(fileURLWithPath: sub)
        client.arguments = ["-h", "127.0.0.1", "-p", "\(port)", "-u", account, "-P", Self.password(account), "-i", clientID,
                            "-t", "\(Topics().prefix)/none", "--will-topic", topic, "--will-payload", "offline",
                            "--will-qos", "1", "--will-retain"]
        client.standardOutput = FileHandle.nullDevice
        client.standardError = FileHandle.nullDevice
        try client.run()
        droppedClients.append(client)
        let brokerLog = directory.appendingPathComponent("mosquitto.log")
        let connected = waitUntil(timeout: 10) {
            ((try? String(contentsOf: brokerLog, encoding: .utf8)) ?? "").contains(" as \(clientID) ") || !client.isRunning
        }
        guard connected, client.isRunning else {
            let log = (try? String(contentsOf: brokerLog, encoding: .utf8)) ?? ""
            throw TestServerError("mosquitto_sub as \(account) did not connect: \(log.suffix(1500))")
        }
        kill(client.processIdentifier, SIGKILL)
        client.waitUntilExit()
    }

    /// SIGKILL: a child of Foundation's Process inherits blocked signals and would ignore SIGTERM, and this
    /// broker's persistence is thrown away anyway. Then the temp dir goes.
    func stop() {
        for client in droppedClients + [process] where client.isRunning {
            kill(client.processIdentifier, SIGKILL)
            client.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
