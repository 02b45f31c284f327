import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NotificationsService
import PMSBus
import PMSCore
import PMSMigrations
import PMSMQTT
import PMSPostgres
import PMSRuntime
import PMSWebhookReceiver

/// Routes and delivers N alert events, published on the bus as producing jobs do, through the real
/// pms-notifications pipeline (in this process) to SYSTEM (the inbox topic) and a WeCom robot on a
/// loopback HTTP receiver; reports events/s and the alert → delivery latency percentiles.
struct NotificationsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "Route and deliver N alert events to SYSTEM and a loopback webhook; print events/s and latency p50/p99.")

    @OptionGroup var options: CommonOptions

    @Option(help: "Alert events to publish.")
    var events: Int = 50_000

    @Option(help: "Events per second to publish at (0 = as fast as the broker takes them, a burst).")
    var rate: Int = 0

    @Option(help: "Recipients per alert (each gets a SYSTEM row; the WeCom robot gets one post per alert).")
    var recipients: Int = 2

    @Option(name: .customLong("service-log-level"), help: "Log level of the notifications service under test (its JSON lines go to stderr).")
    var serviceLogLevel: String = "warning"

    @Option(help: "Seconds to wait for every delivery before giving up.")
    var timeout: Int = 900

    func validate() throws {
        guard (1...1_000_000).contains(events) else { throw ValidationError("--events must be 1…1000000") }
        guard (1...50).contains(recipients) else { throw ValidationError("--recipients must be 1…50") }
        guard rate >= 0 else { throw ValidationError("--rate must be 0 (a burst) or a positive number of events per second") }
    }

    func run() async throws {
        JSONLogHandler.bootstrap(service: "bench", level: Logger.Level(rawValue: serviceLogLevel) ?? .warning)
        var logger = Logger(label: "pms.bench")
        logger.logLevel = .warning
        let zone = TimeZone(identifier: options.timeZoneName)!
        let topics = Topics(prefix: "bench\(UUID().uuidString.prefix(6).lowercased())/pms/v1")
        let db = PostgresConnection(url: options.databaseURL, logger: logger)
        try await db.connect()
        defer { db.close() }
        try await Migrator(logger: logger).migrate(on: db)
        let existing = try await db.query("SELECT count(*)::int AS n FROM alert_records").first!.decode(Int.self, "n")
        guard existing == 0 else {
            throw ValidationError("the database already holds \(existing) alerts; use an empty database (make bench makes one)")
        }
        progress("setting up \(events) alerts for \(recipients) recipients each …")
        try await db.executeScript(Self.setupSQL(events: events, recipients: recipients))

        let receiver = try await WebhookReceiver.start()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let runtime = ServiceRuntime(configuration: ServiceConfiguration(
            service: "notifications", instance: "bench", mqttURL: options.mqttURL, databaseURL: options.databaseURL,
            topics: topics, timeZone: zone, logLevel: Logger.Level(rawValue: serviceLogLevel) ?? .warning), poolSize: 10,
            cleanSession: true)
        let settings = ChannelSettings(wecom: WeComRobotConfiguration(webhookURL: receiver.url(path: "/wecom"), timeoutSeconds: 10))
        let service = NotificationsAssembly.service(runtime: runtime, channels: settings.channels(client: http, timeZone: zone),
                                                    sweepInterval: .seconds(3600))
        let serviceTask = Task { try? await service.run() }

        let inbox = InboxRecorder()
        let observer = MQTTClient(configuration: MQTTConfiguration(url: options.mqttURL, clientID: "bench-inbox-\(UUID().uuidString.prefix(6))",
                                                                   cleanSession: true), logger: logger)
        let inboxStream = observer.messages
        let reader = Task { for await message in inboxStream { await inbox.record(message) } }
        try await observer.connect(timeout: 10)
        try await observer.subscribe(topics.allInboxes, qos: 1)
        _ = await runtime.mqtt.waitUntilConnected(timeout: 10)
        try await Task.sleep(for: .milliseconds(500))

        let publisher = MQTTClient(configuration: MQTTConfiguration(url: options.mqttURL, clientID: "bench-pub-\(UUID().uuidString.prefix(6))",
                                                                    cleanSession: true), logger: logger)
        try await publisher.connect(timeout: 10)
        progress("publishing \(events) alert events on \(topics.prefix)/alert/WARNING/shortage/MATERIAL_SHORTAGE …")
        let published = PublishTimes(count: events)
        let started = Date()
        let topic = topics.alert(level: .warning, domain: .shortage, ruleCode: "MATERIAL_SHORTAGE")
        let window = rate > 0 ? max(1, min(200, rate / 10)) : 200
        for batchStart in stride(from: 1, through: events, by: window) {
            if rate > 0 {
                // Paced: batch k leaves at k·window/rate seconds after the start.
                let due = started.addingTimeInterval(Double(batchStart - 1) / Double(rate))
                let wait = due.timeIntervalSinceNow
                if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in batchStart..<min(batchStart + window, events + 1) {
                    group.addTask {
                        await published.set(id, Date())
                        try await publisher.publish(MQTTMessage(topic: topic, payload: Array(Self.event(id: id).utf8), qos: 1))
                    }
                }
                try await group.waitForAll()
            }
        }
        let publishedAt = Date()
        progress(String(format: "published in %.1f s; waiting for deliveries …", publishedAt.timeIntervalSince(started)))

        let expectedInbox = events * recipients
        let deadline = Date().addingTimeInterval(Double(timeout))
        var lastReport = Date()
        while Date() < deadline {
            let posts = await receiver.requestCount(), messages = await inbox.count()
            if posts >= events && messages >= expectedInbox, await Self.distinctAlerts(receiver.requests()) >= events { break }
            if Date().timeIntervalSince(lastReport) > 10 {
                progress("  … \(posts)/\(events) webhook posts, \(messages)/\(expectedInbox) inbox messages")
                lastReport = Date()
            }
            try await Task.sleep(for: .milliseconds(200))
        }

        let requests = await receiver.requests()
        let times = await published.all()
        var webhookLatencies: [Double] = []
        var posted = Set<Int>()
        for request in requests {
            guard let id = Self.alertID(in: request.bodyText), id >= 1, id <= events, let sent = times[id] else { continue }
            guard posted.insert(id).inserted else { continue }
            webhookLatencies.append(request.receivedAt.timeIntervalSince(sent) * 1000)
        }
        var inboxLatencies: [Double] = []
        for (id, arrived) in await inbox.arrivals() {
            guard id >= 1, id <= events, let sent = times[Int(id)] else { continue }
            inboxLatencies.append(arrived.timeIntervalSince(sent) * 1000)
        }
        let lastDelivery = ([requests.map(\.receivedAt).max(), await inbox.arrivals().map(\.1).max()].compactMap { $0 }).max() ?? Date()
        let elapsed = lastDelivery.timeIntervalSince(started)
        let delivered = min(webhookLatencies.count, events)
        let duplicates = requests.count - posted.count
        let complete = webhookLatencies.count >= events && inboxLatencies.count >= expectedInbox && duplicates == 0
        let rows = try await db.query(
            "SELECT notify_channel, status, count(*)::int AS n FROM alert_notifications GROUP BY 1, 2 ORDER BY 1, 2")

        progress("")
        progress("notifications benchmark: \(events) alert events (\(rate > 0 ? "\(rate)/s" : "one burst")), \(recipients) recipients each, channels SYSTEM + WECHAT (loopback robot)")
        progress(String(format: "  throughput      %.0f events/s (first publish → last delivery %.1f s)", Double(delivered) / elapsed, elapsed))
        progress("  webhook latency \(LatencySummary(milliseconds: webhookLatencies))")
        progress("  inbox latency   \(LatencySummary(milliseconds: inboxLatencies))")
        progress(String(format: "  peak memory     %.0f MB (this process: benchmark, service, receiver)", peakResidentMegabytes()))
        progress("  robot posts     \(requests.count) for \(posted.count) alerts (\(duplicates) duplicates; one per alert expected)")
        progress("  rows            " + rows.map { "\($0["notify_channel"]!) \($0["status"]!) \($0["n"]!)" }.joined(separator: ", "))
        progress(complete ? "  complete: every delivery arrived" : "  INCOMPLETE: not every delivery arrived within \(timeout) s")

        reader.cancel()
        await observer.disconnect()
        await publisher.disconnect()
        serviceTask.cancel()
        await runtime.stop()
        await receiver.stop()
        try await http.shutdown()
        if !complete { throw ExitCode(1) }
    }

    static func distinctAlerts(_ requests: [ReceivedRequest]) -> Int {
        Set(requests.compactMap { alertID(in: $0.bodyText) }).count
    }

    static func alertNo(_ id: Int) -> String { String(format: "BN%08d", id) }

    static func alertID(in body: String) -> Int? {
        guard let range = body.range(of: "预警编号：BN") else { return nil }
        return Int(body[range.upperBound...].prefix(8))
    }

    static func event(id: Int) -> String {
        """
        {"alert_id":\(id),"alert_no":"\(alertNo(id))","rule_code":"MATERIAL_SHORTAGE","level":"WARNING","project_id":1,\
        "target_type":"MATERIAL_SHORTAGE","target_id":\(id),"title":"缺料预警：物料\(id)","content":"缺 4 件",\
        "triggered_at":"\(RFC3339.format(Date(), in: TimeZone(identifier: "UTC")!))",\
        "dedup_key":"MATERIAL_SHORTAGE:MATERIAL_SHORTAGE:\(id)","event":"raised"}
        """
    }

    /// Users 1…R (user 1 is the PM of project 1), the rule on SYSTEM + WECHAT for them, N open alerts.
    static func setupSQL(events: Int, recipients: Int) -> String {
        """
        INSERT INTO users (id, username, real_name, phone)
        SELECT u, 'bench' || u, '压测' || u, '1380000' || lpad(u::text, 4, '0') FROM generate_series(1, \(recipients)) u;
        INSERT INTO projects (id, project_code, project_name, pm_id) VALUES (1, 'BENCH-1', '压测项目', 1);
        UPDATE alert_rules SET notify_channels = '["SYSTEM","WECHAT"]',
               notify_users = (SELECT jsonb_agg(u) FROM generate_series(1, \(recipients)) u)
         WHERE rule_code = 'MATERIAL_SHORTAGE';
        INSERT INTO alert_records (id, alert_no, rule_id, target_type, target_id, project_id, alert_level, alert_title,
                                   alert_content, triggered_at)
        SELECT g, 'BN' || lpad(g::text, 8, '0'), r.id, 'MATERIAL_SHORTAGE', g, 1, 'WARNING', '缺料预警：物料' || g, '缺 4 件', now()
          FROM generate_series(1, \(events)) g, alert_rules r WHERE r.rule_code = 'MATERIAL_SHORTAGE';
        ANALYZE;
        """
    }
}

/// When each alert's event was published, by alert id.
actor PublishTimes {
    private var times: [Date?]
    init(count: Int) { times = Array(repeating: nil, count: count + 1) }
    func set(_ id: Int, _ date: Date) { times[id] = date }
    func all() -> [Date?] { times }
}

/// Arrival time of every in-app message, with its alert id (source_id).
actor InboxRecorder {
    private var seen: [(Int64, Date)] = []
    func record(_ message: MQTTMessage) {
        let now = Date()
        guard let inbox = try? BusCoding.decode(InboxMessage.self, from: message.payload), let id = inbox.sourceID else { return }
        seen.append((id, now))
    }
    func count() -> Int { seen.count }
    func arrivals() -> [(Int64, Date)] { seen }
}
