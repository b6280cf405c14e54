import Foundation
import Testing
import UplinkTestSupport

/// `uplink iot <operation>` on the registry of a data folder, next to a running `uplink iot api` on the same
/// folder: what one writes, the other (and the AWS CLI) reads.
@Suite("uplink iot <operation> subcommands", .serialized, .timeLimit(.minutes(5)))
struct IoTOperationCommandTests {
    /// Runs `uplink iot <arguments> --data DATA`; the result's `errorType` reads the AWS CLI's error line.
    static func uplink(_ arguments: [String], data: String) async throws -> IoTFront.Result {
        try await IoTFront.uplink(arguments + ["--data", data])
    }

    @Test("Certificates: describe-certificate, update-certificate, list-certificates; errors as the AWS CLI's")
    func certificates() async throws {
        let front = try await IoTFront()
        let created = try await front.aws(["create-keys-and-certificate"])
        let id = try #require(created.json["certificateId"] as? String)

        let described = try await Self.uplink(["describe-certificate", "--certificate-id", id], data: front.data)
        #expect(described.status == 0, "\(described.error)")
        let description = described.json["certificateDescription"] as? [String: Any] ?? [:]
        #expect(description["certificateId"] as? String == id)
        #expect(description["status"] as? String == "INACTIVE")

        let updated = try await Self.uplink(
            ["update-certificate", "--certificate-id", id, "--new-status", "ACTIVE"], data: front.data)
        #expect(updated.status == 0, "\(updated.error)")
        #expect(updated.output.isEmpty)
        // The running control plane (another process on the same folder) sees the change.
        let seen = try await front.aws(["describe-certificate", "--certificate-id", id])
        #expect((seen.json["certificateDescription"] as? [String: Any])?["status"] as? String == "ACTIVE")

        let listed = try await Self.uplink(["list-certificates", "--page-size", "10"], data: front.data)
        #expect(listed.status == 0, "\(listed.error)")
        let ids = (listed.json["certificates"] as? [[String: Any]] ?? []).compactMap { $0["certificateId"] as? String }
        #expect(ids == [id])

        let internalState = try await Self.uplink(
            ["update-certificate", "--certificate-id", id, "--new-status", "PENDING_ACTIVATION"], data: front.data)
        #expect(internalState.status == 254)
        #expect(internalState.errorType == "InvalidRequestException", "\(internalState.error)")
        let unknown = try await Self.uplink(
            ["describe-certificate", "--certificate-id", String(repeating: "0", count: 64)], data: front.data)
        #expect(unknown.status == 254)
        #expect(unknown.errorType == "ResourceNotFoundException", "\(unknown.error)")
        #expect(unknown.error.contains("when calling the DescribeCertificate operation"))
        await front.stop()
    }

    @Test("Policies: create-policy (text and file://), get-policy, attach-policy; the AWS CLI lists the attachment")
    func policies() async throws {
        let front = try await IoTFront()
        let created = try await front.aws(["create-keys-and-certificate"])
        let arn = try #require(created.json["certificateArn"] as? String)
        let document =
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}"#

        let made = try await Self.uplink(
            ["create-policy", "--policy-name", "p1", "--policy-document", document], data: front.data)
        #expect(made.status == 0, "\(made.error)")
        #expect(made.json["policyArn"] as? String == "arn:aws:iot:us-east-1:123456789012:policy/p1")
        let file = front.data + "-policy.json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(document.utf8).write(to: URL(fileURLWithPath: file))
        let fromFile = try await Self.uplink(
            ["create-policy", "--policy-name", "p2", "--policy-document", "file://" + file], data: front.data)
        #expect(fromFile.status == 0, "\(fromFile.error)")
        let again = try await Self.uplink(
            ["create-policy", "--policy-name", "p1", "--policy-document", document], data: front.data)
        #expect(again.errorType == "ResourceAlreadyExistsException", "\(again.error)")
        let malformed = try await Self.uplink(
            ["create-policy", "--policy-name", "p3", "--policy-document", "{}"], data: front.data)
        #expect(malformed.errorType == "MalformedPolicyException", "\(malformed.error)")

        let got = try await Self.uplink(["get-policy", "--policy-name", "p2"], data: front.data)
        #expect(got.json["policyDocument"] as? String == document)

