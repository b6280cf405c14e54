import Foundation
import Testing
import UplinkTestSupport

/// `uplink iot *-provisioning-template` on a data folder, next to an `uplink iot api` on the same folder that the
/// AWS CLI reads back.
@Suite("uplink iot provisioning-template subcommands", .serialized, .timeLimit(.minutes(5)))
struct IoTProvisioningTemplateCommandTests {
    @Test("create, describe, list, update, delete; register-ca-certificate --registration-config templateName=NAME")
    func provisioningTemplates() async throws {
        let front = try await IoTFront()
        let folder = IoTProvisioningTemplateAWSCLITests.folder()
        let pki = try IoTAWSCLITests.PKI()
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: pki.folder)
        }
        let uplink = { (arguments: [String]) in try await IoTOperationCommandTests.uplink(arguments, data: front.data) }
        let body = try IoTProvisioningTemplateAWSCLITests.file(IoTProvisioningTemplateAWSCLITests.jitpBody, in: folder)
        let created = try await uplink([
            "create-provisioning-template", "--template-name", "lab", "--template-body", body,
            "--provisioning-role-arn", IoTProvisioningTemplateAWSCLITests.role, "--type", "JITP", "--enabled",
        ])
        #expect(created.status == 0, "\(created.error)")
        #expect(created.json["templateName"] as? String == "lab" && created.json["defaultVersionId"] as? Int == 1)
        let viaAWS = try await front.aws(["describe-provisioning-template", "--template-name", "lab"])
        #expect(viaAWS.json["enabled"] as? Bool == true && viaAWS.json["type"] as? String == "JITP")
        let malformed = try await uplink([
            "create-provisioning-template", "--template-name", "broken", "--template-body", "{not json",
            "--provisioning-role-arn", IoTProvisioningTemplateAWSCLITests.role, "--type", "JITP",
        ])
        #expect(malformed.status == 254 && malformed.errorType == "InvalidRequestException", "\(malformed.error)")

        let updated = try await uplink([
            "update-provisioning-template", "--template-name", "lab", "--no-enabled", "--description", "paused",
        ])
        #expect(updated.status == 0, "\(updated.error)")
        let described = try await uplink(["describe-provisioning-template", "--template-name", "lab"])
        #expect(described.json["enabled"] as? Bool == false && described.json["description"] as? String == "paused")
        let listed = try await uplink(["list-provisioning-templates", "--max-results", "10"])
        #expect(
            (listed.json["templates"] as? [[String: Any]] ?? []).compactMap { $0["templateName"] as? String }
                == ["lab"])

        // A CA naming the template with the AWS CLI's shorthand; the template cannot go while it does.
        let code = try #require(try await uplink(["get-registration-code"]).json["registrationCode"] as? String)
        let registered = try await uplink([
            "register-ca-certificate", "--ca-certificate", pki.file("device-ca.pem"), "--verification-certificate",
            try pki.verification(code: code), "--set-as-active", "--allow-auto-registration",
            "--registration-config", "templateName=lab",
        ])
        #expect(registered.status == 0, "\(registered.error)")
        let id = try #require(registered.json["certificateId"] as? String)
        let ca = try await front.aws(["describe-ca-certificate", "--certificate-id", id])
        #expect((ca.json["registrationConfig"] as? [String: Any])?["templateName"] as? String == "lab")
        let conflict = try await uplink(["delete-provisioning-template", "--template-name", "lab"])
        #expect(conflict.errorType == "DeleteConflictException", "\(conflict.error)")
        // The nested shorthand is still refused, with a message, before anything is sent.
        let nested = try await uplink([
            "update-ca-certificate", "--certificate-id", id, "--registration-config", "templateName={x}",
        ])
        #expect(nested.status == 64 && nested.error.contains("--registration-config"), "\(nested.error)")
        #expect(
            try await uplink(["update-ca-certificate", "--certificate-id", id, "--remove-auto-registration"]).status
                == 0)
        let deleted = try await uplink(["delete-provisioning-template", "--template-name", "lab"])
        #expect(deleted.status == 0, "\(deleted.error)")
        let gone = try await front.aws(["describe-provisioning-template", "--template-name", "lab"])
        #expect(gone.errorType == "ResourceNotFoundException")
        await front.stop()
    }
}
