import Foundation
import MQTTCodec
import Testing
import UplinkCredentials
import UplinkIoTFront
import UplinkIoTRegistry
import UplinkIoTStores
import UplinkMQTT

/// A certificate leaving ACTIVE while a device is connected with it: the front closes the connection at its next
/// status check (AWS: "within a few minutes"), and refuses the next handshake.
@Suite(
    "IoT front: live connections of a certificate that leaves ACTIVE are closed", .serialized, .timeLimit(.minutes(5)))
struct LiveRevocationTests {
    /// The rig with a fast status check, device 0 ACTIVE with the device policy, and device 0 connected.
    static func connected(_ store: FrontStore) async throws -> (FrontRig, MQTTClient) {
        var options = DevPKI.Options()
        options.deviceCount = 2
        let rig = try await FrontRig(store, pkiOptions: options) { $0.statusCheckInterval = 0.2 }
        try await rig.registerCA()
        let first = try rig.device()
        await #expect(throws: (any Error).self) { try await first.connect() }
        try await rig.activate(policy: "DevicePolicy", document: rig.devicePolicy)
        try await Task.sleep(for: .milliseconds(1100))
        let device = try rig.device()
        try await device.connect()
        return (rig, device)
    }

    /// Waits (30 s at most) until the client is offline.
    static func waitOffline(_ client: MQTTClient) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while client.isConnected, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return !client.isConnected
    }

    @Test(
        "UpdateCertificate to INACTIVE or REVOKED closes the live connection; the next connect is refused",
        arguments: FrontStore.allCases, [IoTCertificateStatus.inactive, .revoked])
    func statusChange(_ store: FrontStore, _ status: IoTCertificateStatus) async throws {
        let (rig, device) = try await Self.connected(store)
        let name = rig.pki.devices[0].name
        #expect(rig.front.liveConnections(certificateId: rig.deviceId()) == 1)
        // Still ACTIVE: checks come and go, the connection stays.
        try await Task.sleep(for: .milliseconds(600))
        #expect(device.isConnected)
        #expect(
            try await device.publish(MQTTMessage(topic: "devices/\(name)/a", string: "1", qos: .atLeastOnce))
                == .success)

        try await rig.registry.updateCertificateStatus(id: rig.deviceId(), to: status)
        #expect(try await Self.waitOffline(device))
        #expect(rig.front.liveConnections(certificateId: rig.deviceId()) == 0)
        try await Task.sleep(for: .milliseconds(1100))
        let again = try rig.device()
        let refused = try await within(30, "connect after \(status.rawValue)") {
            do {
                try await again.connect()
                return false
            } catch {
                return true
            }
        }
        #expect(refused)
        await rig.stop()
    }

    @Test(
        "DeleteCertificate (after INACTIVE, with force) leaves no connection; another device stays connected",
        arguments: [FrontStore.sqlite, .postgres])
    func deletion(_ store: FrontStore) async throws {
        let (rig, device) = try await Self.connected(store)
        let registry = try #require(rig.registry as? any IoTControlRegistry)
        // A second device, ACTIVE and connected, is not touched.
        let second = try rig.device(1)
        await #expect(throws: (any Error).self) { try await second.connect() }
        try await rig.activate(1, policy: "DevicePolicy", document: rig.devicePolicy)
        try await Task.sleep(for: .milliseconds(1100))
        let other = try rig.device(1)
        try await other.connect()

        try await registry.updateCertificateStatus(id: rig.deviceId(), to: .inactive)
        try await registry.deleteCertificate(id: rig.deviceId(), force: true)
        #expect(try await registry.certificate(id: rig.deviceId()) == nil)
        #expect(try await Self.waitOffline(device))
        try await Task.sleep(for: .milliseconds(600))
        #expect(other.isConnected)
        let name = rig.pki.devices[1].name
        #expect(
            try await other.publish(MQTTMessage(topic: "devices/\(name)/a", string: "1", qos: .atLeastOnce))
                == .success)
        _ = try await within(30, "disconnect") { await other.disconnect() }
        await rig.stop()
    }
}