        let attached = try await Self.uplink(
            ["attach-policy", "--policy-name", "p1", "--target", arn], data: front.data)
        #expect(attached.status == 0, "\(attached.error)")
        let listed = try await front.aws(["list-attached-policies", "--target", arn])
        #expect(
            (listed.json["policies"] as? [[String: Any]] ?? []).compactMap { $0["policyName"] as? String } == ["p1"])
        let missing = try await Self.uplink(
            ["attach-policy", "--policy-name", "nope", "--target", arn], data: front.data)
        #expect(missing.errorType == "ResourceNotFoundException", "\(missing.error)")
        await front.stop()
    }

    @Test("Things: create-thing with attributes, describe-thing, attach-thing-principal, list-thing-principals")
    func things() async throws {
        let front = try await IoTFront()
        let created = try await front.aws(["create-keys-and-certificate"])
        let arn = try #require(created.json["certificateArn"] as? String)

        let made = try await Self.uplink(
            ["create-thing", "--thing-name", "t1", "--attribute-payload", #"{"attributes":{"serial":"42"}}"#],
            data: front.data)
        #expect(made.status == 0, "\(made.error)")
        #expect(made.json["thingArn"] as? String == "arn:aws:iot:us-east-1:123456789012:thing/t1")
        let described = try await Self.uplink(["describe-thing", "--thing-name", "t1"], data: front.data)
        #expect(described.json["attributes"] as? [String: String] == ["serial": "42"])
        let bad = try await Self.uplink(
            ["create-thing", "--thing-name", "t2", "--attribute-payload", "serial=42"], data: front.data)
        #expect(bad.status != 0)
        #expect(bad.error.contains("--attribute-payload"))

        let attached = try await Self.uplink(
            ["attach-thing-principal", "--thing-name", "t1", "--principal", arn], data: front.data)
        #expect(attached.status == 0, "\(attached.error)")
        let principals = try await Self.uplink(["list-thing-principals", "--thing-name", "t1"], data: front.data)
        #expect(principals.json["principals"] as? [String] == [arn])
        let viaAWS = try await front.aws(["list-thing-principals", "--thing-name", "t1"])
        #expect(viaAWS.json["principals"] as? [String] == [arn])
        let missing = try await Self.uplink(["describe-thing", "--thing-name", "nope"], data: front.data)
        #expect(missing.errorType == "ResourceNotFoundException", "\(missing.error)")
        await front.stop()
    }

    @Test("CA certificates: get-registration-code, register, describe, update, list, delete")
    func caCertificates() async throws {
        let front = try await IoTFront()
        let pki = try IoTAWSCLITests.PKI()
        defer { try? FileManager.default.removeItem(atPath: pki.folder) }
        let code = try await Self.uplink(["get-registration-code"], data: front.data)
        let registrationCode = try #require(code.json["registrationCode"] as? String, "\(code.error)")
        #expect(try await front.aws(["get-registration-code"]).json["registrationCode"] as? String == registrationCode)

        let registered = try await Self.uplink(
            [
                "register-ca-certificate", "--ca-certificate", pki.file("device-ca.pem"),
                "--verification-certificate", try pki.verification(code: registrationCode), "--set-as-active",
                "--allow-auto-registration",
            ], data: front.data)
        #expect(registered.status == 0, "\(registered.error)")
        let id = try #require(registered.json["certificateId"] as? String)
        #expect(id == IoTAWSCLITests.PKI.id(pki.ca))
        let wrong = try await Self.uplink(
            [
                "register-ca-certificate", "--ca-certificate", pki.file("device-ca.pem"),
                "--verification-certificate", try pki.verification(code: "not-the-code"),
            ], data: front.data)
        #expect(wrong.status == 254)
        #expect(wrong.errorType != nil, "\(wrong.error)")

        let described = try await Self.uplink(["describe-ca-certificate", "--certificate-id", id], data: front.data)
        let description = described.json["certificateDescription"] as? [String: Any] ?? [:]
        #expect(description["status"] as? String == "ACTIVE")
        #expect(description["autoRegistrationStatus"] as? String == "ENABLE")

        let updated = try await Self.uplink(
            ["update-ca-certificate", "--certificate-id", id, "--new-status", "INACTIVE"], data: front.data)
        #expect(updated.status == 0, "\(updated.error)")
        let viaAWS = try await front.aws(["describe-ca-certificate", "--certificate-id", id])
        #expect((viaAWS.json["certificateDescription"] as? [String: Any])?["status"] as? String == "INACTIVE")
        let listed = try await Self.uplink(["list-ca-certificates"], data: front.data)
        #expect(
            (listed.json["certificates"] as? [[String: Any]] ?? []).compactMap { $0["certificateId"] as? String }
                == [id])

        let deleted = try await Self.uplink(["delete-ca-certificate", "--certificate-id", id], data: front.data)
        #expect(deleted.status == 0, "\(deleted.error)")
        let gone = try await Self.uplink(["describe-ca-certificate", "--certificate-id", id], data: front.data)
        #expect(gone.errorType == "ResourceNotFoundException", "\(gone.error)")
        await front.stop()
    }

    @Test(
        "Registration and the rest: register-certificate(-without-ca), create-keys-and-certificate, by CA, detach, delete, endpoint"
    )
    func registrationAndTheRest() async throws {
        let front = try await IoTFront()
        let pki = try IoTAWSCLITests.PKI()
        defer { try? FileManager.default.removeItem(atPath: pki.folder) }
        let caId = try await IoTAWSCLITests.registerCA(front, pki)
        let data = front.data

        let registered = try await Self.uplink(
            ["register-certificate", "--certificate-pem", pki.file("device-0001.pem"), "--set-as-active"], data: data)
        #expect(registered.status == 0, "\(registered.error)")
        let id = try #require(registered.json["certificateId"] as? String)
        let arn = try #require(registered.json["certificateArn"] as? String)
        let byCA = try await Self.uplink(["list-certificates-by-ca", "--ca-certificate-id", caId], data: data)
        #expect(
            (byCA.json["certificates"] as? [[String: Any]] ?? []).compactMap { $0["certificateId"] as? String } == [id])
        let noCA = try await Self.uplink(
            ["register-certificate-without-ca", "--certificate-pem", pki.file("device-0002.pem")], data: data)
        #expect(noCA.status == 0, "\(noCA.error)")
        #expect(noCA.json["certificateId"] as? String == IoTAWSCLITests.PKI.id(pki.pki.devices[1]))
        let keys = try await Self.uplink(["create-keys-and-certificate", "--set-as-active"], data: data)
        #expect((keys.json["keyPair"] as? [String: Any])?["PrivateKey"] is String, "\(keys.error)")

        _ = try await Self.uplink(
            ["create-policy", "--policy-name", "p", "--policy-document", IoTAWSCLITests.policy], data: data)
        _ = try await Self.uplink(["attach-policy", "--policy-name", "p", "--target", arn], data: data)
        let attached = try await Self.uplink(["list-attached-policies", "--target", arn], data: data)
        #expect(
            (attached.json["policies"] as? [[String: Any]] ?? []).compactMap { $0["policyName"] as? String } == ["p"])

        let active = try await Self.uplink(["delete-certificate", "--certificate-id", id], data: data)
        #expect(active.errorType == "CertificateStateException", "\(active.error)")
        _ = try await Self.uplink(
            ["update-certificate", "--certificate-id", id, "--new-status", "INACTIVE"], data: data)
        let conflict = try await Self.uplink(["delete-certificate", "--certificate-id", id], data: data)
        #expect(conflict.errorType == "DeleteConflictException", "\(conflict.error)")
        let detached = try await Self.uplink(["detach-policy", "--policy-name", "p", "--target", arn], data: data)
        #expect(detached.status == 0, "\(detached.error)")
        let deleted = try await Self.uplink(["delete-certificate", "--certificate-id", id], data: data)
        #expect(deleted.status == 0, "\(deleted.error)")
        let gone = try await front.aws(["describe-certificate", "--certificate-id", id])
        #expect(gone.errorType == "ResourceNotFoundException")

        let endpoint = try await Self.uplink(["describe-endpoint", "--endpoint-type", "iot:Data-ATS"], data: data)
        let address = try #require(endpoint.json["endpointAddress"] as? String, "\(endpoint.error)")
        #expect(
            try await front.aws(["describe-endpoint", "--endpoint-type", "iot:Data-ATS"]).json["endpointAddress"]
                as? String == address)
        await front.stop()
    }
}
