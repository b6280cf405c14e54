import Foundation
import MQTTCodec
import Testing
import UplinkCredentials
import UplinkDriver
import UplinkIoTFront
import UplinkIoTRegistry
import UplinkMQTT
import UplinkModule
import UplinkTestSupport

extension ModuleProfile: CustomTestStringConvertible {
    public var testDescription: String { name }
}

/// JITR and JITP end to end through the module: the module on a pseudo-terminal, the host driver, the project's MQTT
/// client over a module TLS socket carrying the device chain, the front, mosquitto behind it.
@Suite("IoT front through the module: JITR and JITP on a pty", .serialized, .timeLimit(.minutes(3)))
struct ModuleOnboardingTests {
    static let profiles: [ModuleProfile] = [.spwf04, .spwf01]

    /// A front whose devices are issued by a device CA (the CA registered for JITR/JITP).
    static func front(_ algorithm: KeyAlgorithm = .ecP256, log: FrontLogRecorder? = nil) async throws -> FrontRig {
        var options = DevPKI.Options()
        options.deviceCA = true
        options.keyAlgorithm = algorithm
        return try await FrontRig(pkiOptions: options) { configuration in
            if let log { configuration.logger = log.logger }
        }
    }

    /// An MQTT client through the module to the front, no automatic reconnect, generous deadlines (a loaded machine).
    static func client(_ module: ModuleRig, _ rig: FrontRig, clientId: String) throws -> MQTTClient {
        var configuration = MQTTClientConfiguration(clientIdentifier: clientId, version: .v3_1_1)
        configuration.keepAlive = 60
        configuration.reconnect = .disabled
        configuration.connectTimeout = .seconds(30)
        configuration.operationTimeout = .seconds(30)
        let transport = ModuleMQTTTransport(
            driver: module.driver, host: ModuleRig.frontName, port: rig.mqttPort, kind: .tls(commonName: nil))
        return try MQTTClient(configuration: configuration, transport: transport)
    }

