import ATCodec
import Foundation
import MQTTCodec
import NIOCore
import NIOPosix
import Testing
import UplinkCredentials
import UplinkDriver
import UplinkMQTT
import UplinkModule
import UplinkTestSupport

/// The seed's device path, everything real: the module on a pty, NSD answering the broker's name with a reply over
/// 512 bytes that points to 127.0.0.1, mosquitto requiring client certificates, credentials from the dev PKI with
/// the device certificate sent with its CA (the JITR chain), and the MQTT client running through the host driver.
@Suite("The seed's path end to end: MQTT through the module", .serialized, .timeLimit(.minutes(1)))
struct SeedPathTests {
    static let profiles: [ModuleProfile] = [.spwf01, .spwf04]

    struct Rig {
        let nsd: NSDServer
        let broker: MosquittoBroker
        let pki: DevPKI
        let folder: String
        let group: MultiThreadedEventLoopGroup

        func stop() async {
            broker.stop()
            await nsd.stop()
            try? FileManager.default.removeItem(atPath: folder)
            try? await group.shutdownGracefully()
        }
    }

    static func rig(_ algorithm: KeyAlgorithm = .ecP256, brokerLines: [String] = []) async throws -> Rig {
        var options = DevPKI.Options()
        options.deviceCA = true
        options.keyAlgorithm = algorithm
        return try await rig(options, brokerLines: brokerLines)
    }

    /// A dev PKI made with `options` (its server certificate for the seed's name), mosquitto requiring client
    /// certificates (plus `brokerLines`, `$FOLDER` standing for the PKI's folder), NSD answering the seed's name with
    /// 127.0.0.1.
    static func rig(_ options: DevPKI.Options, brokerLines: [String] = []) async throws -> Rig {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var options = options
        options.serverNames = [SeedZone.seedName]
        let pki = try DevPKI.generate(options)
        let folder = NSTemporaryDirectory() + "uplink-seed-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = try pki.write(to: folder)
        let broker = try await MosquittoBroker.start(
            listenerLines: [
                "cafile \(folder)/ca.pem", "certfile \(folder)/server.pem", "keyfile \(folder)/server.key",
                "require_certificate true",
            ] + brokerLines.map { $0.replacingOccurrences(of: "$FOLDER", with: folder) })
        let nsd = try await NSDServer.start(zone: SeedZone.origin, zoneText: ModuleDNSTests.loopbackZone, group: group)
        return Rig(nsd: nsd, broker: broker, pki: pki, folder: folder, group: group)
    }

    /// Root CA, the device chain (leaf then device CA: JITR) and the key, as PEM.
    static func credentials(_ pki: DevPKI) throws -> (ca: [UInt8], chain: [UInt8], key: [UInt8]) {
        let device = try #require(pki.devices.first)
        let issuer = try #require(pki.deviceCA)
        return (
            Array(pki.root.certificate.pemString.utf8),
            Array((device.certificate.pemString + issuer.certificate.pemString).utf8),
            Array(device.key.pemString.utf8)
        )
    }

    static func load(_ driver: ModuleDriver, _ pki: DevPKI, capacity: Int?) async throws {
        let set = try credentials(pki)
        try await driver.storeCredential(.ca, set.ca, capacity: capacity)
        try await driver.storeCredential(.cert, set.chain, capacity: capacity)
        try await driver.storeCredential(.key, set.key, capacity: capacity)
    }

    static func client(_ driver: ModuleDriver, port: Int, id: String, version: MQTTProtocolVersion = .v3_1_1)
        throws -> MQTTClient
    {
        var configuration = MQTTClientConfiguration(clientIdentifier: id, version: version)
        configuration.keepAlive = 30
        configuration.reconnect.minimumDelay = .milliseconds(50)
        configuration.reconnect.maximumDelay = .milliseconds(500)
        let transport = ModuleMQTTTransport(
            driver: driver, host: SeedZone.seedName, port: port, kind: .tls(commonName: nil))
        return try MQTTClient(configuration: configuration, transport: transport)
    }

