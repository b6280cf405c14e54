import Foundation
import MQTTCodec
import NIOPosix
import Testing
import UplinkDriver
import UplinkMQTT
import UplinkMQTTNIO
import UplinkModule
import UplinkTestSupport

/// QoS 1 through the module survives a broker restart (the module reports WIND 58) and a module reset mid-stream
/// (`AT+CFUN=1` / `AT+S.RESET`: WIND 2 and the boot WINDs): the client reconnects through the module and every
/// message arrives, duplicates only within the in-flight window, as QoS 1 allows. Counted.
@Suite("Through the module: broker restart and module reset mid-stream", .serialized, .timeLimit(.minutes(1)))
struct SeedPathResilienceTests {
    enum Fault: String, CustomTestStringConvertible, CaseIterable {
        case brokerRestart
        case moduleReset
        var testDescription: String { rawValue }
    }

    struct Case: CustomTestStringConvertible {
        var profile: ModuleProfile
        var fault: Fault
        var testDescription: String { "\(profile.name), \(fault.rawValue)" }
    }

    static let cases = [ModuleProfile.spwf01, .spwf04].flatMap { profile in
        Fault.allCases.map { Case(profile: profile, fault: $0) }
    }

    @Test("every QoS 1 message arrives; duplicates only within the in-flight window", arguments: cases)
    func survives(testCase: Case) async throws {
        let folder = NSTemporaryDirectory() + "uplink-resilience-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let broker = try await MosquittoBroker.start(listenerLines: [
            "persistence true", "persistence_location \(folder)/",
        ])
        defer { broker.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { Task { try? await group.shutdownGracefully() } }

        // The subscriber connects directly; its persistent session keeps what arrives while it is away.
        var subscriberConfiguration = MQTTClientConfiguration(clientIdentifier: "resilience-sub", version: .v3_1_1)
        subscriberConfiguration.cleanStart = false
        subscriberConfiguration.reconnect.minimumDelay = .milliseconds(50)
        subscriberConfiguration.reconnect.maximumDelay = .milliseconds(300)
        let subscriber = try MQTTClient(
            configuration: subscriberConfiguration,
            transport: try MQTTNIOTransport(host: "127.0.0.1", port: broker.port, tls: nil, eventLoopGroup: group))
        try await subscriber.connect()
        let stream = try await subscriber.subscribe(to: "resilience", qos: .atLeastOnce)

        let module = try await DriverRig.start(testCase.profile)
        try await module.driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        var configuration = MQTTClientConfiguration(clientIdentifier: "resilience-pub", version: .v3_1_1)
        configuration.cleanStart = false
        configuration.keepAlive = 5
        configuration.reconnect.minimumDelay = .milliseconds(50)
        configuration.reconnect.maximumDelay = .milliseconds(300)
        let inflight = configuration.effectiveMaximumInflight
        let publisher = try MQTTClient(
            configuration: configuration,
            transport: ModuleMQTTTransport(driver: module.driver, host: "127.0.0.1", port: broker.port, kind: .tcp))
        try await publisher.connect()
        let indications = module.driver.indications()
        let watcher = Task { () -> Bool in
            for await indication in indications {
                switch (testCase.fault, indication) {
                case (.brokerRestart, .socketClosed), (.moduleReset, .reset): return true
                default: continue
                }
            }
            return false
        }

        let count = 400
        let collector = Task { () -> [Int: Int] in
            var seen: [Int: Int] = [:]
            for try await message in stream {
                if let index = Int(message.payloadString) { seen[index, default: 0] += 1 }
                if seen.count == count { break }
            }
            return seen
        }
        for index in 0..<count {
            if index == count / 2 {
                switch testCase.fault {
                case .brokerRestart: try await broker.restart()
                case .moduleReset: try await module.driver.reset()
                }
            }
            try await publisher.enqueue(MQTTMessage(topic: "resilience", string: "\(index)", qos: .atLeastOnce))
        }
        try await withDeadline(.seconds(60)) { try await publisher.flush() }
        let seen = try await withDeadline(.seconds(60)) { try await collector.value }
        #expect(seen.count == count, "missing: \((0..<count).filter { seen[$0] == nil }.prefix(20))")
        // The fault reached the host as the module reports it: WIND 58 for the broker, WIND 2 for the reset.
        #expect(try await withDeadline(.seconds(10)) { await watcher.value })
        let duplicates = seen.values.reduce(0) { $0 + $1 - 1 }
        #expect(duplicates <= inflight, "\(duplicates) duplicates")
        await publisher.disconnect()
        await subscriber.disconnect()
        await module.stop()
    }
}
