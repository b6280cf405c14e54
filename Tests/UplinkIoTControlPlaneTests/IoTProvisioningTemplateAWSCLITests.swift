import Foundation
import Testing
import UplinkCredentials
import UplinkTestSupport

/// The provisioning-template operations driven by the real AWS CLI, one test per operation with its error types,
/// and a CA's `--registration-config templateName=NAME`.
@Suite(.timeLimit(.minutes(5))) struct IoTProvisioningTemplateAWSCLITests {
    /// A JITP template: a thing named by the CN, the certificate ACTIVE, a policy.
    static let jitpBody = """
        {"Parameters":{"AWS::IoT::Certificate::CommonName":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},
         "Resources":{"thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Ref":"AWS::IoT::Certificate::CommonName"}}},
          "certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}},
          "policy":{"Type":"AWS::IoT::Policy","Properties":{"PolicyDocument":"{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Action\\":\\"iot:Connect\\",\\"Resource\\":\\"*\\"}]}"}}}}
        """
    static let role = "arn:aws:iam::123456789012:role/JITPRole"

    /// A file holding `text`, as `file://PATH` (removed with `folder`).
    static func file(_ text: String, in folder: String) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/template-\(UUID().uuidString).json"
        try SecureFileWriter.write(Array(text.utf8), to: path, mode: 0o644)
        return "file://" + path
    }

    /// `create-provisioning-template` of a JITP (or `type`) template; its result.
    static func create(
        _ front: IoTFront, _ name: String, body: String = jitpBody, type: String = "JITP", extra: [String] = [],
        folder: String
    ) async throws -> IoTFront.Result {
        try await front.aws(
            [
                "create-provisioning-template", "--template-name", name, "--template-body",
                try file(body, in: folder), "--provisioning-role-arn", role, "--type", type,
            ] + extra)
    }

    static func folder() -> String { NSTemporaryDirectory() + "uplink-iot-templates-\(UUID().uuidString)" }

    /// A front, and a folder for template files; the front stopped and the folder removed when `body` ends, however
    /// it ends.
    static func withFront(_ body: (IoTFront, String) async throws -> Void) async throws {
        let front = try await IoTFront()
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await withCleanup {
            try await body(front, folder)
        } cleanup: {
            await front.stop()
        }
    }

    /// ``withFront(_:)`` with a CA-registration PKI (removed with the folder).
    static func withFrontAndPKI(_ body: (IoTFront, String, IoTAWSCLITests.PKI) async throws -> Void) async throws {
        let pki = try IoTAWSCLITests.PKI()
        defer { try? FileManager.default.removeItem(atPath: pki.folder) }
        try await withFront { front, folder in try await body(front, folder, pki) }
    }

    @Test func createProvisioningTemplate() async throws {
        try await Self.withFront { front, folder in
            let created = try await Self.create(front, "jitp-lab", extra: ["--enabled"], folder: folder)
            #expect(created.status == 0, "\(created.error)")
            #expect(
                created.json["templateArn"] as? String
                    == "arn:aws:iot:us-east-1:123456789012:provisioningtemplate/jitp-lab")
            #expect(created.json["templateName"] as? String == "jitp-lab")
            #expect(created.json["defaultVersionId"] as? Int == 1)
            // The same name again.
            let again = try await Self.create(front, "jitp-lab", folder: folder)
            #expect(again.status == 255 && again.errorType == "ResourceAlreadyExistsException")
            // Bodies the JITP evaluator cannot use, a bad name, an unknown type: InvalidRequestException, nothing stored.
            let refused: [(String, String, String)] = [
                ("not-json", "{not json", "JITP"),
                ("no-resources", #"{"Parameters":{}}"#, "JITP"),
                ("bad-type", #"{"Resources":{"x":{"Type":"AWS::S3::Bucket"}}}"#, "JITP"),
                ("bad-param", #"{"Parameters":{"Custom":{"Type":"String"}},"Resources":{}}"#, "JITP"),
                ("bad name!", Self.jitpBody, "JITP"),
                ("bad-kind", Self.jitpBody, "GARBAGE"),
            ]
            for (name, body, type) in refused {
                let result = try await Self.create(front, name, body: body, type: type, folder: folder)
                #expect(result.errorType == "InvalidRequestException", "\(name): \(result.error)")
            }
            // A fleet-provisioning template's parameters come from the device's request: kept as it is.
            let fleet = try await Self.create(
                front, "fleet", body: #"{"Parameters":{"Custom":{"Type":"String"}},"Resources":{}}"#,
                type: "FLEET_PROVISIONING", folder: folder)
            #expect(fleet.status == 0, "\(fleet.error)")
            let names =
                (try await front.aws(["list-provisioning-templates"]).json["templates"] as? [[String: Any]] ?? [])
                .compactMap { $0["templateName"] as? String }
            #expect(names == ["jitp-lab", "fleet"])
        }
    }

    @Test func describeProvisioningTemplate() async throws {
        try await Self.withFront { front, folder in
            #expect(
                try await Self.create(front, "jitp-lab", extra: ["--description", "the lab's devices"], folder: folder)
                    .status == 0)
            let described = try await front.aws(["describe-provisioning-template", "--template-name", "jitp-lab"])
            #expect(described.status == 0, "\(described.error)")
            let json = described.json
            #expect(json["templateName"] as? String == "jitp-lab")
            #expect(
                json["templateArn"] as? String == "arn:aws:iot:us-east-1:123456789012:provisioningtemplate/jitp-lab")
            #expect(json["templateBody"] as? String == Self.jitpBody)
            #expect(json["provisioningRoleArn"] as? String == Self.role)
            #expect(json["type"] as? String == "JITP")
            #expect(json["enabled"] as? Bool == false)
            #expect(json["description"] as? String == "the lab's devices")
            #expect(json["defaultVersionId"] as? Int == 1)
            #expect(json["creationDate"] != nil && json["lastModifiedDate"] != nil)
            let missing = try await front.aws(["describe-provisioning-template", "--template-name", "nope"])
            #expect(missing.status == 255 && missing.errorType == "ResourceNotFoundException")
        }
    }

    @Test func listProvisioningTemplatesPages() async throws {
        try await Self.withFront { front, folder in
            for name in ["a", "b", "c"] { #expect(try await Self.create(front, name, folder: folder).status == 0) }
            // The CLI follows nextToken by itself: pages of 2 give all three, in creation order.
            let all = try await front.aws(["list-provisioning-templates", "--page-size", "2"])
            #expect(all.status == 0, "\(all.error)")
            let templates = all.json["templates"] as? [[String: Any]] ?? []
            #expect(templates.compactMap { $0["templateName"] as? String } == ["a", "b", "c"])
            #expect(templates.first?["type"] as? String == "JITP" && templates.first?["enabled"] as? Bool == false)
            let one = try await front.aws(["list-provisioning-templates", "--max-results", "1", "--no-paginate"])
            #expect((one.json["templates"] as? [Any])?.count == 1)
            let token = try #require(one.json["nextToken"] as? String)
            let rest = try await front.aws([
                "list-provisioning-templates", "--max-results", "5", "--next-token", token, "--no-paginate",
            ])
            #expect(rest.status == 0, "\(rest.error)")
            #expect(
                (rest.json["templates"] as? [[String: Any]] ?? []).compactMap { $0["templateName"] as? String } == [
                    "b", "c",
                ])
            let badSize = try await front.aws(["list-provisioning-templates", "--max-results", "0", "--no-paginate"])
            #expect(badSize.status != 0)
        }
    }

    @Test func updateProvisioningTemplate() async throws {
        try await Self.withFront { front, folder in
            #expect(try await Self.create(front, "jitp-lab", folder: folder).status == 0)
            let update = try await front.aws([
                "update-provisioning-template", "--template-name", "jitp-lab", "--enabled", "--description", "now on",
            ])
            #expect(update.status == 0, "\(update.error)")
            var described = try await front.aws(["describe-provisioning-template", "--template-name", "jitp-lab"]).json
            #expect(described["enabled"] as? Bool == true && described["description"] as? String == "now on")
            let off = try await front.aws([
                "update-provisioning-template", "--template-name", "jitp-lab", "--no-enabled",
            ])
            #expect(off.status == 0, "\(off.error)")
            described = try await front.aws(["describe-provisioning-template", "--template-name", "jitp-lab"]).json
            #expect(described["enabled"] as? Bool == false && described["description"] as? String == "now on")
            let version = try await front.aws([
                "update-provisioning-template", "--template-name", "jitp-lab", "--default-version-id", "2",
            ])
            #expect(version.errorType == "ResourceNotFoundException")
            let missing = try await front.aws(["update-provisioning-template", "--template-name", "nope", "--enabled"])
            #expect(missing.errorType == "ResourceNotFoundException")
            let badRole = try await front.aws([
                "update-provisioning-template", "--template-name", "jitp-lab", "--provisioning-role-arn",
                "not-an-arn-but-long-enough",
            ])
            #expect(badRole.errorType == "InvalidRequestException")
        }
    }

    @Test func deleteProvisioningTemplateGuardedWhileACANamesIt() async throws {
        try await Self.withFrontAndPKI { front, folder, pki in
            #expect(try await Self.create(front, "jitp-lab", folder: folder).status == 0)
            let id = try await IoTAWSCLITests.registerCA(front, pki)
            let named = try await front.aws([
                "update-ca-certificate", "--certificate-id", id, "--registration-config", "templateName=jitp-lab",
            ])
            #expect(named.status == 0, "\(named.error)")
            let conflict = try await front.aws(["delete-provisioning-template", "--template-name", "jitp-lab"])
            #expect(conflict.status == 255 && conflict.errorType == "DeleteConflictException")
            _ = try await front.aws(["update-ca-certificate", "--certificate-id", id, "--remove-auto-registration"])
            let deleted = try await front.aws(["delete-provisioning-template", "--template-name", "jitp-lab"])
            #expect(deleted.status == 0, "\(deleted.error)")
            let gone = try await front.aws(["describe-provisioning-template", "--template-name", "jitp-lab"])
            #expect(gone.errorType == "ResourceNotFoundException")
            let again = try await front.aws(["delete-provisioning-template", "--template-name", "jitp-lab"])
            #expect(again.errorType == "ResourceNotFoundException")
        }
    }

    @Test func registerCACertificateByTemplateName() async throws {
        try await Self.withFrontAndPKI { front, folder, pki in
            let code = try await front.aws(["get-registration-code"]).json["registrationCode"] as? String ?? ""
            func register(_ config: String) async throws -> IoTFront.Result {
                try await front.aws([
                    "register-ca-certificate", "--ca-certificate", pki.file("device-ca.pem"),
                    "--verification-certificate", try pki.verification(code: code), "--allow-auto-registration",
                    "--set-as-active", "--registration-config", config,
                ])
            }
            // No such template: ResourceNotFoundException (the resource RegisterCACertificate can miss), nothing stored.
            let unknown = try await register("templateName=jitp-lab")
            #expect(unknown.status == 255 && unknown.errorType == "ResourceNotFoundException")
            // A fleet-provisioning template is not one a CA provisions with.
            #expect(try await Self.create(front, "fleet", type: "FLEET_PROVISIONING", folder: folder).status == 0)
            #expect(try await register("templateName=fleet").errorType == "InvalidRequestException")
            #expect((try await front.aws(["list-ca-certificates"]).json["certificates"] as? [Any])?.isEmpty == true)
            // A JITP template: registered, and described with the name.
            #expect(try await Self.create(front, "jitp-lab", folder: folder).status == 0)
            let registered = try await register("templateName=jitp-lab")
            #expect(registered.status == 0, "\(registered.error)")
            let id = try #require(registered.json["certificateId"] as? String)
            let described = try await front.aws(["describe-ca-certificate", "--certificate-id", id])
            #expect((described.json["registrationConfig"] as? [String: Any])?["templateName"] as? String == "jitp-lab")
            let byTemplate = try await front.aws(["list-ca-certificates", "--template-name", "jitp-lab"])
            #expect((byTemplate.json["certificates"] as? [Any])?.count == 1)
        }
    }
}
