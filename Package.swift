// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Uplink",
    platforms: [.macOS(.v15)],
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
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The control plane: AWS IoT's rest-json onboarding operations over HTTP (Hummingbird).
        .target(
            name: "UplinkIoTControlPlane",
            dependencies: [
                "UplinkIoTRegistry",
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
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // MQTT transports over SwiftNIO: TCP and TLS (swift-nio-ssl).
        .target(
            name: "UplinkMQTTNIO",
            dependencies: [
                "UplinkMQTT",
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
                "ATCodec",
                "UplinkDNS",
                "DNSCodec",
                "UplinkCredentials",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
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
                "UplinkIoTRegistry",
                "UplinkIoTStores",
                "UplinkIoTControlPlane",
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
                "UplinkModule",
                "UplinkDriver",
                "UplinkMQTT",
                "UplinkMQTTNIO",
                "UplinkModuleServer",
                "UplinkSerial",
                "UplinkDNS",
                "DNSCodec",
                "UplinkTestSupport",
                "UplinkCredentials",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "ATCodecTests", dependencies: ["ATCodec"]),
        .testTarget(
            name: "UplinkIoTControlPlaneTests",
            dependencies: [
                "UplinkIoTRegistry",
                "UplinkIoTStores",
                "UplinkIoTControlPlane",
                "UplinkCredentials",
                "UplinkTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "MQTTCodecTests", dependencies: ["MQTTCodec"]),
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
        // Real peers for tests: child processes with a clean signal mask, NSD with the seed's zone.
        .target(
            name: "UplinkTestSupport",
            dependencies: [
                "UplinkDNS",
                "DNSCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/UplinkTestSupport"
        ),
        .testTarget(name: "DNSCodecTests", dependencies: ["DNSCodec"]),
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
                "UplinkCredentials",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .testTarget(
            name: "UplinkModuleTests",
            dependencies: [
                "UplinkModule",
                "UplinkDriver",
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
