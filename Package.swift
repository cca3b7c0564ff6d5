// swift-tools-version: 6.1
import Foundation
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Victor",
    platforms: [.macOS(.v15)],
    // VictorLocks, VictorFiles, VictorDocuments and VictorBenchmarks are internal targets: the
    // shared machinery behind the products, not API.
    products: [
        .library(name: "VictorTelemetry", targets: ["VictorTelemetry"]),
        .library(name: "VictorEvents", targets: ["VictorEvents"]),
        .library(name: "VictorLoading", targets: ["VictorLoading"]),
        .library(name: "VictorExecution", targets: ["VictorExecution"]),
        .library(name: "VictorPersonas", targets: ["VictorPersonas"]),
        .library(name: "VictorAuthorization", targets: ["VictorAuthorization"]),
        .library(name: "VictorRuntime", targets: ["VictorRuntime"]),
        .library(name: "VictorServer", targets: ["VictorServer"]),
        .library(name: "VictorMCP", targets: ["VictorMCP"]),
        .library(name: "VictorPostgres", targets: ["VictorPostgres"]),
        .executable(name: "victor", targets: ["victor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .target(name: "CVictorThreadSlots"),
        .target(name: "VictorLocks", dependencies: ["CVictorThreadSlots"], swiftSettings: swiftSettings),
        .target(name: "VictorFiles", swiftSettings: swiftSettings),
        .target(
            name: "VictorDocuments",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorTelemetry",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorEvents",
            dependencies: ["VictorLocks", "VictorTelemetry", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(name: "CVictorHeap"),
        .target(
            name: "VictorLoading",
            dependencies: [
                "VictorDocuments",
                "VictorEvents",
                "VictorTelemetry",
                .product(name: "Logging", package: "swift-log"),
                "VictorLocks",
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorExecution",
            dependencies: [
                "VictorEvents",
                "VictorTelemetry",
                .product(name: "Logging", package: "swift-log"),
                "VictorLocks",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorPersonas",
            dependencies: [
                "VictorEvents",
                "VictorTelemetry",
                .product(name: "Logging", package: "swift-log"),
                "VictorLocks",
                "VictorFiles",
                "VictorDocuments",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorAuthorization",
            dependencies: [
                "VictorEvents",
                "VictorTelemetry",
                .product(name: "Logging", package: "swift-log"),
                "VictorLocks",
                "VictorFiles",
                "VictorDocuments",
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorRuntime",
            dependencies: [
                "VictorEvents",
                "VictorTelemetry",
                "VictorLocks",
                "VictorFiles",
                "VictorDocuments",
                "VictorLoading",
                "VictorExecution",
                "VictorPersonas",
                "VictorAuthorization",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorServer",
            dependencies: [
                "VictorRuntime",
                "VictorPostgres",
                "VictorMCP",
                .product(name: "MCP", package: "swift-sdk"),
                "VictorTelemetry",
                "VictorEvents",
                "VictorLocks",
                "VictorDocuments",
                "VictorPersonas",
                "VictorAuthorization",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorMCP",
            dependencies: [
                "VictorRuntime",
                "VictorTelemetry",
                "VictorLoading",
                "VictorExecution",
                "VictorPersonas",
                "VictorAuthorization",
                "VictorDocuments",
                "VictorFiles",
                "VictorLocks",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                // The MCP SDK's stdio transport reads and writes SystemPackage's file descriptors.
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL backends: personas, authorization configuration, session budgets and audit
        // shared by several instances. PostgresNIO stays out of the core targets.
        .target(
            name: "VictorPostgres",
            dependencies: [
                "VictorRuntime",
                "VictorPersonas",
                "VictorAuthorization",
                "VictorEvents",
                "VictorTelemetry",
                "VictorLocks",
                "VictorDocuments",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorBenchmarks",
            dependencies: [
                "VictorRuntime",
                "VictorTelemetry",
                "VictorEvents",
                "VictorLoading",
                "VictorExecution",
                "VictorPersonas",
                "VictorAuthorization",
                "VictorScratchPostgres",
                "CVictorHeap",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                "VictorMCP",
                .product(name: "MCP", package: "swift-sdk"),
                // Subprocess names paths with SystemPackage's FilePath off Apple platforms.
                .product(name: "SystemPackage", package: "swift-system", condition: .when(platforms: [.linux])),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorCommandLine",
            dependencies: [
                "VictorBenchmarks",
                "VictorPostgres",
                "VictorServer",
                "VictorMCP",
                "VictorRuntime",
                "VictorPersonas",
                "VictorAuthorization",
                "VictorDocuments",
                "VictorFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "victor",
            dependencies: ["VictorCommandLine"],
            swiftSettings: swiftSettings
        ),
        // Shared by the test targets, never shipped: an event recorder, self-cleaning temporary
        // directories, a fault-injecting file system, and the contract every persona store keeps.
        // A throwaway PostgreSQL cluster for tests and benchmarks.
        .target(name: "VictorScratchPostgres", dependencies: ["VictorLocks"], swiftSettings: swiftSettings),
        .target(
            name: "VictorTestSupport",
            dependencies: [
                "VictorEvents",
                "VictorLocks",
                "VictorScratchPostgres",
                "VictorFiles",
                "VictorPersonas",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorFilesTests",
            dependencies: ["VictorFiles", "VictorTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "VictorDocumentsTests", dependencies: ["VictorDocuments"], swiftSettings: swiftSettings),
        .testTarget(name: "VictorTelemetryTests", dependencies: ["VictorTelemetry"], swiftSettings: swiftSettings),
        .testTarget(
            name: "VictorLocksTests",
            dependencies: ["VictorLocks", "VictorTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorEventsTests",
            dependencies: ["VictorEvents", "VictorLocks", "VictorTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorLoadingTests",
            dependencies: [
                "VictorLoading",
                "VictorEvents",
                "VictorLocks",
                "VictorTelemetry",
                "VictorTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorExecutionTests",
            dependencies: [
                "VictorExecution", "VictorEvents", "VictorLocks", "VictorTelemetry", "VictorTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorPersonasTests",
            dependencies: [
                "VictorPersonas",
                "VictorEvents",
                "VictorFiles",
                "VictorDocuments",
                "VictorLocks",
                "VictorTestSupport",
                "VictorTelemetry",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorAuthorizationTests",
            dependencies: [
                "VictorAuthorization",
                "VictorEvents",
                "VictorTelemetry",
                "VictorTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorBenchmarksTests",
            dependencies: ["VictorBenchmarks", "VictorTestSupport"],
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        // Writes audit records until killed: the crash tests' child process.
        .executableTarget(
            name: "AuditProbe",
            dependencies: ["VictorRuntime"],
            path: "Tests/AuditProbe",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorRuntimeTests",
            dependencies: [
                "VictorRuntime",
                "VictorTelemetry",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                "VictorAuthorization",
                "VictorExecution",
                "VictorPersonas",
                "VictorTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorServerTests",
            dependencies: [
                "VictorServer",
                "VictorPostgres",
                "VictorRuntime",
                "VictorAuthorization",
                "VictorPersonas",
                "VictorDocuments",
                "VictorScratchPostgres",
                "VictorTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorMCPTests",
            dependencies: [
                "VictorMCP",
                "VictorRuntime",
                "VictorAuthorization",
                "VictorPersonas",
                "VictorDocuments",
                "VictorTestSupport",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system", condition: .when(platforms: [.linux])),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorPostgresTests",
            dependencies: [
                "VictorPostgres",
                "VictorLocks",
                "VictorPersonas",
                "VictorAuthorization",
                "VictorRuntime",
                "VictorScratchPostgres",
                "VictorTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorCommandLineTests",
            dependencies: [
                "VictorCommandLine",
                "VictorAuthorization",
                "VictorPersonas",
                "VictorBenchmarks",
                "VictorDocuments",
                "VictorScratchPostgres",
                "VictorTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

// libFuzzer targets, built only by `.ci/fuzz` (VICTOR_FUZZ=1, `--sanitize fuzzer --sanitize address`):
// without the fuzzer runtime they have no entry point. The package is cut down to them and the
// modules they use, so that one `swift build` builds every fuzzer, in parallel.
if ProcessInfo.processInfo.environment["VICTOR_FUZZ"] != nil {
    for (name, dependencies) in [
        ("FuzzDocuments", ["VictorDocuments", "VictorAuthorization", "VictorPersonas"]),
        ("FuzzTemplates", ["VictorPersonas"]),
        ("FuzzValues", ["VictorDocuments"]),
        ("FuzzJSON", ["VictorDocuments"]),
        ("FuzzRuntime", ["VictorDocuments", "VictorRuntime"]),
    ] {
        package.targets.append(
            .executableTarget(
                name: name,
                dependencies: dependencies.map { .target(name: $0) },
                path: "Fuzz/\(name)",
                swiftSettings: swiftSettings
            )
        )
    }
    var needed: Set<String> = []
    var unvisited = package.targets.filter { $0.name.hasPrefix("Fuzz") }.map(\.name)
    while let name = unvisited.popLast() {
        guard needed.insert(name).inserted, let target = package.targets.first(where: { $0.name == name }) else {
            continue
        }
        for dependency in target.dependencies {
            switch dependency {
            case .targetItem(let name, _), .byNameItem(let name, _): unvisited.append(name)
            default: break
            }
        }
    }
    package.targets.removeAll { !needed.contains($0.name) }
    package.products.removeAll()
}

// The ThreadSanitizer run of `.ci/run` (VICTOR_CORE_ONLY=1) tests the concurrency of the
// capability modules and the runtime. It leaves out the service, the gateway and the command
// line: their network stacks would more than double its build without adding a test it runs.
if ProcessInfo.processInfo.environment["VICTOR_CORE_ONLY"] != nil {
    let outside: Set<String> = [
        "VictorServer", "VictorServerTests", "VictorMCP", "VictorMCPTests", "VictorCommandLine",
        "VictorCommandLineTests", "VictorBenchmarks", "VictorBenchmarksTests", "victor", "VictorPostgres",
        "VictorPostgresTests",
    ]
    package.targets.removeAll { outside.contains($0.name) }
    package.products.removeAll { outside.contains($0.name) }
}
