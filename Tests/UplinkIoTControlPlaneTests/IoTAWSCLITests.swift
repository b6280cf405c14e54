import Crypto
import Foundation
import Testing
import UplinkCredentials
import UplinkTestSupport
import X509

/// The control plane driven by the real AWS CLI (awscli from PyPI), one test per operation, plus bad input.
@Suite struct IoTAWSCLITests {
    /// A dev PKI: the device CA is the CA registered; devices are signed by it.
    struct PKI {
        let folder: String
        let pki: DevPKI
        var ca: DevPKI.Identity { pki.deviceCA ?? pki.root }

        init() throws {
            var options = DevPKI.Options()
            options.deviceCA = true
            options.deviceCount = 2
            pki = try DevPKI.generate(options)
            folder = NSTemporaryDirectory() + "uplink-iot-pki-\(UUID().uuidString)"
            try pki.write(to: folder)
        }

        func path(_ name: String) -> String { folder + "/" + name }
        func file(_ name: String) -> String { "file://" + path(name) }

        /// A verification certificate (CN = `code`) signed by `signer`'s key, written as `verification.pem`.
        func verification(code: String, signer: DevPKI.Identity? = nil) throws -> String {
            let key = try CredentialKey.generate(.ecP256)
            let issuer = signer ?? ca
            let certificate = try CertificateFactory.issue(
                subject: DevPKI.name(common: code), key: key, role: .client,
                issuer: CertificateFactory.Issuer(certificate: issuer.certificate, key: issuer.key),
                notBefore: Date().addingTimeInterval(-60), notAfter: Date().addingTimeInterval(86400))
            let name = "verification-\(UUID().uuidString).pem"
            try SecureFileWriter.write(Array(certificate.pemString.utf8), to: path(name), mode: 0o644)
            return file(name)
        }

        static func id(_ identity: DevPKI.Identity) -> String {
            SHA256.hash(data: identity.certificate.derBytes).map { String(format: "%02x", $0) }.joined()
        }
    }

    /// Registers the device CA ACTIVE with auto-registration; returns its id.
    static func registerCA(_ front: IoTFront, _ pki: PKI, active: Bool = true) async throws -> String {
        let code = try await front.aws(["get-registration-code"]).json["registrationCode"] as? String ?? ""
        var arguments = [
            "register-ca-certificate", "--ca-certificate", pki.file("device-ca.pem"), "--verification-certificate",
            try pki.verification(code: code), "--allow-auto-registration",
        ]
        if active { arguments.append("--set-as-active") }
        let result = try await front.aws(arguments)
        #expect(result.status == 0, "\(result.error)")
        return result.json["certificateId"] as? String ?? ""
    }

    /// The certificate ids of every page, following `nextMarker` with `--marker` (the CLI does not for these).
    static func everyPage(_ front: IoTFront, _ arguments: [String]) async throws -> [String] {
        var ids = [String]()
        var marker: String?
        for _ in 0..<20 {
            let page = try await front.aws(arguments + (marker.map { ["--marker", $0] } ?? []))
            #expect(page.status == 0, "\(page.error)")
            ids += (page.json["certificates"] as? [[String: Any]] ?? []).compactMap { $0["certificateId"] as? String }
            marker = page.json["nextMarker"] as? String
            if marker == nil { break }
        }
        return ids
    }

    static let policy =
        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iot:Connect","iot:Publish"],"Resource":"*"}]}"#

    // MARK: CA certificates

