import Foundation
import Testing
import UplinkCredentials
import UplinkTestSupport

/// JITP by a named template end to end with real peers only: `uplink iot serve --api-port` before a real mosquitto,
/// the AWS CLI making the template and the CA, mosquitto_pub as the device.
@Suite("uplink iot serve: JITP by templateName through the AWS CLI", .serialized, .timeLimit(.minutes(5)))
struct IoTServeNamedTemplateTests {
    @Test(
        "A disabled template leaves the device PENDING_ACTIVATION; update-provisioning-template --enabled, and the retry is provisioned and publishes"
    )
    func namedTemplateThroughServe() async throws {
        let pki = try IoTAWSCLITests.PKI()
        let folder = NSTemporaryDirectory() + "uplink-iot-serve-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: pki.folder)
        }
        let broker = try await MosquittoBroker.start(listenerLines: [])
        defer { broker.stop() }
        let serve = try await IoTServe.start(folder: folder, broker: broker)
        let (mqttPort, apiPort) = (serve.mqttPort, serve.apiPort)
        let serveLog = { serve.logText }
        #expect(serveLog().contains("control plane on"))
        let aws = { (arguments: [String]) in try await IoTFront.aws(arguments, port: apiPort) }

        // The template (disabled: AWS's default), then the CA naming it.
        let arn = "arn:aws:iot:us-east-1:123456789012"
        let policy = FrontPolicy.document([
            "{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"\(arn):client/${iot:Connection.Thing.ThingName}\"}",
            "{\"Effect\":\"Allow\",\"Action\":\"iot:Publish\",\"Resource\":\"\(arn):topic/things/${iot:Connection.Thing.ThingName}/*\"}",
        ])
        let escaped = policy.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let body = """
            {"Parameters":{"AWS::IoT::Certificate::CommonName":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},
             "Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"AWS::IoT::Certificate::CommonName"}}},
              "certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}},
              "policy":{"Type":"AWS::IoT::Policy","Properties":{"PolicyName":"ServeJITP","PolicyDocument":"\(escaped)"}}}}
            """
        let created = try await aws([
            "create-provisioning-template", "--template-name", "serve-jitp", "--template-body",
            try IoTProvisioningTemplateAWSCLITests.file(body, in: folder), "--provisioning-role-arn",
            IoTProvisioningTemplateAWSCLITests.role, "--type", "JITP",
        ])
        #expect(created.status == 0, "\(created.error)")
        let code = try #require(try await aws(["get-registration-code"]).json["registrationCode"] as? String)
        let registered = try await aws([
            "register-ca-certificate", "--ca-certificate", pki.file("device-ca.pem"), "--verification-certificate",
            try pki.verification(code: code), "--set-as-active", "--allow-auto-registration",
            "--registration-config", "templateName=serve-jitp",
        ])
        #expect(registered.status == 0, "\(registered.error)")

        let name = pki.pki.devices[0].name
        let publish = [
            "-h", "localhost", "-p", String(mqttPort), "--cafile", folder + "/data/server-pki/ca.pem", "--cert",
            pki.path("\(name).pem"), "--key", pki.path("\(name).key"), "-i", name, "-q", "1",
            "-t", "things/\(name)/up", "-m", "hello",
        ]
        // Disabled: closed, PENDING_ACTIVATION, no thing; the front's log says why.
        #expect(try await IoTServeAPITests.run("/usr/bin/mosquitto_pub", publish, log: folder + "/pub1.log") != 0)
        let pending = try await aws(["list-certificates"]).json["certificates"] as? [[String: Any]] ?? []
        #expect(pending.count == 1 && pending.first?["status"] as? String == "PENDING_ACTIVATION")
        #expect(try await aws(["describe-thing", "--thing-name", name]).errorType == "ResourceNotFoundException")
        #expect(serveLog().contains("provisioning template serve-jitp is disabled"), "\(serveLog())")

        // Enabled through the API: the retry is provisioned (thing, policy, ACTIVE) and the publish accepted.
        let enabled = try await aws(["update-provisioning-template", "--template-name", "serve-jitp", "--enabled"])
        #expect(enabled.status == 0, "\(enabled.error)")
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await IoTServeAPITests.run("/usr/bin/mosquitto_pub", publish, log: folder + "/pub2.log") == 0)
        let active = try await aws(["list-certificates"]).json["certificates"] as? [[String: Any]] ?? []
        #expect(active.first?["status"] as? String == "ACTIVE")
        #expect(try await aws(["describe-thing", "--thing-name", name]).status == 0)
        let attached = try await aws([
            "list-attached-policies", "--target", active.first?["certificateArn"] as? String ?? "",
        ])
        #expect((attached.json["policies"] as? [[String: Any]])?.first?["policyName"] as? String == "ServeJITP")
        await serve.process.stop(grace: .seconds(5))
    }
}

/// A policy document from statements.
enum FrontPolicy {
    static func document(_ statements: [String]) -> String {
        "{\"Version\":\"2012-10-17\",\"Statement\":[\(statements.joined(separator: ","))]}"
    }
}
