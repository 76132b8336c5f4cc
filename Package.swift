// swift-tools-version:6.1
import PackageDescription

// Every library here is one concept of the system; the executable only wires them together.
let package = Package(
    name: "TaoStream",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "taostream", targets: ["TaoStream"]),
        .executable(name: "stream-load", targets: ["StreamLoad"]),
        .executable(name: "fanout-load", targets: ["FanoutLoad"]),
        .executable(name: "metadata-decode", targets: ["MetadataDecode"]),
        .executable(name: "snapshot-read", targets: ["SnapshotRead"]),
        .executable(name: "alert-evaluation", targets: ["AlertEvaluation"]),
        .library(name: "Model", targets: ["Model"]),
        .library(name: "SubstrateCore", targets: ["SubstrateCore"]),
        .library(name: "SubstrateKeys", targets: ["SubstrateKeys"]),
        .library(name: "SubstrateExtrinsics", targets: ["SubstrateExtrinsics"]),
        .library(name: "DevChain", targets: ["DevChain"]),
        .library(name: "ChainWatcher", targets: ["ChainWatcher"]),
        .library(name: "StreamServer", targets: ["StreamServer"]),
        .library(name: "Notifier", targets: ["Notifier"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
    ],
    targets: [
        // hiredis is used only as the RESP parser and command formatter; no pkg-config on purpose
        // (its .pc file adds a flag SwiftPM refuses).
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis"),
        // libsodium: BLAKE2b here; ristretto255, Argon2i and secretbox for keys.
        .systemLibrary(name: "CSodium", path: "Sources/CSodium"),
        // zlib: permessage-deflate, each update compressed once for every client that negotiated it.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "SubstrateCore", dependencies: ["CSodium"]),
        .target(name: "SubstrateExtrinsics", dependencies: ["SubstrateCore", "SubstrateKeys"]),
        .target(
            name: "DevChain",
            dependencies: [
                "Model", "SubstrateCore", "SubstrateKeys", "SubstrateExtrinsics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources")]
        ),
        .target(
            name: "SubstrateKeys",
            dependencies: ["CSodium", "SubstrateCore", .product(name: "Crypto", package: "swift-crypto")]
        ),

        .target(
            name: "TaoRedis",
            dependencies: [
                "CHiredis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "TaoStore",
            dependencies: [
                "Model",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TaoConfiguration",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Model",
            dependencies: ["SubstrateCore"]
        ),
        .target(
            name: "ChainWatcher",
            dependencies: [
                "Model", "TaoRedis", "TaoStore", "TaoConfiguration", "SubstrateCore", "SubstrateKeys", "SubstrateExtrinsics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "StreamServer",
            dependencies: [
                "Model", "TaoRedis", "TaoStore", "TaoConfiguration", "CZlib", "Notifier",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Alert rules evaluated on the change log; signed webhooks and Web Push delivered from an outbox.
        .target(
            name: "Notifier",
            dependencies: [
                "Model", "TaoRedis", "TaoStore", "TaoConfiguration", "SubstrateCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "TaoStream",
            dependencies: [
                "Model", "TaoRedis", "TaoStore", "TaoConfiguration", "StreamServer", "ChainWatcher", "Notifier", "SubstrateCore", "SubstrateKeys", "DevChain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Starts real redis-server and PostgreSQL processes for the tests.
        // Benchmarks: load clients run by Benchmarks/*.sh, never by the tests.
        .executableTarget(
            name: "StreamLoad",
            dependencies: [
                "Model", "ChainWatcher", "TaoRedis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSCompression", package: "hummingbird-websocket"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/StreamLoad"
        ),
        .executableTarget(
            name: "FanoutLoad",
            dependencies: [
                "Model", "ChainWatcher", "TaoRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/FanoutLoad"
        ),
        .executableTarget(name: "MetadataDecode", dependencies: ["SubstrateCore"], path: "Benchmarks/MetadataDecode"),
        .executableTarget(
            name: "SnapshotRead",
            dependencies: ["ChainWatcher", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/SnapshotRead"
        ),
        .executableTarget(
            name: "AlertEvaluation",
            dependencies: ["Notifier", "Model", "TaoStore", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/AlertEvaluation"
        ),
        .target(
            name: "TestHarness",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/TestHarness"
        ),
        .testTarget(name: "TaoRedisTests", dependencies: ["TaoRedis", "TestHarness"]),
        .testTarget(name: "TaoStoreTests", dependencies: ["TaoStore", "TestHarness"]),
        .testTarget(name: "TaoConfigurationTests", dependencies: ["TaoConfiguration"]),
        .testTarget(name: "ModelTests", dependencies: ["Model"]),
        .testTarget(name: "SubstrateCoreTests", dependencies: ["SubstrateCore", "TestHarness"]),
        .testTarget(name: "SubstrateKeysTests", dependencies: ["SubstrateKeys", "SubstrateCore", "TestHarness"]),
        .testTarget(name: "DevChainTests", dependencies: [
            "DevChain", "SubstrateExtrinsics", "SubstrateKeys", "SubstrateCore", "Model", "TestHarness",
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
        ]),
        .testTarget(name: "SubstrateExtrinsicsTests", dependencies: ["SubstrateExtrinsics", "SubstrateKeys", "SubstrateCore", "TestHarness"]),
        .testTarget(name: "ChainWatcherTests", dependencies: [
            "ChainWatcher", "DevChain", "SubstrateCore", "TaoStore", "TaoRedis", "Model", "TestHarness",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "StreamServerTests", dependencies: ["StreamServer", "ChainWatcher", "TestHarness", "CZlib", "Notifier",
            "DevChain", "SubstrateCore", "SubstrateKeys", "SubstrateExtrinsics", "TaoStore", "TaoRedis", "Model", "TaoConfiguration",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "HummingbirdWSCompression", package: "hummingbird-websocket"),
            .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(name: "NotifierTests", dependencies: [
            "Notifier", "Model", "TaoStore", "TaoRedis", "ChainWatcher", "TestHarness",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "TaoStreamTests", dependencies: [
            "TaoStream", "TestHarness", "SubstrateCore", "SubstrateKeys",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)
