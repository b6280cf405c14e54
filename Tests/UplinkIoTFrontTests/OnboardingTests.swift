import Foundation
import Logging
import MQTTCodec
import Testing
import UplinkIoTFront
import UplinkIoTRegistry
import UplinkMQTT

/// The device side of onboarding: one `connect()` of the project's client rides through JITR's closes until the
/// front's auto-activation rule (`--auto-activate POLICY --delay S`) has activated the certificate.
@Suite("IoT front: device-side onboarding retries and --auto-activate", .serialized)
struct OnboardingTests {
    @Test(
        "One connect() with the AWS onboarding retries succeeds once the rule activated the certificate",
        arguments: FrontStore.allCases)
    func onboarding(_ store: FrontStore) async throws {
        let registry = try await FrontRig.makeRegistry(store)
        let account = IoTAccount()
        let activator = IoTAutoActivator(
            registry: registry, account: account, policyName: "DevicePolicy", delay: 1.5,
            logger: Logger(label: "test"))
        let rig = try await FrontRig(registry: registry) { configuration in
            configuration.onRegistration = { activator.registered($0) }
        }
        try await rig.registerCA()
        try await registry.createPolicy(
            IoTPolicy(
                policyName: "DevicePolicy", policyArn: account.policyArn("DevicePolicy"),
                policyDocument: rig.devicePolicy,
                defaultVersionId: "1", creationDate: Date(), lastModifiedDate: Date(), generationId: "g"))
        var configuration = MQTTClientConfiguration(clientIdentifier: rig.pki.devices[0].name, version: .v3_1_1)
        configuration.connectTimeout = .seconds(5)
        MQTTAWSOnboarding(attempts: 8, maximumDelay: .seconds(2)).apply(to: &configuration)
        #expect(configuration.reconnect.minimumDelay >= .seconds(1))
        let client = try MQTTClient(configuration: configuration, transport: try rig.transport())
        let start = ContinuousClock.now
        try await client.connect()
        // At least one close, one second apart at least, and the activation delay: never instant.
        #expect(ContinuousClock.now - start >= .seconds(1.5))
        #expect(try await registry.certificate(id: rig.deviceId())?.status == .active)
        #expect(
            try await registry.attachedPolicies(target: account.certificateArn(rig.deviceId())).map(\.policyName)
                == ["DevicePolicy"])
        let name = rig.pki.devices[0].name
        #expect(
            try await client.publish(MQTTMessage(topic: "devices/\(name)/up", string: "1", qos: .atLeastOnce))
                == .success)
        await client.disconnect()
        await rig.stop()
    }

    @Test("The activation delay is clamped to 0...3600 s: negative, huge, infinite or NaN never traps")
    func delayClamped() {
        let cases: [(Double, Double)] = [
            (-5, 0), (0, 0), (1.5, 1.5), (3_600, 3_600), (3_601, 3_600), (1e300, 3_600), (.infinity, 3_600),
            (-.infinity, 0), (.nan, 0),
        ]
        for (given, expected) in cases {
            let activator = IoTAutoActivator(
                registry: InMemoryIoTRegistry(), account: IoTAccount(), policyName: "P", delay: given,
                logger: Logger(label: "test"))
            #expect(activator.delay == expected, "delay \(given)")
        }
    }

    @Test("Onboarding closes are told apart from refusals and unreachable brokers")
    func classification() {
        #expect(MQTTAWSOnboarding.isOnboardingClose(.connectionClosed(nil, reasonString: nil)))
        #expect(!MQTTAWSOnboarding.isOnboardingClose(.connectionRefused(.notAuthorized, reasonString: nil)))
        #expect(
            !MQTTAWSOnboarding.isOnboardingClose(
                .transportFailed("connection refused by 127.0.0.1:1 (is a broker listening there?)")))
    }
}