    /// The allowed publish reaches the broker; the one outside the policy closes the connection (MQTT 3.1.1) and
    /// never reaches it.
    static func publishes(_ device: MQTTClient, _ observer: MQTTClient, allowed: String, refused: String) async throws {
        let inbox = try await observer.subscribe(to: allowed, qos: .atLeastOnce)
        let outside = try await observer.subscribe(to: refused, qos: .atLeastOnce)
        let code = try await within(60, "allowed publish") {
            try await device.publish(MQTTMessage(topic: allowed, string: "allowed", qos: .atLeastOnce))
        }
        #expect(code == .success)
        #expect(try await nextMessage(inbox, within: 10)?.payloadString == "allowed")
        await #expect(throws: (any Error).self) {
            _ = try await within(60, "refused publish") {
                try await device.publish(MQTTMessage(topic: refused, string: "refused", qos: .atLeastOnce))
            }
        }
        #expect(try await nextMessage(outside, within: 1) == nil)
    }

    @Test(
        "JITR through the module: first connect closed, event, activation, retry connects, policy", arguments: profiles)
    func jitr(profile: ModuleProfile) async throws {
        let rig = try await Self.front()
        let module = try await ModuleRig.start(profile)
        let ca = try await rig.registerCA()
        let observer = try await rig.observer()
        let events = try await observer.subscribe(to: "$aws/events/certificates/registered/#", qos: .atLeastOnce)
        try await module.load(rig.pki, capacity: ModuleSlotCapacity.byProfile[profile.name])
        let name = rig.pki.devices[0].name

        // First connect: the front registers the certificate PENDING_ACTIVATION, publishes the event and closes.
        let first = try Self.client(module, rig, clientId: name)
        await #expect(throws: (any Error).self) { try await within(60, "first connect") { try await first.connect() } }
        let event = try #require(try await nextMessage(events, within: 10), "no registration event on the broker")
        #expect(event.topic == "$aws/events/certificates/registered/\(ca.certificateId)")
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(event.payload)) as? [String: Any])
        #expect(fields["certificateId"] as? String == rig.deviceId())
        #expect(fields["certificateStatus"] as? String == "PENDING_ACTIVATION")
        #expect(try await rig.registry.certificate(id: rig.deviceId())?.status == .pendingActivation)

        // The rule's work, through the registry; the retry (a second later: 1 CONNECT/s per client id) connects.
        try await rig.activate(policy: "DevicePolicy", document: rig.devicePolicy)
        try await Task.sleep(for: .milliseconds(1100))
        let device = try Self.client(module, rig, clientId: name)
        try await within(60, "connect after activation") { _ = try await device.connect() }
        try await Self.publishes(device, observer, allowed: "devices/\(name)/t", refused: "other/t")
        await device.disconnect()
        await observer.disconnect()
        await module.stop()
        await rig.stop()
    }

    @Test("JITP through the module: provisioned at the first handshake, connects, policy", arguments: profiles)
    func jitp(profile: ModuleProfile) async throws {
        let rig = try await Self.front()
        let module = try await ModuleRig.start(profile)
        try await rig.registerCA(template: Self.template(rig))
        let observer = try await rig.observer()
        try await module.load(rig.pki, capacity: ModuleSlotCapacity.byProfile[profile.name])
        let name = rig.pki.devices[0].name

        let device = try Self.client(module, rig, clientId: name)
        try await within(60, "first connect (JITP)") { _ = try await device.connect() }
        #expect(try await rig.registry.certificate(id: rig.deviceId())?.status == .active)
        #expect(try await rig.registry.thingNames(principal: rig.account.certificateArn(rig.deviceId())) == [name])
        try await Self.publishes(device, observer, allowed: "things/\(name)/x", refused: "things/other/x")
        await device.disconnect()
        await observer.disconnect()
        await module.stop()
        await rig.stop()
    }

    @Test("spwf01-3.5: the RSA JITR chain does not fit the slot; refused before any network traffic")
    func legacyChainDoesNotFit() async throws {
        let log = FrontLogRecorder()
        let rig = try await Self.front(.rsa2048, log: log)
        let module = try await ModuleRig.start(.spwf01Legacy)
        try await rig.registerCA()
        let observer = try await rig.observer()
        let events = try await observer.subscribe(to: "$aws/events/#", qos: .atLeastOnce)
        let capacity = try #require(ModuleSlotCapacity.byProfile[ModuleProfile.spwf01Legacy.name])
        do {
            try await module.load(rig.pki, capacity: capacity)
            Issue.record("spwf01-3.5 took the RSA chain")
        } catch let error as ModuleDriverError {
            guard case .credentialTooLarge(let slot, let bytes, capacity) = error else {
                Issue.record("not the slot error: \(error)")
                return
            }
            #expect(slot == .cert)
            #expect(bytes > capacity)
            #expect("\(error)".contains("slot holds \(capacity)"))
        }
        // Nothing reached the front: no socket was opened, the front logged no connection (it logs every handshake
        // it refuses or admits), nothing registered, no event.
        #expect(await module.driver.openSockets.isEmpty)
        #expect(log.recorded.filter { !$0.contains("listening on") }.isEmpty, "\(log.recorded)")
        #expect(try await rig.registry.certificate(id: rig.deviceId()) == nil)
        #expect(try await nextMessage(events, within: 1) == nil)
        await observer.disconnect()
        await module.stop()
        await rig.stop()
    }

    /// The JITP template: thing named by the CN, the certificate ACTIVE, a policy on `things/<thing>/*`.
    static func template(_ rig: FrontRig) -> String {
        let arn = "arn:aws:iot:\(rig.account.region):\(rig.account.accountId)"
        let policyText = FrontRig.policy([
            "{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"\(arn):client/${iot:Connection.Thing.ThingName}\"}",
            "{\"Effect\":\"Allow\",\"Action\":\"iot:Publish\",\"Resource\":\"\(arn):topic/things/${iot:Connection.Thing.ThingName}/*\"}",
        ])
        let escaped = policyText.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
            of: "\"", with: "\\\"")
        return """
            {"Parameters":{"AWS::IoT::Certificate::CommonName":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},
             "Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"AWS::IoT::Certificate::CommonName"}}},
              "certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}},
              "policy":{"Type":"AWS::IoT::Policy","Properties":{"PolicyName":"JITPPolicy","PolicyDocument":"\(escaped)"}}}}
            """
    }
}
