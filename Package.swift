// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Victor",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "VictorLocks", targets: ["VictorLocks"]),
        .library(name: "VictorFiles", targets: ["VictorFiles"]),
        .library(name: "VictorEvents", targets: ["VictorEvents"]),
        .library(name: "VictorLoading", targets: ["VictorLoading"]),
        .library(name: "VictorExecution", targets: ["VictorExecution"]),
        .library(name: "VictorPersonas", targets: ["VictorPersonas"]),
        .library(name: "VictorAuthorization", targets: ["VictorAuthorization"]),
        .library(name: "VictorBenchmarks", targets: ["VictorBenchmarks"]),
        .executable(name: "victor", targets: ["victor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .target(name: "VictorLocks", swiftSettings: swiftSettings),
        .target(name: "VictorFiles", swiftSettings: swiftSettings),
        .target(
            name: "VictorDocuments",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorEvents",
            dependencies: ["VictorLocks", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(name: "CVictorHeap"),
        .target(
            name: "VictorLoading",
            dependencies: [
                "VictorEvents",
                "VictorLocks",
                "CVictorHeap",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorExecution",
            dependencies: [
                "VictorEvents",
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
                "VictorLocks",
                "VictorFiles",
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
                "VictorDocuments",
                "VictorEvents",
                "VictorLocks",
                "VictorFiles",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorBenchmarks",
            dependencies: [
                "VictorEvents",
                "VictorLoading",
                "VictorExecution",
                "VictorPersonas",
                "VictorAuthorization",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VictorCommandLine",
            dependencies: [
                "VictorDocuments",
                "VictorBenchmarks",
                "VictorPersonas",
                "VictorAuthorization",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "victor",
            dependencies: ["VictorCommandLine"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "VictorFilesTests", dependencies: ["VictorFiles"], swiftSettings: swiftSettings),
        .testTarget(name: "VictorDocumentsTests", dependencies: ["VictorDocuments"], swiftSettings: swiftSettings),
        .testTarget(
            name: "VictorEventsTests",
            dependencies: ["VictorEvents", "VictorLocks"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorLoadingTests",
            dependencies: ["VictorLoading", "VictorEvents", "VictorLocks"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorExecutionTests",
            dependencies: ["VictorExecution", "VictorEvents", "VictorLocks"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorPersonasTests",
            dependencies: ["VictorPersonas", "VictorEvents", "VictorFiles", "VictorCommandLine"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorAuthorizationTests",
            dependencies: [
                "VictorAuthorization",
                "VictorEvents",
                "VictorCommandLine",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VictorBenchmarksTests",
            dependencies: ["VictorBenchmarks", "VictorCommandLine"],
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
    ]
)
