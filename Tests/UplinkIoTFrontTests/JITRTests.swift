import Foundation
import MQTTCodec
import Testing
import UplinkIoTFront
import UplinkIoTRegistry
import UplinkMQTT
import UplinkTestSupport

/// JITR end to end with the project's MQTT client straight to the front, mosquitto behind it.
@Suite("IoT front: JITR, JITP and refusals with mosquitto behind", .serialized)
struct JITRTests {
    @Test(
        "JITR: first connect closed, event on the broker, activation, retry connects, policy allows and refuses",
        arguments: FrontStore.allCases)
    func jitr(_ store: FrontStore) async throws {
        let rig = try await FrontRig(store)
        let ca = try await rig.registerCA()
        let observer = try await rig.observer()
        let events = try await observer.subscribe(to: "$aws/events/certificates/registered/#", qos: .atLeastOnce)

        // First connect: registered PENDING_ACTIVATION, the connection is closed before any CONNACK.
        let first = try rig.device()
        await #expect(throws: (any Error).self) { try await first.connect() }
        let event = try #require(try await nextMessage(events, within: 5))
        #expect(event.topic == "$aws/events/certificates/registered/\(ca.certificateId)")
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(event.payload)) as? [String: Any])
        #expect(fields["certificateId"] as? String == rig.deviceId())
        #expect(fields["caCertificateId"] as? String == ca.certificateId)
        #expect(fields["certificateStatus"] as? String == "PENDING_ACTIVATION")
        #expect(fields["awsAccountId"] as? String == "123456789012")
        #expect(fields["timestamp"] is NSNumber)
        #expect((fields["certificateRegistrationTimestamp"] as? String).flatMap(Int64.init) != nil)
        #expect(fields.count == 6)
        let record = try #require(try await rig.registry.certificate(id: rig.deviceId()))
        #expect(record.status == .pendingActivation)
        #expect(record.caCertificateId == ca.certificateId)

        // A retry while pending: closed again, the event again.
        let again = try rig.device()
        await #expect(throws: (any Error).self) { try await again.connect() }
        #expect(try await nextMessage(events, within: 5) != nil)

        // The rule activates it and attaches the policy; the retry connects.
        try await rig.activate(policy: "DevicePolicy", document: rig.devicePolicy)
        try await Task.sleep(for: .milliseconds(1100))
        let device = try rig.device()
        try await device.connect()
        let name = rig.pki.devices[0].name
        let inbox = try await observer.subscribe(to: "devices/#", qos: .atLeastOnce)
        let code = try await device.publish(MQTTMessage(topic: "devices/\(name)/t", string: "hello", qos: .atLeastOnce))
        #expect(code == .success)
        let seen = try #require(try await nextMessage(inbox, within: 5))
        #expect(seen.payloadString == "hello")
        // Outside the policy: MQTT 3.1.1 closes the connection.
        await #expect(throws: (any Error).self) {
            _ = try await device.publish(MQTTMessage(topic: "other/t", string: "no", qos: .atLeastOnce))
        }
        await device.disconnect()
        await observer.disconnect()
        await rig.stop()
    }

    @Test(
        "MQTT 5: publish outside the policy gets PUBACK 0x87 and the connection stays", arguments: FrontStore.allCases)
    func mqtt5Denials(_ store: FrontStore) async throws {
        let rig = try await FrontRig(store)
        try await rig.registerCA()
        let first = try rig.device(version: .v5)
        await #expect(throws: (any Error).self) { try await first.connect() }
        try await rig.activate(policy: "DevicePolicy", document: rig.devicePolicy)
        try await Task.sleep(for: .milliseconds(1100))
        let device = try rig.device(version: .v5)
        try await device.connect()
        await #expect(throws: MQTTClientError.publishRejected(.notAuthorized, reasonString: nil)) {
            _ = try await device.publish(MQTTMessage(topic: "other/t", string: "no", qos: .atLeastOnce))
        }
        let name = rig.pki.devices[0].name
        // mosquitto answers 0x10 (no matching subscribers) on MQTT 5: a success code.
        #expect(
            try await device.publish(MQTTMessage(topic: "devices/\(name)/t", string: "ok", qos: .atLeastOnce)).isSuccess
        )
        // A client id the policy does not allow: CONNACK 0x87.
        try await Task.sleep(for: .milliseconds(1100))
        let impostor = try rig.device(version: .v5, clientId: "someone-else")
        await #expect(throws: MQTTClientError.connectionRefused(.notAuthorized, reasonString: nil)) {
            try await impostor.connect()
        }
        await device.disconnect()
        await rig.stop()
    }

    @Test(
        "JITP: the template provisions thing, policy and attachments; the certificate is ACTIVE and connects",
        arguments: FrontStore.allCases)
    func jitp(_ store: FrontStore) async throws {
        let rig = try await FrontRig(store)
        let arn = "arn:aws:iot:us-east-1:123456789012"
        let policyText = FrontRig.policy([
            "{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"\(arn):client/${iot:Connection.Thing.ThingName}\"}",
            "{\"Effect\":\"Allow\",\"Action\":\"iot:Publish\",\"Resource\":\"\(arn):topic/things/${iot:Connection.Thing.ThingName}/*\"}",
        ])
        let escaped = policyText.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
            of: "\"", with: "\\\"")
        let template = """
            {"Parameters":{"AWS::IoT::Certificate::CommonName":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},
             "Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"AWS::IoT::Certificate::CommonName"},
               "AttributePayload":{"provisioned":"jitp"}}},
              "certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}},
              "policy":{"Type":"AWS::IoT::Policy","Properties":{"PolicyName":"JITPPolicy","PolicyDocument":"\(escaped)"}}}}
            """
        try await rig.registerCA(template: template)
        let device = try rig.device()
        try await device.connect()
        try await rig.expectProvisioned(device, attributes: ["provisioned": "jitp"])
        await rig.stop()
    }

    @Test(
        "JITP: a parameter the certificate lacks leaves it PENDING_ACTIVATION with nothing created",
        arguments: FrontStore.allCases)
    func jitpMissingParameter(_ store: FrontStore) async throws {
        let rig = try await FrontRig(store)
        let template = """
            {"Parameters":{"AWS::IoT::Certificate::Country":{"Type":"String"}},
             "Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"AWS::IoT::Certificate::Country"}}}}}
            """
        try await rig.registerCA(template: template)
        let device = try rig.device()
        await #expect(throws: (any Error).self) { try await device.connect() }
        #expect(try await rig.registry.certificate(id: rig.deviceId())?.status == .pendingActivation)
        #expect(try await rig.registry.thingNames(principal: rig.account.certificateArn(rig.deviceId())).isEmpty)
        await rig.stop()
    }

    @Test(
        "Refused, no event, nothing registered: CA auto-registration DISABLE, CA INACTIVE, unknown CA",
        arguments: FrontStore.allCases)
    func refusals(_ store: FrontStore) async throws {
        for setUp in ["disable", "inactive", "unknown"] {
            let rig = try await FrontRig(store)
            switch setUp {
            case "disable": try await rig.registerCA(autoRegistration: .disable)
            case "inactive": try await rig.registerCA(status: .inactive)
            default: break
            }
            let observer = try await rig.observer()
            let events = try await observer.subscribe(to: "$aws/events/#", qos: .atLeastOnce)
            let device = try rig.device()
            await #expect(throws: (any Error).self, "\(setUp)") { try await device.connect() }
            #expect(try await nextMessage(events, within: 1) == nil, "\(setUp)")
            #expect(try await rig.registry.certificate(id: rig.deviceId()) == nil, "\(setUp)")
            await observer.disconnect()
            await rig.stop()
        }
    }

    @Test("Refused: INACTIVE and REVOKED certificates, no event", arguments: FrontStore.allCases)
    func revoked(_ store: FrontStore) async throws {
        let rig = try await FrontRig(store)
        try await rig.registerCA()
        let first = try rig.device()
        await #expect(throws: (any Error).self) { try await first.connect() }
        let observer = try await rig.observer()
        let events = try await observer.subscribe(to: "$aws/events/#", qos: .atLeastOnce)
        for status in [IoTCertificateStatus.revoked, .inactive] {
            try await rig.registry.updateCertificateStatus(id: rig.deviceId(), to: status)
            let device = try rig.device()
            await #expect(throws: (any Error).self) { try await device.connect() }
            #expect(try await nextMessage(events, within: 1) == nil)
            #expect(try await rig.registry.certificate(id: rig.deviceId())?.status == status)
        }
        await observer.disconnect()
        await rig.stop()
    }
}