    @Test func registerCACertificateWithAutoRegistration() async throws {
        let front = try await IoTFront()
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(atPath: pki.folder) }
        let id = try await Self.registerCA(front, pki)
        #expect(id == PKI.id(pki.ca))
        let described = try await front.aws(["describe-ca-certificate", "--certificate-id", id])
        let description = described.json["certificateDescription"] as? [String: Any] ?? [:]
        #expect(description["status"] as? String == "ACTIVE")
        #expect(description["autoRegistrationStatus"] as? String == "ENABLE")
        #expect(description["certificateArn"] as? String == "arn:aws:iot:us-east-1:123456789012:cacert/\(id)")
        #expect(description["ownedBy"] as? String == "123456789012")
        #expect((description["certificatePem"] as? String)?.contains("BEGIN CERTIFICATE") == true)
        // The same CA again: ResourceAlreadyExistsException.
        let code = try await front.aws(["get-registration-code"]).json["registrationCode"] as? String ?? ""
        let again = try await front.aws([
            "register-ca-certificate", "--ca-certificate", pki.file("device-ca.pem"), "--verification-certificate",
            try pki.verification(code: code),
        ])
        #expect(again.status == 255 && again.errorType == "ResourceAlreadyExistsException")
        await front.stop()
    }

    @Test func registerCACertificateRefusesAWrongVerificationCertificate() async throws {
        let front = try await IoTFront()
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(atPath: pki.folder) }
        let wrongCode = try await front.aws([
            "register-ca-certificate", "--ca-certificate", pki.file("device-ca.pem"), "--verification-certificate",
            try pki.verification(code: String(repeating: "0", count: 64)),
        ])
        #expect(wrongCode.errorType == "RegistrationCodeValidationException")
        let code = try await front.aws(["get-registration-code"]).json["registrationCode"] as? String ?? ""
        // Right code, signed by another key (the root's): CertificateValidationException.
        let wrongSigner = try await front.aws([
            "register-ca-certificate", "--ca-certificate", pki.file("device-ca.pem"), "--verification-certificate",
            try pki.verification(code: code, signer: pki.pki.root),
        ])
        #expect(wrongSigner.errorType == "CertificateValidationException")
        // A device certificate is not a CA.
        let notCA = try await front.aws([
            "register-ca-certificate", "--ca-certificate", pki.file("device-0001.pem"), "--verification-certificate",
            try pki.verification(code: code),
        ])
        #expect(notCA.errorType == "CertificateValidationException")
        let list = try await front.aws(["list-ca-certificates"])
        #expect((list.json["certificates"] as? [Any])?.isEmpty == true)
        await front.stop()
    }

    @Test func updateCACertificate() async throws {
        let front = try await IoTFront()
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(atPath: pki.folder) }
        let id = try await Self.registerCA(front, pki)
        let update = try await front.aws([
            "update-ca-certificate", "--certificate-id", id, "--new-status", "INACTIVE",
            "--new-auto-registration-status", "DISABLE",
        ])
        #expect(update.status == 0, "\(update.error)")
        let description =
            try await front.aws(["describe-ca-certificate", "--certificate-id", id]).json["certificateDescription"]
            as? [String: Any] ?? [:]
        #expect(description["status"] as? String == "INACTIVE")
        #expect(description["autoRegistrationStatus"] as? String == "DISABLE")
        let garbage = try await front.aws(["update-ca-certificate", "--certificate-id", id, "--new-status", "GARBAGE"])
        #expect(garbage.errorType == "InvalidRequestException")
        await front.stop()
    }

    @Test func describeCACertificateOfAnUnknownId() async throws {
        let front = try await IoTFront()
        let missing = try await front.aws([
            "describe-ca-certificate", "--certificate-id", String(repeating: "a", count: 64),
        ])
        #expect(missing.status == 255 && missing.errorType == "ResourceNotFoundException")
        let malformed = try await front.aws([
            "describe-ca-certificate", "--certificate-id", String(repeating: "z", count: 64),
        ])
        #expect(malformed.errorType == "InvalidRequestException")
        await front.stop()
    }

    @Test func listCACertificatesPages() async throws {
        let front = try await IoTFront()
        let first = try PKI()
        let second = try PKI()
        defer {
            try? FileManager.default.removeItem(atPath: first.folder)
            try? FileManager.default.removeItem(atPath: second.folder)
        }
        let ids = [try await Self.registerCA(front, first), try await Self.registerCA(front, second)]
        let page = try await front.aws(["list-ca-certificates", "--page-size", "1", "--no-paginate"])
        #expect((page.json["certificates"] as? [Any])?.count == 1)
        #expect(page.json["nextMarker"] is String)
        // Following nextMarker with --marker: every CA once.
        let listed = try await Self.everyPage(front, ["list-ca-certificates", "--page-size", "1"])
        #expect(Set(listed) == Set(ids) && listed.count == 2)
        await front.stop()
    }

    @Test func deleteCACertificateOnlyWhenInactive() async throws {
        let front = try await IoTFront()
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(atPath: pki.folder) }
        let id = try await Self.registerCA(front, pki)
        let active = try await front.aws(["delete-ca-certificate", "--certificate-id", id])
        #expect(active.errorType == "CertificateStateException")
        #expect(try await front.aws(["describe-ca-certificate", "--certificate-id", id]).status == 0)
        _ = try await front.aws(["update-ca-certificate", "--certificate-id", id, "--new-status", "INACTIVE"])
        #expect(try await front.aws(["delete-ca-certificate", "--certificate-id", id]).status == 0)
        let gone = try await front.aws(["describe-ca-certificate", "--certificate-id", id])
        #expect(gone.errorType == "ResourceNotFoundException")
        await front.stop()
    }

    @Test func getRegistrationCodeIsStableAcrossRestarts() async throws {
        let front = try await IoTFront()
        let first = try await front.aws(["get-registration-code"]).json["registrationCode"] as? String
        let second = try await front.aws(["get-registration-code"]).json["registrationCode"] as? String
        #expect(first?.count == 64 && first == second)
        await front.stop(removeData: false)
        let restarted = try await IoTFront(data: front.data)
        #expect(try await restarted.aws(["get-registration-code"]).json["registrationCode"] as? String == first)
        await restarted.stop()
    }

    // MARK: Device certificates

    @Test func registerCertificateSignedByTheCA() async throws {
        let front = try await IoTFront()
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(atPath: pki.folder) }
        let caId = try await Self.registerCA(front, pki)
        let registered = try await front.aws(["register-certificate", "--certificate-pem", pki.file("device-0001.pem")])
        #expect(registered.status == 0, "\(registered.error)")
        let id = registered.json["certificateId"] as? String ?? ""
        #expect(id == PKI.id(pki.pki.devices[0]))
        let description =
            try await front.aws(["describe-certificate", "--certificate-id", id]).json["certificateDescription"]
            as? [String: Any] ?? [:]
        #expect(description["status"] as? String == "INACTIVE")
        #expect(description["caCertificateId"] as? String == caId)
        // Signed by a CA nobody registered (the root issued only the device CA): refused.
        let unknown = try await front.aws(["register-certificate", "--certificate-pem", pki.file("server.pem")])
        #expect(unknown.errorType == "CertificateValidationException")
        let garbage = pki.path("garbage.pem")
        try Data("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n".utf8).write(
            to: URL(fileURLWithPath: garbage))
        let bad = try await front.aws(["register-certificate", "--certificate-pem", "file://" + garbage])
        #expect(bad.errorType == "CertificateValidationException")
        let status = try await front.aws([
            "register-certificate", "--certificate-pem", pki.file("device-0002.pem"), "--status", "BOGUS",
        ])
        #expect(status.errorType == "InvalidRequestException")
        await front.stop()
    }

    @Test func registerCertificateWithoutCA() async throws {
        let front = try await IoTFront()
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(atPath: pki.folder) }
        let result = try await front.aws([
            "register-certificate-without-ca", "--certificate-pem", pki.file("device-0001.pem"), "--status", "ACTIVE",
        ])
        #expect(result.status == 0, "\(result.error)")
        let id = result.json["certificateId"] as? String ?? ""
        let description =
            try await front.aws(["describe-certificate", "--certificate-id", id]).json["certificateDescription"]
            as? [String: Any] ?? [:]
        #expect(description["status"] as? String == "ACTIVE")
        #expect(description["caCertificateId"] == nil)
        let twice = try await front.aws([
            "register-certificate-without-ca", "--certificate-pem", pki.file("device-0001.pem"),
        ])
        #expect(twice.errorType == "ResourceAlreadyExistsException")
        await front.stop()
    }

    @Test func updateCertificateActivatesAndRefusesInternalStates() async throws {
        let front = try await IoTFront()
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(atPath: pki.folder) }
        let id =
            try await front.aws(["register-certificate-without-ca", "--certificate-pem", pki.file("device-0001.pem")])
            .json["certificateId"] as? String ?? ""
        #expect(
            try await front.aws(["update-certificate", "--certificate-id", id, "--new-status", "ACTIVE"]).status == 0)
        let describe = { () async throws -> String? in
            (try await front.aws(["describe-certificate", "--certificate-id", id]).json["certificateDescription"]
                as? [String: Any])?["status"] as? String
        }
        #expect(try await describe() == "ACTIVE")
        let pending = try await front.aws([
            "update-certificate", "--certificate-id", id, "--new-status", "PENDING_ACTIVATION",
        ])
        #expect(pending.errorType == "InvalidRequestException")
        let garbage = try await front.aws(["update-certificate", "--certificate-id", id, "--new-status", "GARBAGE"])
        #expect(garbage.errorType == "InvalidRequestException")
        #expect(
            try await front.aws(["update-certificate", "--certificate-id", id, "--new-status", "REVOKED"]).status == 0)
        let back = try await front.aws(["update-certificate", "--certificate-id", id, "--new-status", "ACTIVE"])
        #expect(back.errorType == "CertificateStateException")
        #expect(try await describe() == "REVOKED")
        await front.stop()
    }

    @Test func describeCertificateOfAnUnknownId() async throws {
        let front = try await IoTFront()
        let missing = try await front.aws([
            "describe-certificate", "--certificate-id", String(repeating: "b", count: 64),
        ])
        #expect(missing.status == 255 && missing.errorType == "ResourceNotFoundException")
        #expect(missing.error.contains("DescribeCertificate"))
        await front.stop()
    }

    @Test func listCertificatesAndByCA() async throws {
        let front = try await IoTFront()
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(atPath: pki.folder) }
        let caId = try await Self.registerCA(front, pki)
        _ = try await front.aws(["register-certificate", "--certificate-pem", pki.file("device-0001.pem")])
        _ = try await front.aws(["register-certificate-without-ca", "--certificate-pem", pki.file("device-0002.pem")])
        let all = try await Self.everyPage(front, ["list-certificates", "--page-size", "1"])
        #expect(Set(all) == [PKI.id(pki.pki.devices[0]), PKI.id(pki.pki.devices[1])] && all.count == 2)
        let byCA = try await front.aws(["list-certificates-by-ca", "--ca-certificate-id", caId])
        let ids = (byCA.json["certificates"] as? [[String: Any]] ?? []).compactMap { $0["certificateId"] as? String }
        #expect(ids == [PKI.id(pki.pki.devices[0])])
        let badSize = try await front.aws(["list-certificates", "--page-size", "0", "--no-paginate"])
        #expect(badSize.status != 0)
        await front.stop()
    }

    @Test func deleteCertificateGuards() async throws {
        let front = try await IoTFront()
        let pki = try PKI()
        defer { try? FileManager.default.removeItem(atPath: pki.folder) }
        let registered = try await front.aws([
            "register-certificate-without-ca", "--certificate-pem", pki.file("device-0001.pem"), "--status", "ACTIVE",
        ])
        let id = registered.json["certificateId"] as? String ?? ""
        let arn = registered.json["certificateArn"] as? String ?? ""
        _ = try await front.aws(["create-policy", "--policy-name", "p", "--policy-document", Self.policy])
        _ = try await front.aws(["attach-policy", "--policy-name", "p", "--target", arn])
        #expect(
            try await front.aws(["delete-certificate", "--certificate-id", id]).errorType == "CertificateStateException"
        )
        _ = try await front.aws(["update-certificate", "--certificate-id", id, "--new-status", "INACTIVE"])
        #expect(
            try await front.aws(["delete-certificate", "--certificate-id", id]).errorType == "DeleteConflictException")
        #expect(try await front.aws(["describe-certificate", "--certificate-id", id]).status == 0)
        #expect(try await front.aws(["delete-certificate", "--certificate-id", id, "--force-delete"]).status == 0)
        let gone = try await front.aws(["describe-certificate", "--certificate-id", id])
        #expect(gone.errorType == "ResourceNotFoundException")
        await front.stop()
    }

    @Test func createKeysAndCertificate() async throws {
        let front = try await IoTFront()
        let created = try await front.aws(["create-keys-and-certificate", "--set-as-active"])
        #expect(created.status == 0, "\(created.error)")
        let keyPair = created.json["keyPair"] as? [String: Any] ?? [:]
        #expect((keyPair["PrivateKey"] as? String)?.hasPrefix("-----BEGIN RSA PRIVATE KEY-----") == true)
        #expect((keyPair["PublicKey"] as? String)?.hasPrefix("-----BEGIN PUBLIC KEY-----") == true)
        let pem = created.json["certificatePem"] as? String ?? ""
        let certificate = try CredentialCertificate(derBytes: try PEMBlock.parseAll(Array(pem.utf8))[0].derBytes)
        let key = try CredentialKey(bytes: Array((keyPair["PrivateKey"] as? String ?? "").utf8))
        #expect(key.matches(certificate))
        let id = created.json["certificateId"] as? String ?? ""
        let description =
            try await front.aws(["describe-certificate", "--certificate-id", id]).json["certificateDescription"]
            as? [String: Any] ?? [:]
        #expect(description["status"] as? String == "ACTIVE")
        await front.stop()
    }

    // MARK: Policies

    @Test func createPolicyAndGetPolicy() async throws {
        let front = try await IoTFront()
        let created = try await front.aws([
            "create-policy", "--policy-name", "dev-policy", "--policy-document", Self.policy,
        ])
        #expect(created.json["policyVersionId"] as? String == "1")
        #expect(created.json["policyArn"] as? String == "arn:aws:iot:us-east-1:123456789012:policy/dev-policy")
        let got = try await front.aws(["get-policy", "--policy-name", "dev-policy"])
        #expect(got.json["policyDocument"] as? String == Self.policy)
        #expect(got.json["defaultVersionId"] as? String == "1")
        let twice = try await front.aws([
            "create-policy", "--policy-name", "dev-policy", "--policy-document", Self.policy,
        ])
        #expect(twice.errorType == "ResourceAlreadyExistsException")
        #expect(try await front.aws(["get-policy", "--policy-name", "nope"]).errorType == "ResourceNotFoundException")
        await front.stop()
    }

    @Test func malformedPolicyDocumentsAreRefusedAndNothingIsStored() async throws {
        let front = try await IoTFront()
        let documents = [
            #"{"Version":"2012-10-17","Statement":["#,
            #"[1,2]"#,
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"iot:Connect","Resource":"*"}]}"#,
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect"}]}"#,
            #"{"Version":"1999-01-01","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}"#,
        ]
        for (index, document) in documents.enumerated() {
            let result = try await front.aws([
                "create-policy", "--policy-name", "bad\(index)", "--policy-document", document,
            ])
            #expect(result.errorType == "MalformedPolicyException", "\(document): \(result.error)")
            #expect(
                try await front.aws(["get-policy", "--policy-name", "bad\(index)"]).errorType
                    == "ResourceNotFoundException")
        }
        await front.stop()
    }

    @Test func attachListAndDetachPolicy() async throws {
        let front = try await IoTFront()
        let created = try await front.aws(["create-keys-and-certificate"])
        let arn = created.json["certificateArn"] as? String ?? ""
        _ = try await front.aws(["create-policy", "--policy-name", "p1", "--policy-document", Self.policy])
        _ = try await front.aws(["create-policy", "--policy-name", "p2", "--policy-document", Self.policy])
        #expect(try await front.aws(["attach-policy", "--policy-name", "p1", "--target", arn]).status == 0)
        #expect(try await front.aws(["attach-policy", "--policy-name", "p2", "--target", arn]).status == 0)
        let listed = try await front.aws(["list-attached-policies", "--target", arn])
        let names = (listed.json["policies"] as? [[String: Any]] ?? []).compactMap { $0["policyName"] as? String }
        #expect(names == ["p1", "p2"])
        #expect(try await front.aws(["detach-policy", "--policy-name", "p1", "--target", arn]).status == 0)
        let after = try await front.aws(["list-attached-policies", "--target", arn])
        #expect((after.json["policies"] as? [[String: Any]] ?? []).compactMap { $0["policyName"] as? String } == ["p2"])
        let missing = try await front.aws(["attach-policy", "--policy-name", "nope", "--target", arn])
        #expect(missing.errorType == "ResourceNotFoundException")
        let badTarget = try await front.aws(["attach-policy", "--policy-name", "p1", "--target", "not-an-arn"])
        #expect(badTarget.errorType == "InvalidRequestException")
        await front.stop()
    }

    // MARK: Things

    @Test func createThingAndDescribeThing() async throws {
        let front = try await IoTFront()
        let created = try await front.aws([
            "create-thing", "--thing-name", "device-0001", "--attribute-payload", #"{"attributes":{"room":"lab"}}"#,
        ])
        #expect(created.json["thingArn"] as? String == "arn:aws:iot:us-east-1:123456789012:thing/device-0001")
        let repeated = try await front.aws([
            "create-thing", "--thing-name", "device-0001", "--attribute-payload", #"{"attributes":{"room":"lab"}}"#,
        ])
        #expect(repeated.status == 0 && repeated.json["thingId"] as? String == created.json["thingId"] as? String)
        let different = try await front.aws(["create-thing", "--thing-name", "device-0001"])
        #expect(different.errorType == "ResourceAlreadyExistsException")
        let described = try await front.aws(["describe-thing", "--thing-name", "device-0001"])
        #expect((described.json["attributes"] as? [String: String]) == ["room": "lab"])
        #expect(described.json["defaultClientId"] as? String == "device-0001")
        #expect(
            try await front.aws(["describe-thing", "--thing-name", "nope"]).errorType == "ResourceNotFoundException")
        #expect(try await front.aws(["create-thing", "--thing-name", "bad/name"]).status != 0)
        await front.stop()
    }

    @Test func attachThingPrincipalAndList() async throws {
        let front = try await IoTFront()
        let arn = try await front.aws(["create-keys-and-certificate"]).json["certificateArn"] as? String ?? ""
        _ = try await front.aws(["create-thing", "--thing-name", "t1"])
        #expect(try await front.aws(["attach-thing-principal", "--thing-name", "t1", "--principal", arn]).status == 0)
        let listed = try await front.aws(["list-thing-principals", "--thing-name", "t1"])
        #expect(listed.json["principals"] as? [String] == [arn])
        let noThing = try await front.aws(["attach-thing-principal", "--thing-name", "t2", "--principal", arn])
        #expect(noThing.errorType == "ResourceNotFoundException")
        await front.stop()
    }

    @Test func describeEndpointIsStablePerAccount() async throws {
        let front = try await IoTFront()
        let ats =
            try await front.aws(["describe-endpoint", "--endpoint-type", "iot:Data-ATS"]).json["endpointAddress"]
            as? String
        #expect(ats?.hasSuffix("-ats.iot.us-east-1.amazonaws.com") == true)
        let legacy = try await front.aws(["describe-endpoint"]).json["endpointAddress"] as? String
        #expect(legacy?.hasSuffix(".iot.us-east-1.amazonaws.com") == true && legacy != ats)
        #expect(
            try await front.aws(["describe-endpoint", "--endpoint-type", "iot:Data-ATS"]).json["endpointAddress"]
                as? String == ats)
        let bad = try await front.aws(["describe-endpoint", "--endpoint-type", "iot:Nope"])
        #expect(bad.errorType == "InvalidRequestException")
        await front.stop()
    }

    // MARK: Bad requests

    @Test func unsignedAndMalformedRequestsAreRefused() async throws {
        let front = try await IoTFront()
        let unsigned = try await front.aws(["--no-sign-request", "create-thing", "--thing-name", "t"])
        #expect(unsigned.errorType == "MissingAuthenticationTokenException")
        let wrongService = try front.raw(
            Array((IoTFront.signedHead("POST", "/things/t", body: 2, scope: "s3") + "{}").utf8))
        #expect(wrongService.hasPrefix("HTTP/1.1 403") && wrongService.contains("InvalidSignatureException"))
        let malformed = try front.raw(
            Array(
                ("POST /things/t HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 garbage\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
                    .utf8))
        #expect(malformed.hasPrefix("HTTP/1.1 400") && malformed.contains("IncompleteSignatureException"))
        let notJSON = try front.raw(Array((IoTFront.signedHead("POST", "/things/t", body: 5) + "{oops").utf8))
        #expect(notJSON.hasPrefix("HTTP/1.1 400") && notJSON.contains("InvalidRequestException"))
        #expect(try await front.aws(["describe-thing", "--thing-name", "t"]).errorType == "ResourceNotFoundException")
        await front.stop()
    }

    @Test func aHugeBodyIsRefusedWithoutBeingStored() async throws {
        let front = try await IoTFront()
        let size = 5 << 20
        let document = #"{"policyDocument":""# + String(repeating: "x", count: size) + #""}"#
        let response = try front.raw(
            Array((IoTFront.signedHead("POST", "/policies/big", body: document.utf8.count) + document).utf8))
        #expect(response.hasPrefix("HTTP/1.1 413") && response.contains("RequestEntityTooLargeException"))
        // No Content-Length (chunked): bounded as it arrives.
        var chunked = Array(
            "POST /policies/big HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Date: 20261204T120000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID/20261204/us-east-1/iot/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(String(repeating: "ab", count: 32))\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                .utf8)
        for _ in 0..<40 {
            chunked += Array("20000\r\n".utf8) + [UInt8](repeating: 0x78, count: 0x20000) + Array("\r\n".utf8)
        }
        chunked += Array("0\r\n\r\n".utf8)
        let chunkedResponse = try front.raw(chunked)
        #expect(chunkedResponse.hasPrefix("HTTP/1.1 413"), "\(chunkedResponse.prefix(200))")
        #expect(try await front.aws(["get-policy", "--policy-name", "big"]).errorType == "ResourceNotFoundException")
        await front.stop()
    }

    @Test func signaturesAreVerifiedWhenTheSecretIsKnown() async throws {
        let front = try await IoTFront(extra: ["--access-key-id", "AKIDKNOWN", "--secret-access-key", "s3cret/key+x"])
        let good = try await front.aws(
            ["create-thing", "--thing-name", "a:b_c"], accessKey: "AKIDKNOWN", secret: "s3cret/key+x")
        #expect(good.status == 0, "\(good.error)")
        let arn = "arn:aws:iot:us-east-1:123456789012:cert/" + String(repeating: "c", count: 64)
        let encodedPath = try await front.aws(
            ["list-attached-policies", "--target", arn], accessKey: "AKIDKNOWN", secret: "s3cret/key+x")
        #expect(encodedPath.status == 0, "\(encodedPath.error)")
        let query = try await front.aws(
            ["list-certificates", "--page-size", "5", "--ascending-order"], accessKey: "AKIDKNOWN",
            secret: "s3cret/key+x")
        #expect(query.status == 0, "\(query.error)")
        let wrongSecret = try await front.aws(
            ["describe-thing", "--thing-name", "a:b_c"], accessKey: "AKIDKNOWN", secret: "other")
        #expect(wrongSecret.errorType == "SignatureDoesNotMatchException")
        let otherKey = try await front.aws(
            ["describe-thing", "--thing-name", "a:b_c"], accessKey: "AKIDOTHER", secret: "s3cret/key+x")
        #expect(otherKey.errorType == "UnrecognizedClientException")
        await front.stop()
    }
}
