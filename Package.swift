// swift-tools-version:6.0
import PackageDescription

// One package: shared libraries under Shared/, one library + one executable per service under
// Services/<name>/ (Library holds the jobs and wiring so tests can run them in-process; Command is
// the thin executable with its flags).

let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")

func domainService(_ name: String, library: String, executable: String) -> [Target] {
    [
        .target(
            name: library,
            dependencies: ["PMSRuntime", "PMSBus", "PMSCatalog", "PMSPostgres", "PMSCore", logging],
            path: "Services/\(name)/Library"
        ),
        .executableTarget(
            name: executable,
            dependencies: [.target(name: library), "PMSRuntime", "PMSCore", argumentParser],
            path: "Services/\(name)/Command"
        ),
    ]
}

let package = Package(
    name: "pms-services",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pms-scheduler", targets: ["pms-scheduler"]),
        .executable(name: "pms-shortage", targets: ["pms-shortage"]),
        .executable(name: "pms-progress", targets: ["pms-progress"]),
        .executable(name: "pms-receivables", targets: ["pms-receivables"]),
        .executable(name: "pms-issues", targets: ["pms-issues"]),
        .executable(name: "pms-production", targets: ["pms-production"]),
        .executable(name: "pms-cost", targets: ["pms-cost"]),
        .executable(name: "pms-notifications", targets: ["pms-notifications"]),
        .executable(name: "pms-metrics", targets: ["pms-metrics"]),
        .executable(name: "pmsctl", targets: ["pmsctl"]),
        .executable(name: "pms-bench", targets: ["pms-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.21.0"),
    ],
    targets: [
        // C libraries from Debian packages (libmosquitto-dev, libpq-dev).
        .systemLibrary(
            name: "CMosquitto", path: "Shared/CMosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ", path: "Shared/CLibPQ",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSLCrypto", path: "Shared/COpenSSLCrypto",
            providers: [.apt(["libssl-dev"])]
        ),

        // Shared libraries.
        .target(name: "PMSBus", path: "Shared/PMSBus"),
        .target(name: "PMSCore", dependencies: ["PMSBus", logging, argumentParser], path: "Shared/PMSCore"),
        .target(name: "PMSPostgres", dependencies: ["CLibPQ", logging], path: "Shared/PMSPostgres"),
        .target(name: "PMSMQTT", dependencies: ["CMosquitto", logging], path: "Shared/PMSMQTT"),
        .target(
            name: "PMSMigrations", dependencies: ["PMSPostgres", logging], path: "Shared/PMSMigrations",
            exclude: ["verify-schema.sh"],
            resources: [.copy("SQL"), .copy("Seed")]
        ),
        .target(name: "PMSCatalog", dependencies: ["PMSBus"], path: "Shared/PMSCatalog"),
        .target(
            name: "PMSRuntime",
            dependencies: ["PMSBus", "PMSCore", "PMSPostgres", "PMSMQTT", "PMSCatalog", logging],
            path: "Shared/PMSRuntime"
        ),
        .target(
            name: "PMSWebhookReceiver",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Shared/PMSWebhookReceiver"
        ),
        .target(
            name: "PMSTestSupport",
            dependencies: ["PMSPostgres", "PMSMQTT", "PMSMigrations", "PMSCore", "PMSRuntime", logging],
            path: "Shared/PMSTestSupport"
        ),
    ]
        + domainService("shortage", library: "ShortageService", executable: "pms-shortage")
        + domainService("progress", library: "ProgressService", executable: "pms-progress")
        + domainService("receivables", library: "ReceivablesService", executable: "pms-receivables")
        + domainService("issues", library: "IssuesService", executable: "pms-issues")
        + domainService("production", library: "ProductionService", executable: "pms-production")
        + domainService("cost", library: "CostService", executable: "pms-cost")
        + [
            // Notifications: the alert -> notification pipeline, its channels (SMTP, WeCom, DingTalk, SMS
            // gateway) and its four jobs.
            .target(
                name: "NotificationsService",
                dependencies: [
                    "PMSRuntime", "PMSBus", "PMSCatalog", "PMSPostgres", "PMSMQTT", "PMSCore", "COpenSSLCrypto", logging,
                    .product(name: "NIOCore", package: "swift-nio"),
                    .product(name: "NIOPosix", package: "swift-nio"),
                    .product(name: "NIOSSL", package: "swift-nio-ssl"),
                    .product(name: "AsyncHTTPClient", package: "async-http-client"),
                ],
                path: "Services/notifications/Library"
            ),
            .executableTarget(
                name: "pms-notifications",
                dependencies: [
                    "NotificationsService", "PMSRuntime", "PMSCore", "PMSWebhookReceiver", argumentParser,
                    .product(name: "AsyncHTTPClient", package: "async-http-client"),
                ],
                path: "Services/notifications/Command"
            ),
            .target(
                name: "SchedulerService",
                dependencies: [
                    "PMSRuntime", "PMSCatalog", "PMSBus", "PMSPostgres", "PMSMQTT", "PMSCore", logging,
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                ],
                path: "Services/scheduler/Library"
            ),
            .executableTarget(
                name: "pms-scheduler",
                dependencies: ["SchedulerService", "PMSCore", argumentParser],
                path: "Services/scheduler/Command"
            ),
            .target(
                name: "MetricsService",
                dependencies: [
                    "PMSRuntime", "PMSCatalog", "PMSBus", "PMSPostgres", "PMSMQTT", "PMSCore", logging,
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                ],
                path: "Services/metrics/Library"
            ),
            .executableTarget(
                name: "pms-metrics",
                dependencies: ["MetricsService", "PMSCore", argumentParser],
                path: "Services/metrics/Command"
            ),
            .executableTarget(
                name: "pmsctl",
                dependencies: [
                    "PMSRuntime", "PMSCatalog", "PMSBus", "PMSPostgres", "PMSMQTT", "PMSMigrations", "PMSCore",
                    argumentParser, logging,
                ],
                path: "Services/pmsctl"
            ),

            .executableTarget(
                name: "pms-bench",
                dependencies: [
                    "NotificationsService", "ShortageService", "ProductionService", "ProgressService", "ReceivablesService",
                    "CostService", "IssuesService", "PMSCatalog", "PMSWebhookReceiver",
                    "PMSRuntime", "PMSBus", "PMSPostgres", "PMSMQTT", "PMSMigrations", "PMSCore", argumentParser, logging,
                    .product(name: "AsyncHTTPClient", package: "async-http-client"),
                ],
                path: "Services/bench"
            ),

            // Tests.
            .testTarget(name: "PMSBusTests", dependencies: ["PMSBus", "PMSCore"], path: "Tests/PMSBusTests"),
            .testTarget(name: "PMSCoreTests", dependencies: ["PMSCore", logging], path: "Tests/PMSCoreTests"),
            .testTarget(name: "PMSCatalogTests", dependencies: ["PMSCatalog"], path: "Tests/PMSCatalogTests"),
            .testTarget(
                name: "PMSPostgresTests", dependencies: ["PMSPostgres", "PMSTestSupport"],
                path: "Tests/PMSPostgresTests"
            ),
            .testTarget(
                name: "PMSMQTTTests", dependencies: ["PMSMQTT", "PMSTestSupport"], path: "Tests/PMSMQTTTests"
            ),
            .testTarget(
                name: "PMSMigrationsTests", dependencies: ["PMSMigrations", "PMSPostgres", "PMSTestSupport"],
                path: "Tests/PMSMigrationsTests"
            ),
            .testTarget(
                name: "PMSRuntimeTests",
                dependencies: ["PMSRuntime", "PMSTestSupport", "PMSPostgres", "PMSMQTT", "PMSBus", "PMSCore", "PMSMigrations", logging],
                path: "Tests/PMSRuntimeTests"
            ),
            .testTarget(
                name: "SchedulerServiceTests",
                dependencies: [
                    "SchedulerService", "PMSCatalog", "PMSRuntime", "PMSTestSupport", "PMSPostgres", "PMSBus", "PMSMQTT",
                    "PMSCore",
                ],
                path: "Tests/SchedulerServiceTests"
            ),
            .testTarget(
                name: "MetricsServiceTests",
                dependencies: [
                    "MetricsService", "PMSCatalog", "PMSRuntime", "PMSTestSupport", "PMSPostgres", "PMSBus", "PMSMQTT",
                    "PMSCore",
                ],
                path: "Tests/MetricsServiceTests"
            ),
            .testTarget(
                name: "ProductionServiceTests",
                dependencies: ["ProductionService", "PMSRuntime", "PMSTestSupport", "PMSPostgres", "PMSBus"],
                path: "Tests/ProductionServiceTests"
            ),
            .testTarget(
                name: "ProgressServiceTests",
                dependencies: ["ProgressService", "PMSCatalog", "PMSRuntime", "PMSTestSupport", "PMSPostgres", "PMSBus"],
                path: "Tests/ProgressServiceTests"
            ),
            .testTarget(
                name: "ReceivablesServiceTests",
                dependencies: ["ReceivablesService", "PMSCatalog", "PMSRuntime", "PMSTestSupport", "PMSPostgres", "PMSBus"],
                path: "Tests/ReceivablesServiceTests"
            ),
            .testTarget(
                name: "CostServiceTests",
                dependencies: ["CostService", "PMSCatalog", "PMSRuntime", "PMSTestSupport", "PMSPostgres", "PMSBus"],
                path: "Tests/CostServiceTests"
            ),
            .testTarget(
                name: "IssuesServiceTests",
                dependencies: ["IssuesService", "PMSCatalog", "PMSRuntime", "PMSTestSupport", "PMSPostgres", "PMSBus"],
                path: "Tests/IssuesServiceTests"
            ),
            .testTarget(
                name: "DeployTests",
                dependencies: [
                    "MetricsService", "PMSRuntime", "PMSTestSupport", "PMSMQTT", "PMSBus", "PMSPostgres", "PMSCore",
                    "PMSCatalog",
                ],
                path: "Tests/DeployTests"
            ),
            .testTarget(
                name: "ShortageServiceTests",
                dependencies: ["ShortageService", "PMSRuntime", "PMSTestSupport"],
                path: "Tests/ShortageServiceTests"
            ),
            .testTarget(
                name: "NotificationsServiceTests",
                dependencies: [
                    "NotificationsService", "PMSRuntime", "PMSTestSupport", "PMSPostgres", "PMSBus", "PMSMQTT", "PMSCore",
                    "PMSWebhookReceiver", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                ],
                path: "Tests/NotificationsServiceTests"
            ),
            .testTarget(
                name: "EndToEndTests",
                dependencies: [
                    "ShortageService", "ProductionService", "ProgressService", "ReceivablesService", "CostService",
                    "IssuesService", "SchedulerService", "NotificationsService", "MetricsService",
                    "PMSRuntime", "PMSTestSupport", "PMSMQTT", "PMSBus", "PMSPostgres", "PMSCore",
                ],
                path: "Tests/EndToEndTests"
            ),
        ]
)