    @Test(
        "1,000 QoS 1 messages out and back through the module, by name, over mutual TLS with the JITR chain",
        arguments: profiles)
    func roundTrip(profile: ModuleProfile) async throws {
        let rig = try await Self.rig()
        let module = try await DriverRig.start(profile, dnsServers: [rig.nsd.address])
        try await module.driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        try await Self.load(module.driver, rig.pki, capacity: 4096)
        let client = try Self.client(module.driver, port: rig.broker.port, id: "seed-\(profile.name)")
        try await client.connect()
        let stream = try await client.subscribe(to: "seed/echo", qos: .atLeastOnce)
        let count = 1000
        let collector = Task { () -> [Int: Int] in
            var seen: [Int: Int] = [:]
            var received = 0
            for try await message in stream {
                if let index = Int(message.payloadString) { seen[index, default: 0] += 1 }
                received += 1
                if received == count { break }
            }
            return seen
        }
        for index in 0..<count {
            try await client.publish(MQTTMessage(topic: "seed/echo", string: "\(index)", qos: .atLeastOnce))
        }
        let seen = try await withDeadline(.seconds(60)) { try await collector.value }
        #expect(seen.count == count)
        #expect(seen.values.allSatisfy { $0 == 1 })
        await client.disconnect()
        await module.stop()
        await rig.stop()
    }

    @Test("spwf01-3.5 fails where the seed failed: the name does not resolve, the RSA chain does not fit")
    func seedFailures() async throws {
        let rig = try await Self.rig(.rsa2048)
        let legacy = try await DriverRig.start(.spwf01Legacy, dnsServers: [rig.nsd.address])
        try await legacy.driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        // The RSA JITR chain: refused by the driver before sending when it knows the slot, and by the module itself
        // (its own text, code 20) when it does not.
        let set = try Self.credentials(rig.pki)
        await #expect(throws: ModuleDriverError.credentialTooLarge(slot: .cert, bytes: set.chain.count, capacity: 2048))
        {
            try await legacy.driver.storeCredential(.cert, set.chain, capacity: 2048)
        }
        do {
            try await legacy.driver.storeCredential(.cert, set.chain)
            Issue.record("the module took a chain over its slot")
        } catch let error as ModuleDriverError {
            #expect(error.moduleError == .credentialOverCapacity)
            #expect(error.moduleError?.isCredentialRejection == true)
        }
        // The name: the 3.5 resolver refuses the reply over 300 bytes.
        try await legacy.driver.storeCredential(.ca, set.ca)
        var configuration = MQTTClientConfiguration(clientIdentifier: "legacy", version: .v3_1_1)
        configuration.reconnect.initialConnectAttempts = 1
        let transport = ModuleMQTTTransport(
            driver: legacy.driver, host: SeedZone.seedName, port: rig.broker.port, kind: .tls(commonName: nil))
        let client = try MQTTClient(configuration: configuration, transport: transport)
        do {
            try await client.connect()
            Issue.record("spwf01-3.5 connected by the seed's name")
        } catch {
            #expect(Self.moduleError(in: error) == .failedToResolve, "\(error)")
        }
        await legacy.stop()

        // The default profile: the same name and the same RSA set connect.
        let fixed = try await DriverRig.start(.spwf01, dnsServers: [rig.nsd.address])
        try await fixed.driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        try await Self.load(fixed.driver, rig.pki, capacity: 4096)
        let working = try Self.client(fixed.driver, port: rig.broker.port, id: "fixed")
        try await working.connect()
        try await working.publish(MQTTMessage(topic: "seed/ok", string: "hello", qos: .atLeastOnce))
        await working.disconnect()
        await fixed.stop()
        await rig.stop()
    }

    /// The module error inside the client's error.
    static func moduleError(in error: any Error) -> ATError? {
        if let driver = error as? ModuleDriverError { return driver.moduleError }
        if case MQTTClientError.transportError(let failure) = error {
            return (failure.error as? ModuleDriverError)?.moduleError
        }
        return nil
    }
}

/// Runs `body`, failing when it takes longer than `limit`.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw HostTimeout(waitingFor: "a result within \(limit)", got: "")
        }
        return value
    }
}
