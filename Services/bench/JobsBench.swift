import ArgumentParser
import Foundation
import Logging
import PMSBus
import PMSCatalog
import PMSCore
import PMSMigrations
import PMSPostgres
import PMSRuntime
import ProductionService
import ProgressService
import ReceivablesService
import CostService
import IssuesService
import ShortageService

/// Seeds `pmsctl seed --scale N` data, then runs each job of the six domain services once through the
/// real `JobRunner` (as the domain services do) and prints per job: wall time against its SLA, rows
/// scanned and written, memory and result counts (issues 5–8). Exits non-zero when a job fails or misses
/// its SLA.
struct JobsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Seed scale N, run each domain job once; print wall time vs SLA, rows scanned/written, memory.",
        discussion: """
            Rows scanned and written are deltas of pg_stat_user_tables (seq_tup_read + idx_tup_fetch; \
            n_tup_ins + n_tup_upd + n_tup_del) over the whole database. Peak MB is this process's peak RSS \
            (the PostgreSQL backend's memory is not visible); temp MB is the pg_stat_database.temp_bytes delta \
            (sorts and hashes the backend spilled to disk). "ok" means within half the SLA.
            """)

    @OptionGroup var options: CommonOptions

    @Option(help: "Scale N (1 to 1000): 10·N projects with about 100 BOM lines each.")
    var scale: Int = 1000

    @Option(help: "The demo's today, YYYY-MM-DD; each job runs at its cron time that day.")
    var anchor: String = "2026-01-09"

    @Option(help: "Comma-separated job ids (default: the 33 jobs of shortage, production, progress, receivables, cost and issues).")
    var jobs: String?

    @Flag(name: .customLong("skip-seed"), help: "Reuse an already seeded database instead of seeding an empty one.")
    var skipSeed = false

    /// The main tables whose sizes are printed after seeding.
    static let tables = [
        "projects", "materials", "bom_items", "purchase_orders", "purchase_order_items", "material_arrivals",
        "technical_spec_requirements", "mat_kit_check", "production_plan", "work_order", "work_report",
        "equipment", "outsourcing_orders", "outsourcing_order_items", "project_milestones", "tasks", "task_unified",
        "pmo_resource_allocation", "ecn", "job_duty_template", "invoices", "project_payment_plans", "opportunities",
        "presale_support_ticket", "timesheet", "project_costs", "issues", "alert_rules", "alert_records",
    ]

    /// Every job of the six domain services (notifications has its own benchmark).
    static func allJobs() -> [any Job] {
        (ShortageJobs.all() + ProductionJobs.all() + ProgressJobs.all() + ReceivablesJobs.all() + CostJobs.all()
            + IssuesJobs.all())
    }

    func validate() throws {
        guard (1...1000).contains(scale) else { throw ValidationError("--scale must be between 1 and 1000 (got \(scale))") }
        guard CivilDate(anchor) != nil else { throw ValidationError("--anchor must be a date YYYY-MM-DD (got '\(anchor)')") }
        _ = try selectedJobs()
    }

    func selectedJobs() throws -> [any Job] {
        let all = Self.allJobs()
        guard let jobs else { return all }
        return try jobs.split(separator: ",").map { raw in
            let id = raw.trimmingCharacters(in: .whitespaces)
            guard let job = all.first(where: { $0.id == id }) else {
                throw ValidationError("unknown job '\(id)' (known: \(all.map(\.id).joined(separator: ", ")))")
            }
            return job
        }
    }

    func run() async throws {
        let asked = Logger.Level(rawValue: options.logLevelName.lowercased()) ?? .warning
        JSONLogHandler.bootstrap(service: "bench", level: options.logLevelIsExplicit ? asked : .warning)
        let logger = Logger(label: "pms.bench")
        let zone = TimeZone(identifier: options.timeZoneName)!
        let selected = try selectedJobs()

        let db = PostgresConnection(url: options.databaseURL, logger: logger)
        try await db.connect()
        defer { db.close() }
        try await Migrator(logger: logger).migrate(on: db)
        let projects = try await db.query("SELECT count(*)::int AS n FROM projects").first!.decode(Int.self, "n")
        if skipSeed {
            guard projects > 0 else { throw ValidationError("--skip-seed given but the database holds no projects") }
            print("reusing the seeded database (\(projects) projects)")
        } else {
            guard projects == 0 else {
                throw ValidationError("the database already holds \(projects) projects; use an empty one or --skip-seed")
            }
            progress("seeding scale \(scale) (\(10 * scale) projects) anchored at \(anchor) in \(options.timeZoneName) …")
            let started = ContinuousClock.now
            try await DemoSeed(scale: scale, anchor: anchor, timeZone: options.timeZoneName).run(on: db)
            progress(String(format: "seeded in %.1f s", Self.seconds(ContinuousClock.now - started)))
        }
        var counts: [String] = []
        for table in Self.tables {
            let n = try await db.query("SELECT count(*)::bigint AS n FROM \(table)").first!.decode(Int64.self, "n")
            counts.append("\(table) \(n)")
        }
        progress("rows: " + counts.joined(separator: ", "))
        // Fresh statistics, so the jobs are planned as on a long-running database.
        try await db.executeScript("ANALYZE")

        #if DEBUG
        print("debug build: Swift-side timings are pessimistic (use a release build for SLA figures)")
        #endif
        progress("running \(selected.count) jobs once each through JobRunner at their cron time on \(anchor) …\n")

        var lines: [Line] = []
        var before = try await Self.settledStats(db)
        for job in selected {
            let definition = JobCatalog.job(id: job.id)
            let tick = TickMessage(runID: UUID(), jobID: job.id, scheduledFor: scheduledFor(definition, zone: zone), trigger: .manual)
            // A pool per job: closing it ends the backends, which flushes their statistics at once.
            let pool = PostgresPool(url: options.databaseURL, size: 2, logger: logger)
            let runner = JobRunner(domain: definition?.domain ?? .shortage, instance: "bench", pool: pool,
                                   topics: Topics(prefix: options.topicPrefix), timeZone: zone, logger: logger)
            let started = ContinuousClock.now
            let outcome = await runner.run(job, tick: tick)
            let wall = Self.seconds(ContinuousClock.now - started)
            await pool.close()
            let after = try await Self.settledStats(db)
            let line = Line(job: job.id, wall: wall, sla: definition?.slaSeconds, outcome: outcome,
                            scanned: after.scanned - before.scanned, written: after.written - before.written,
                            peakMB: peakResidentMegabytes(), tempMB: Double(after.tempBytes - before.tempBytes) / 1_048_576)
            progress("  " + line.job + ": " + line.verdict + String(format: " (%.2f s)", wall))
            lines.append(line)
            before = after
        }

        print("\njobs benchmark: scale \(scale) (\(10 * scale) projects), anchor \(anchor) \(options.timeZoneName)")
        print(Line.header)
        lines.forEach { print($0.row) }
        print("rows scanned = Δ pg_stat_user_tables seq_tup_read + idx_tup_fetch; rows written = Δ n_tup_ins + n_tup_upd + n_tup_del")
        print("peak MB = this process's peak RSS so far (the database backend's memory is not visible); temp MB = Δ pg_stat_database.temp_bytes")
        print("ok = within half the SLA; ok (>½ SLA) = within the SLA only; SLOW = over the SLA")
        for line in lines { if case .failed(let reason) = line.outcome { print("FAILED \(line.job): \(reason)") } }
        let bad = lines.filter(\.isBad)
        if !bad.isEmpty {
            print("\(bad.count) of \(lines.count) jobs failed or missed their SLA: \(bad.map(\.job).joined(separator: ", "))")
            throw ExitCode(1)
        }
        print("all \(lines.count) jobs within their SLA")
    }

    /// The anchor day at the job's cron hour and minute; 09:00 for a job without a fixed hour (hourly).
    func scheduledFor(_ definition: JobDefinition?, zone: TimeZone) -> Date {
        let fields = (definition?.cron ?? "").split(separator: " ")
        let minute = fields.count >= 2 ? Int(fields[0]) ?? 0 : 0
        let hour = fields.count >= 2 ? Int(fields[1]) ?? 9 : 9
        return AsOf.localTime(CivilDate(anchor)!, hour: hour, minute: minute, second: 0, in: zone)
    }

    struct Stats: Equatable {
        var scanned: Int64
        var written: Int64
        var tempBytes: Int64
    }

    static func readStats(_ db: PostgresConnection) async throws -> Stats {
        _ = try await db.query("SELECT pg_stat_clear_snapshot()")
        let row = try await db.query("""
            SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0)::bigint AS scanned,
                   coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint AS written,
                   (SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database())::bigint AS temp_bytes
            FROM pg_stat_user_tables
            """).first!
        return Stats(scanned: try row.decode(Int64.self, "scanned"), written: try row.decode(Int64.self, "written"),
                     tempBytes: try row.decode(Int64.self, "temp_bytes"))
    }

    /// Backends report statistics asynchronously (at most once a second, or when they exit): poll until
    /// the counters have not moved for 0.6 s, at least 1 s and at most 3 s.
    static func settledStats(_ db: PostgresConnection) async throws -> Stats {
        let clock = ContinuousClock()
        let start = clock.now
        var last = try await readStats(db)
        var stableSince = clock.now
        while clock.now - start < .seconds(3) {
            try await Task.sleep(for: .milliseconds(200))
            let next = try await readStats(db)
            if next != last {
                last = next
                stableSince = clock.now
            } else if clock.now - start >= .seconds(1), clock.now - stableSince >= .milliseconds(600) {
                break
            }
        }
        return last
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// One job's measurements, printed as a table row.
    struct Line {
        let job: String
        let wall: Double
        let sla: Int?
        let outcome: JobRunner.Outcome
        let scanned: Int64
        let written: Int64
        let peakMB: Double
        let tempMB: Double

        var verdict: String {
            switch outcome {
            case .failed: return "FAILED"
            case .duplicate: return "FAILED: duplicate run id"
            case .succeeded:
                guard let sla else { return "ok (no SLA)" }
                if wall > Double(sla) { return "SLOW" }
                return wall <= Double(sla) / 2 ? "ok" : "ok (>½ SLA)"
            }
        }

        var isBad: Bool { verdict.hasPrefix("FAILED") || verdict == "SLOW" }

        static let widths = [36, 9, 6, 12, 12, 10, 8, 7]
        static var header: String {
            cells(["job", "wall s", "SLA s", "verdict", "scanned", "written", "peak MB", "temp MB"])
                + "  checked/created/updated/resolved/notified/skipped"
        }

        var row: String {
            var result = "-"
            if case .succeeded(let r) = outcome {
                result = "\(r.checked)/\(r.created)/\(r.updated)/\(r.resolved)/\(r.notified)/\(r.skipped)"
            }
            return Self.cells([job, String(format: "%.2f", wall), sla.map(String.init) ?? "-", verdict, "\(scanned)",
                               "\(written)", String(format: "%.0f", peakMB), String(format: "%.1f", tempMB)]) + "  " + result
        }

        /// Left-aligns the first column, right-aligns the numbers.
        static func cells(_ values: [String]) -> String {
            zip(values, widths).enumerated().map { index, pair in
                let (value, width) = pair
                let padding = String(repeating: " ", count: max(0, width - value.count))
                return index == 0 || index == 3 ? value + padding : padding + value
            }.joined(separator: " ")
        }
    }
}
