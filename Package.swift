// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Uplink",
    // macOS 26: the firmware's AT driver keeps its sockets in an InlineArray (Swift 6.2's standard library).
    platforms: [.macOS("26.0")],
    products: [
        .library(name: "ATCodec", targets: ["ATCodec"]),
        .library(name: "MQTTCodec", targets: ["MQTTCodec"]),
        .library(name: "DNSCodec", targets: ["DNSCodec"]),
        .library(name: "UplinkDNS", targets: ["UplinkDNS"]),
        .library(name: "UplinkCredentials", targets: ["UplinkCredentials"]),
        .library(name: "UplinkMQTT", targets: ["UplinkMQTT"]),
        .library(name: "UplinkMQTTNIO", targets: ["UplinkMQTTNIO"]),
        .library(name: "UplinkSerial", targets: ["UplinkSerial"]),
        .library(name: "UplinkModule", targets: ["UplinkModule"]),
        .library(name: "UplinkModuleServer", targets: ["UplinkModuleServer"]),
        .library(name: "UplinkDriver", targets: ["UplinkDriver"]),
        .library(name: "UplinkIoTRegistry", targets: ["UplinkIoTRegistry"]),
        .library(name: "UplinkTLS", targets: ["UplinkTLS"]),
        .library(name: "UplinkIoTFront", targets: ["UplinkIoTFront"]),
        .library(name: "UplinkIoTStores", targets: ["UplinkIoTStores"]),
        .library(name: "UplinkIoTControlPlane", targets: ["UplinkIoTControlPlane"]),
        .executable(name: "uplink", targets: ["UplinkCLI"]),
        .executable(name: "uplink-mqtt", targets: ["UplinkMQTTTool"]),
        .executable(name: "uplink-bench", targets: ["UplinkBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", exact: "1.7.4"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
    ],
    targets: [
        // Pure codecs: standard library only, so they also build with Embedded Swift.
        .target(name: "ATCodec"),
        // The AWS-IoT-like front's identity registry: records and the interface both planes use.
        .target(name: "UplinkIoTRegistry"),
        // The registry's stores: SQLite (GRDB) in a data folder, or a shared PostgreSQL (postgres-nio).
        .target(
            name: "UplinkIoTStores",
            dependencies: [
                "UplinkIoTRegistry",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The control plane: AWS IoT's rest-json onboarding operations over HTTP (Hummingbird).
        .target(
            name: "UplinkIoTControlPlane",
            dependencies: [
                "UplinkIoTRegistry",
                "UplinkIoTFront",
                "UplinkCredentials",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "MQTTCodec"),
        // The microcontroller's AT host driver and MQTT client state machines: standard library and the codecs only,
        // built here for host tests and by scripts/embedded (Embedded Swift) for the firmware, from the same sources.
        .target(name: "UplinkEmbedded", dependencies: ["ATCodec", "MQTTCodec"]),
        // DNS messages: pure codec, standard library only.
        .target(name: "DNSCodec"),
        // The stub resolver: UDP with EDNS0, TCP fallback, CNAME chains, cache, several servers.
        .target(
            name: "UplinkDNS",
            dependencies: [
                "DNSCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The MQTT 3.1.1/5 client: sessions, reconnect, offline queue; sees only a byte-stream transport.
        .target(
            name: "UplinkMQTT",
            dependencies: [
                "MQTTCodec",
                "UplinkFiles",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The TLS pieces the module, the MQTT transports and the front share: Uplink's chain verifier with its
        // precise failure explanations, and the handshake watcher.
        .target(
            name: "UplinkTLS",
            dependencies: [
                "UplinkTLSHandshake",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // The TLS handshake watcher and its failure categories: SwiftNIO only (no swift-certificates, no Foundation).
        .target(
            name: "UplinkTLSHandshake",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        // The AWS-IoT-like front's data plane: mutual TLS listener, JITR/JITP, policies, forwarding to a broker.
        .target(
            name: "UplinkIoTFront",
            dependencies: [
                "UplinkIoTRegistry",
                "UplinkTLS",
                "MQTTCodec",
                "UplinkMQTT",
                "UplinkMQTTNIO",
                "UplinkCredentials",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // MQTT transports over SwiftNIO: TCP and TLS (swift-nio-ssl).
        .target(
            name: "UplinkMQTTNIO",
            dependencies: [
                "UplinkMQTT",
                "UplinkTLSHandshake",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        // `uplink mqtt pub|sub`: the mosquitto_pub/sub-like commands, shared by `uplink` and `uplink-mqtt`.
        .target(
            name: "UplinkMQTTCommands",
            dependencies: [
                "UplinkOptions",
                "UplinkFiles",
                "UplinkMQTT",
                "UplinkDriver",
                "ATCodec",
                "UplinkMQTTNIO",
                "MQTTCodec",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Certificates and keys: PEM/DER, inspection, slot fitting, conversion, a development PKI.
        .target(
            name: "UplinkCredentials",
            dependencies: [
                "UplinkFiles",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // Byte links to a host: pseudo-terminal, serial port, TCP. Knows nothing about AT commands.
        .target(
            name: "UplinkSerial",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The module: AT engine and services (config, Wi-Fi, sockets). Knows nothing about the link.
        .target(
            name: "UplinkModule",
            dependencies: [
                "UplinkFiles",
                "ATCodec",
                "UplinkDNS",
                "DNSCodec",
                "UplinkCredentials",
                "UplinkTLS",
                "MQTTCodec",
                "UplinkMQTT",
                "UplinkMQTTNIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Puts a module on a link: pty, serial port or TCP.
        .target(
            name: "UplinkModuleServer",
            dependencies: [
                "UplinkModule",
                "UplinkSerial",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Range checks for the numeric options of every command (durations in seconds, counts, ports).
        .target(
            name: "UplinkOptions",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The one atomic file writer (Glibc only, no Foundation): temporary, fchmod, fsync, rename, fsync the folder.
        .target(name: "UplinkFiles"),
        // `--version` of both executables: the release number and the stamped git revision.
        .target(name: "UplinkBuildInfo"),
        // The host driver: drives an SPWF-compatible module over a serial link; MQTT through the module.
        .target(
            name: "UplinkDriver",
            dependencies: [
                "ATCodec",
                "UplinkMQTT",
                "UplinkSerial",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "UplinkCLI",
            dependencies: [
                "UplinkOptions",
                "UplinkBuildInfo",
                "UplinkModule",
                "UplinkDriver",
                "ATCodec",
                "UplinkModuleServer",
                "UplinkSerial",
                "UplinkMQTTCommands",
                "UplinkCredentials",
                "UplinkDNS",
                "DNSCodec",
                "UplinkIoTFront",
                "UplinkIoTRegistry",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                "UplinkIoTStores",
                "UplinkIoTControlPlane",
                "UplinkProcess",
                "UplinkMQTT",
                "UplinkMQTTNIO",
                "MQTTCodec",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `uplink-mqtt`: the MQTT commands alone, without the module, X.509 tooling or Foundation.
        .executableTarget(
            name: "UplinkMQTTTool",
            dependencies: [
                "UplinkBuildInfo",
                "UplinkMQTTCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The toolchain exports every symbol of an executable (-export-dynamic); nothing loads symbols from
            // this one, and the dynamic linker reads fewer pages at start without them.
            linkerSettings: [.unsafeFlags(["-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux]))]
        ),
        .executableTarget(
            name: "UplinkBench",
            dependencies: [
                "UplinkOptions",
                "UplinkModule",
                "UplinkDriver",
                "UplinkMQTT",
                "UplinkMQTTNIO",
                "UplinkModuleServer",
                "UplinkSerial",
                "UplinkDNS",
                "DNSCodec",
                "UplinkProcess",
                "UplinkCredentials",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "ATCodecTests", dependencies: ["ATCodec"]),
        // Byte-level helpers of the codecs' tests (hex, a seeded generator): standard library only.
        .target(name: "CodecTestSupport", path: "Tests/CodecTestSupport"),
        .testTarget(name: "MQTTCodecTests", dependencies: ["MQTTCodec", "CodecTestSupport"]),
        .testTarget(name: "UplinkEmbeddedTests", dependencies: ["UplinkEmbedded", "MQTTCodec", "ATCodec"]),
        .testTarget(
            name: "UplinkIoTFrontTests",
            dependencies: [
                "UplinkIoTFront",
                "UplinkIoTRegistry",
                "UplinkIoTStores",
                "UplinkTLS",
                "UplinkMQTT",
                "UplinkMQTTNIO",
                "MQTTCodec",
                "UplinkCredentials",
                "UplinkTestSupport",
                "UplinkDriver",
                "UplinkModule",
                "UplinkModuleServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "UplinkIoTControlPlaneTests",
            dependencies: [
                "UplinkIoTStores",
                "UplinkIoTControlPlane",
                "UplinkCredentials",
                "UplinkTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "UplinkMQTTTests",
            dependencies: [
                "UplinkMQTT",
                "UplinkTestSupport",
                "UplinkMQTTNIO",
                "MQTTCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Child processes with a clean signal mask, free loopback ports, and the real peers started from them
        // (mosquitto, NSD with the seed's zone): one launcher for the tests and uplink-bench.
        .target(
            name: "UplinkProcess",
            dependencies: [
                "UplinkDNS",
                "DNSCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Test-only peers and fakes (forwarders, RabbitMQ, a silent server, the `uplink` executable); re-exports
        // UplinkProcess.
        .target(
            name: "UplinkTestSupport",
            dependencies: [
                "UplinkProcess",
                "UplinkCredentials",
                "UplinkDNS",
                "DNSCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/UplinkTestSupport"
        ),
        .testTarget(name: "DNSCodecTests", dependencies: ["DNSCodec", "CodecTestSupport"]),
        .testTarget(
            name: "UplinkDNSTests",
            dependencies: [
                "UplinkDNS",
                "UplinkTestSupport",
                "DNSCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "UplinkCredentialsTests",
            dependencies: [
                "UplinkFiles",
                "UplinkProcess",
                "UplinkCredentials",
                "CodecTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .testTarget(
            name: "UplinkModuleTests",
            dependencies: [
                "UplinkOptions",
                "UplinkFiles",
                "UplinkModule",
                "UplinkDriver",
                "UplinkEmbedded",
                "UplinkMQTT",
                "UplinkMQTTNIO",
                "MQTTCodec",
                "UplinkModuleServer",
                "UplinkSerial",
                "ATCodec",
                "UplinkCredentials",
                "UplinkTestSupport",
                "UplinkDNS",
                "DNSCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
