import Foundation
import MQTTCodec
import Testing
import UplinkIoTFront
import UplinkMQTT

/// AWS IoT's broker behaviours a device must survive, end to end with real clients over mutual TLS through the
/// front and mosquitto. Every wait has a deadline: a step that hangs fails with its name.
@Suite("IoT front: session takeover and the CONNECT rate, end to end", .serialized, .timeLimit(.minutes(3)))
struct BrokerBehaviourTests {
    static let versions: [MQTTProtocolVersion] = [.v3_1_1, .v5]

    /// A front with device 0 already onboarded (JITR, activated with the device policy), a second past its last
    /// CONNECT.
    static func onboarded(connectInterval: Double = 1) async throws -> FrontRig {
        let rig = try await FrontRig { $0.limits.connectInterval = connectInterval }
        try await rig.registerCA()
        let first = try rig.device()
        await #expect(throws: (any Error).self) { try await within(30, "first connect") { try await first.connect() } }
        try await rig.activate(policy: "DevicePolicy", document: rig.devicePolicy)
        try await Task.sleep(for: .milliseconds(Int(connectInterval * 1000) + 100))
        return rig
    }

    /// Waits (at most `seconds`) until `client` has lost its connection.
    static func waitForDisconnection(_ client: MQTTClient, within seconds: Double) async throws {
        try await within(seconds, "the first connection closed") {
            while client.isConnected { try await Task.sleep(for: .milliseconds(20)) }
        }
    }

    @Test("A second connection with the same client id closes the first; the second works", arguments: versions)
    func takeover(version: MQTTProtocolVersion) async throws {
        let rig = try await Self.onboarded()
        let name = rig.pki.devices[0].name
        let firstConnection = try rig.device(version: version)
        try await within(30, "first connection") { _ = try await firstConnection.connect() }
        #expect(firstConnection.isConnected)
        try await Task.sleep(for: .milliseconds(1100))

        let second = try rig.device(version: version)
        try await within(30, "second connection") { _ = try await second.connect() }
        try await Self.waitForDisconnection(firstConnection, within: 30)
        let error = try #require(firstConnection.lastConnectionError)
        if version.isV5 {
            // MQTT 5: DISCONNECT with "session taken over" before the close.
            #expect(error == .connectionClosed(.sessionTakenOver, reasonString: nil), "\(error)")
        }
        #expect(second.isConnected)
        let observer = try await rig.observer()
        let inbox = try await observer.subscribe(to: "devices/#", qos: .atLeastOnce)
        let code = try await within(30, "publish on the second connection") {
            try await second.publish(MQTTMessage(topic: "devices/\(name)/t", string: "second", qos: .atLeastOnce))
        }
        #expect(code.isSuccess)
        #expect(try await nextMessage(inbox, within: 10)?.payloadString == "second")
        await second.disconnect()
        await observer.disconnect()
        await rig.stop()
    }

    @Test("At most one CONNECT per interval per client id (AWS: a second): the next ones within it are refused")
    func connectRate() async throws {
        #expect(IoTBrokerLimits().connectInterval == 1)
        // The window widened to 8 s here, so that a loaded machine's slow handshakes stay inside it.
        let interval = 8.0
        let rig = try await Self.onboarded(connectInterval: interval)
        let accepted = try rig.device()
        try await within(30, "connect") { _ = try await accepted.connect() }
        let acceptedAt = ContinuousClock.now
        await accepted.disconnect()

        // Within the window: MQTT 5 gets CONNACK 0x9F, MQTT 3.1.1 a close with no CONNACK.
        let tooSoon = try rig.device(version: .v5)
        await #expect(throws: MQTTClientError.connectionRefused(.connectionRateExceeded, reasonString: nil)) {
            try await within(30, "MQTT 5 connect within the window") { _ = try await tooSoon.connect() }
        }
        let tooSoonToo = try rig.device(version: .v3_1_1)
        do {
            try await within(30, "MQTT 3.1.1 connect within the window") { _ = try await tooSoonToo.connect() }
            Issue.record("a second CONNECT within the window was accepted")
        } catch let error as MQTTClientError {
            #expect(MQTTAWSOnboarding.isOnboardingClose(error), "\(error)")
        }
        // A refused CONNECT does not restart the window: once it has passed since the accepted one, the next passes.
        try await Task.sleep(until: acceptedAt + .milliseconds(Int(interval * 1000) + 100))
        let later = try rig.device()
        try await within(30, "connect once the window has passed") { _ = try await later.connect() }
        #expect(later.isConnected)
        await later.disconnect()
        await rig.stop()
    }
}
