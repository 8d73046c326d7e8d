// swift-tools-version:6.1
import PackageDescription

/// Settings every Swift target shares: Swift 6 with the upcoming features that keep
/// imports and existentials explicit.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "punctual",
    products: [
        .executable(name: "punctual", targets: ["punctual"]),
        .library(name: "FastCGI", targets: ["FastCGI"]),
        .library(name: "Retrieval", targets: ["Retrieval"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Named by the issues: the command source, the HTTP source, the cache file.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // AsyncHTTPClient's own foundation: its request and response types.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // Subprocess takes its paths as swift-system's FilePath.
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        // Named by issue 8: the Prometheus exposition of /metrics.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // libfcgi, as Debian's libfcgi-dev installs it. Only `FastCGI` may import it.
        .systemLibrary(
            name: "CPunctualFCGI",
            pkgConfig: "fcgi",
            providers: [.apt(["libfcgi-dev"])]
        ),
        // The safe FastCGI server: sockets, the I/O thread, requests as Swift values.
        .target(
            name: "FastCGI",
            dependencies: [
                "CPunctualFCGI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The retrieval engine: a source raced against a deadline, with a fallback cache.
        .target(
            name: "Retrieval",
            // Lets release builds specialise the generic engine for the app's concrete types
            // (unspecialised, generic metadata look-ups cost about a tenth of its time).
            swiftSettings: swiftSettings + [
                .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))
            ]
        ),
        // JSON values as sources deliver them: validated once, written through unchanged.
        .target(
            name: "PunctualJSON",
            swiftSettings: swiftSettings
        ),
        // Sources without heavy dependencies: the recipe's simulation and a command.
        .target(
            name: "PunctualSources",
            dependencies: [
                "PunctualJSON",
                "Retrieval",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP source, apart because AsyncHTTPClient brings SwiftNIO.
        .target(
            name: "PunctualHTTPSource",
            dependencies: [
                "PunctualJSON",
                "Retrieval",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The cache file: last good values in SQLite, written off the I/O thread.
        .target(
            name: "PunctualStore",
            dependencies: [
                "PunctualJSON",
                "Retrieval",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Routing, JSON, options and wiring: everything `punctual` is, as a library tests can call.
        .target(
            name: "PunctualApp",
            dependencies: [
                "FastCGI",
                "PunctualHTTPSource",
                "PunctualJSON",
                "PunctualSources",
                "PunctualStore",
                "Retrieval",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // What Swift cannot call itself for the supervisor: prctl, and an async-signal-safe handler.
        .target(name: "CPunctualProcess"),
        // The supervising parent: holds the socket, keeps a worker serving it (issue 8).
        .target(
            name: "PunctualSupervisor",
            dependencies: [
                "CPunctualProcess",
                "FastCGI",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "punctual",
            dependencies: [
                "FastCGI",
                "PunctualApp",
                "PunctualSupervisor",
                "Retrieval",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // `make bench` runs it: the engine alone, in calls per CPU-second.
        .executableTarget(
            name: "punctual-engine-bench",
            dependencies: ["Retrieval"],
            path: "Benchmarks/EngineBenchmark",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RetrievalTests",
            dependencies: ["Retrieval"],
            swiftSettings: swiftSettings
        ),
        // Test helpers: a raw FastCGI client, an HTTP client, child processes, temporary folders.
        .target(
            name: "PunctualTestSupport",
            path: "Tests/PunctualTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PunctualAppTests",
            dependencies: [
                "FastCGI", "PunctualApp", "PunctualJSON", "Retrieval", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PunctualSourcesTests",
            dependencies: [
                "PunctualSources", "PunctualHTTPSource", "PunctualJSON", "PunctualTestSupport", "Retrieval",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PunctualStoreTests",
            dependencies: [
                "PunctualStore", "PunctualJSON", "PunctualTestSupport", "Retrieval",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PunctualSupervisorTests",
            dependencies: ["PunctualSupervisor"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FastCGITests",
            dependencies: ["FastCGI", "PunctualTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Start the real binary and the real nginx: see Tests/PunctualIntegrationTests/README.
        .testTarget(
            name: "PunctualIntegrationTests",
            dependencies: ["PunctualTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
