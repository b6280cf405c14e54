import Foundation
import MQTTCodec
import NIOCore
import NIOPosix
import Testing
import UplinkCredentials
import UplinkIoTFront
import UplinkIoTRegistry
import UplinkMQTT
import UplinkMQTTNIO

/// What the front refuses before MQTT (no SNI, not TLS, a foreign chain, the 443 port without ALPN) and the
/// broker behaviours a device must survive (same client id twice, CONNECT rate).
@Suite("IoT front: transport refusals and broker behaviours", .serialized)
struct FrontRefusalTests {
    /// A registered, ACTIVE device with the device policy.
    static func activeRig(_ store: FrontStore) async throws -> FrontRig {
        let rig = try await FrontRig(store)
        try await rig.registerCA()
        let first = try rig.device()
        await #expect(throws: (any Error).self) { try await first.connect() }
        try await rig.activate(policy: "DevicePolicy", document: rig.devicePolicy)
        return rig
    }

    @Test("No SNI: refused before the certificate is looked at (nothing registered)", arguments: FrontStore.allCases)
    func noSNI(_ store: FrontStore) async throws {
        let rig = try await FrontRig(store)
        try await rig.registerCA()
        let device = try rig.device(transport: try rig.transport(serverName: nil))
        await #expect(throws: (any Error).self) { try await device.connect() }
        #expect(try await rig.registry.certificate(id: rig.deviceId()) == nil)
        // The same device with SNI gets as far as JITR.
        let named = try rig.device()
        await #expect(throws: (any Error).self) { try await named.connect() }
        #expect(try await rig.registry.certificate(id: rig.deviceId())?.status == .pendingActivation)
        await rig.stop()
    }

    @Test("Garbage instead of a ClientHello: the connection is closed at once", arguments: FrontStore.allCases)
    func garbage(_ store: FrontStore) async throws {
        let rig = try await FrontRig(store)
        let closed = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: rig.mqttPort) { channel in
                channel.eventLoop.makeSucceededFuture(channel)
            }
        try await closed.writeAndFlush(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        let deadline = Date().addingTimeInterval(30)
        while closed.isActive, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!closed.isActive)
        await rig.stop()
    }

    @Test("A chain that leads to no registered CA: refused, nothing registered", arguments: FrontStore.allCases)
    func foreignChain(_ store: FrontStore) async throws {
        let rig = try await FrontRig(store)
        try await rig.registerCA()
        let other = try DevPKI.generate(DevPKI.Options())
        let folder = rig.folder + "/other"
        _ = try other.write(to: folder)
        let tls = MQTTTLSConfiguration(
            caFile: rig.folder + "/ca.pem", certificateFile: folder + "/device-0001-chain.pem",
            keyFile: folder + "/device-0001.key", serverName: "localhost")
        let transport = try MQTTNIOTransport(host: "127.0.0.1", port: rig.mqttPort, tls: tls)
        let device = try rig.device(transport: transport)
        await #expect(throws: (any Error).self) { try await device.connect() }
        let foreign = IoTAccount.certificateId(der: other.devices[0].certificate.derBytes)
        #expect(try await rig.registry.certificate(id: foreign) == nil)
        await rig.stop()
    }

    @Test("The ALPN port takes only clients that negotiate x-amzn-mqtt-ca", arguments: FrontStore.allCases)
    func alpnPort(_ store: FrontStore) async throws {
        let rig = try await Self.activeRig(store)
        try await Task.sleep(for: .milliseconds(1100))
        let without = try rig.device(transport: try rig.transport(port: rig.alpnPort))
        await #expect(throws: (any Error).self) { try await without.connect() }
        try await Task.sleep(for: .milliseconds(1100))
        let with = try rig.device(transport: try rig.transport(alpn: [IoTFront.alpnProtocol], port: rig.alpnPort))
        try await with.connect()
        await with.disconnect()
        await rig.stop()
    }
}
