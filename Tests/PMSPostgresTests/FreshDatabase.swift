import Logging
import PMSPostgres
import PMSTestSupport
import XCTest

/// Fresh databases on the shared per-process server, so test classes never see each other's tables.
enum FreshDatabase {
    /// Quiet unless PMS_TEST_LOG_LEVEL asks for more (the reconnect tests log warnings on purpose).
    static let logger: Logger = {
        var logger = Logger(label: "pms.postgres.tests")
        let level = ProcessInfo.processInfo.environment["PMS_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .critical
        return logger
    }()

    static func url() throws -> String {
        let server = PostgresTestServer.shared
        return server.url(database: try server.createFreshDatabase(prefix: "pgtest"))
    }

    static func connect(_ url: String, logger: Logger = FreshDatabase.logger) async throws -> PostgresConnection {
        let connection = PostgresConnection(url: url, logger: logger)
        try await connection.connect()
        return connection
    }
}

/// Asserts that `body` throws a `PostgresError` and hands it back for further checks.
func expectPostgresError<T>(
    _ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line
) async -> PostgresError? {
    do {
        _ = try await body()
        XCTFail("expected a PostgresError", file: file, line: line)
        return nil
    } catch let error as PostgresError {
        return error
    } catch {
        XCTFail("expected a PostgresError, got \(error)", file: file, line: line)
        return nil
    }
}
