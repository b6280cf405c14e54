import Foundation
import MQTTCodec
import Testing
import UplinkIoTFront
import UplinkIoTRegistry
import UplinkIoTStores
import UplinkMQTT
import UplinkTestSupport

extension FrontRig {
    /// Stores a provisioning template (CreateProvisioningTemplate's record; the memory store takes it directly).
    func putTemplate(_ template: IoTProvisioningTemplateRecord) async throws {
        if let control = registry as? any IoTControlRegistry {
            if try await control.provisioningTemplate(name: template.templateName) == nil {
                try await control.createProvisioningTemplate(template)
            } else {
                try await control.updateProvisioningTemplate(
                    name: template.templateName, IoTProvisioningTemplateUpdate(enabled: template.enabled), at: Date())
            }
        } else {
            let memory = try #require(registry as? InMemoryIoTRegistry)
            await memory.putProvisioningTemplate(template)
        }
    }

    /// Registers the devices' CA, ACTIVE with auto-registration, naming a provisioning template.
    @discardableResult
    func registerCA(templateName: String) async throws -> IoTCACertificate {
        let issuer = pki.deviceCA ?? pki.root
        let id = IoTAccount.certificateId(der: issuer.certificate.derBytes)
        let ca = IoTCACertificate(
            certificateId: id, certificateArn: account.caCertificateArn(id),
            certificatePem: issuer.certificate.pemString, status: .active, autoRegistrationStatus: .enable,
            registrationConfig: IoTRegistrationConfig(templateName: templateName), creationDate: Date(),
            lastModifiedDate: Date(), customerVersion: 1, generationId: "g")
        if let control = registry as? any IoTControlRegistry {
            try await control.createCACertificate(ca)
        } else {
            let memory = try #require(registry as? InMemoryIoTRegistry)
            await memory.putCACertificate(ca)
        }
        return ca
    }
}

/// JITP by `registrationConfig.templateName`: the CA names a provisioning template, the front looks it up at the
/// handshake and provisions exactly as with a `templateBody`; a template it cannot use leaves the certificate
/// PENDING_ACTIVATION with nothing created, and says why in the log.
@Suite("IoT front: JITP by a named provisioning template", .serialized, .timeLimit(.minutes(5)))
struct NamedTemplateJITPTests {
    static let arn = "arn:aws:iot:us-east-1:123456789012"

    /// A template: thing named by the CN with an attribute, certificate ACTIVE, policy `NamedJITPPolicy` allowing
    /// connect as the thing and publish under `things/<thing>/`.
    static var body: String {
        let policy = FrontRig.policy([
            "{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"\(arn):client/${iot:Connection.Thing.ThingName}\"}",
            "{\"Effect\":\"Allow\",\"Action\":\"iot:Publish\",\"Resource\":\"\(arn):topic/things/${iot:Connection.Thing.ThingName}/*\"}",
        ])
        let escaped = policy.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return """
            {"Parameters":{"AWS::IoT::Certificate::CommonName":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},
             "Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"AWS::IoT::Certificate::CommonName"},
               "AttributePayload":{"provisioned":"named-template"}}},
              "certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}},
              "policy":{"Type":"AWS::IoT::Policy","Properties":{"PolicyName":"NamedJITPPolicy","PolicyDocument":"\(escaped)"}}}}
            """
    }

    static func template(
        _ name: String = "lab-jitp", type: IoTProvisioningTemplateType = .jitp, enabled: Bool = true
    ) -> IoTProvisioningTemplateRecord {
        IoTProvisioningTemplateRecord(
            templateName: name, templateArn: "\(arn):provisioningtemplate/\(name)", templateBody: body,
            provisioningRoleArn: "arn:aws:iam::123456789012:role/JITPRole", type: type, enabled: enabled,
            description: nil, creationDate: Date(), lastModifiedDate: Date())
    }

    @Test(
        "The CA's templateName provisions thing, policy and attachments; the certificate is ACTIVE and connects",
        arguments: FrontStore.allCases)
    func provisions(_ store: FrontStore) async throws {
        let rig = try await FrontRig(store)
        try await rig.putTemplate(Self.template())
        try await rig.registerCA(templateName: "lab-jitp")
        let device = try rig.device()
        _ = try await within(60, "connect (JITP by templateName)") { try await device.connect() }
        #expect(
            try await rig.registry.attachedPolicies(target: rig.account.certificateArn(rig.deviceId())).map(
                \.policyName)
                == ["NamedJITPPolicy"])
        try await rig.expectProvisioned(device, attributes: ["provisioned": "named-template"])
        await rig.stop()
    }

    @Test(
        "A missing, disabled or FLEET_PROVISIONING template: PENDING_ACTIVATION, nothing created, no event, the log says why; once usable, the retry is provisioned",
        arguments: FrontStore.allCases)
    func unusableTemplates(_ store: FrontStore) async throws {
        let cases: [(setUp: IoTProvisioningTemplateRecord?, logged: String)] = [
            (nil, "provisioning template lab-jitp (CA "),
            (Self.template(enabled: false), "provisioning template lab-jitp is disabled"),
            (Self.template(type: .fleetProvisioning), "provisioning template lab-jitp is of type FLEET_PROVISIONING"),
        ]
        for (setUp, logged) in cases {
            let log = FrontLogRecorder()
            let rig = try await FrontRig(store) { $0.logger = log.logger }
            if let setUp { try await rig.putTemplate(setUp) }
            try await rig.registerCA(templateName: "lab-jitp")
            let observer = try await rig.observer()
            let events = try await observer.subscribe(to: "$aws/events/#", qos: .atLeastOnce)
            let name = rig.pki.devices[0].name
            let arn = rig.account.certificateArn(rig.deviceId())
            // First connect and a retry: closed both times, the certificate stays PENDING_ACTIVATION.
            for attempt in 1...2 {
                let device = try rig.device()
                await #expect(throws: (any Error).self, "\(logged) #\(attempt)") { try await device.connect() }
                #expect(try await rig.registry.certificate(id: rig.deviceId())?.status == .pendingActivation)
                if attempt == 1 { try await Task.sleep(for: .milliseconds(1100)) }
            }
            #expect(try await rig.registry.thing(name: name) == nil, "\(logged)")
            #expect(try await rig.registry.thingNames(principal: arn).isEmpty, "\(logged)")
            #expect(try await rig.registry.policy(name: "NamedJITPPolicy") == nil, "\(logged)")
            #expect(try await rig.registry.attachedPolicies(target: arn).isEmpty, "\(logged)")
            #expect(try await nextMessage(events, within: 1) == nil, "\(logged): no registration event")
            let lines = log.recorded.filter { $0.contains("JITP not possible") }
            #expect(lines.count == 2 && lines.allSatisfy { $0.contains(logged) }, "\(log.recorded)")
            // An enabled JITP template of that name: the next retry is provisioned and connects.
            if setUp?.type != .fleetProvisioning {
                try await rig.putTemplate(Self.template())
                try await Task.sleep(for: .milliseconds(1100))
                let device = try rig.device()
                _ = try await within(60, "retry once the template is usable") { try await device.connect() }
                #expect(try await rig.registry.certificate(id: rig.deviceId())?.status == .active)
                #expect(try await rig.registry.thingNames(principal: arn) == [name])
                await device.disconnect()
            }
            await observer.disconnect()
            await rig.stop()
        }
    }
}
