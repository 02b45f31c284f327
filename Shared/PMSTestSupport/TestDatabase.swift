import Foundation
import Logging
import PMSMigrations
import PMSPostgres

/// Fresh, fully migrated databases for tests: the schema is migrated once per test process into a
/// template database, and each test gets its own copy (`CREATE DATABASE … TEMPLATE`), which is fast.
public enum TestDatabase {
    /// A libpq URL of a new database holding the whole schema and its seed rows (rules, job states).
    public static func make() async throws -> String {
        let server = PostgresTestServer.shared
        let template = try await TemplateCache.shared.template(on: server)
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let admin = PostgresConnection(url: server.url(), logger: testLogger())
        defer { admin.close() }
        try await admin.connect()
        try await admin.executeScript("CREATE DATABASE \(name) TEMPLATE \(template)")
        return server.url(database: String(name))
    }

    /// A connected connection to a fresh database (see `make()`).
    public static func connect() async throws -> (url: String, connection: PostgresConnection) {
        let url = try await make()
        let connection = PostgresConnection(url: url, logger: testLogger())
        try await connection.connect()
        return (url, connection)
    }
}

actor TemplateCache {
    static let shared = TemplateCache()
    private var name: String?

    func template(on server: PostgresTestServer) async throws -> String {
        if let name { return name }
        // A new name per attempt: a failed migration must not leave a half-made template behind.
        let name = "pms_template_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(8)
        try server.createDatabase(name)
        let connection = PostgresConnection(url: server.url(database: name), logger: testLogger())
        try await connection.connect()
        try await Migrator(logger: testLogger()).migrate(on: connection)
        connection.close()
        self.name = name
        return name
    }
}

/// Quiet by default; `PMS_TEST_LOG_LEVEL=debug swift test` shows the services' logs.
public func testLogger(_ label: String = "test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = Logger.Level(rawValue: ProcessInfo.processInfo.environment["PMS_TEST_LOG_LEVEL"] ?? "") ?? .critical
    return logger
}
