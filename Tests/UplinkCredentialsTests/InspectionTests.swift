import Foundation
import Testing

@testable import UplinkCredentials

@Suite("inspect", .timeLimit(.minutes(1)))
struct InspectionTests {
    @Test func fieldsAgreeWithOpenSSL() throws {
        let pki = try Fixtures.ecPKI()
        let device = pki.devices[0].certificate
        let pem = device.pemString.bytes
        let fingerprint = try openssl(["x509", "-noout", "-fingerprint", "-sha256"], input: pem).output
        #expect(fingerprint.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("=" + device.sha256Fingerprint))
        let serial = try openssl(["x509", "-noout", "-serial"], input: pem).output
        #expect(
            serial.trimmingCharacters(in: .whitespacesAndNewlines) == "serial="
                + device.serialNumber.replacingOccurrences(of: ":", with: ""))
        #expect(device.subject == "CN=device-0001, O=Uplink Development")
        #expect(device.issuer == "CN=Uplink Development Device CA, O=Uplink Development")
        #expect(device.keyAlgorithm == .ecP256)
        #expect(device.signatureAlgorithm == "ecdsa-with-SHA256")
        #expect(!device.isCertificateAuthority)
        #expect(try #require(pki.deviceCA).certificate.pathLengthConstraint == 0)
        #expect(pki.root.certificate.isSelfSigned)
        #expect(device.pemSize == pem.count)
        let der = try openssl(["x509", "-outform", "DER"], input: pem)
        #expect(device.derSize == der.outputBytes.count)
    }

    @Test func bundleAndKey() throws {
        let pki = try Fixtures.ecPKI()
        let chain = pki.devices[0].certificate.pemString + (try #require(pki.deviceCA)).certificate.pemString
        let report = try InspectionReport.inspect(
            [.init(name: "chain.pem", bytes: chain.bytes)],
            key: .init(name: "device.key", bytes: pki.devices[0].key.pemString.bytes))
        #expect(report.ok)
        #expect(report.files[0].formsChain == true)
        #expect(report.files[0].certificates.count == 2)
        #expect(report.keyMatches.map(\.matches) == [true])
        #expect(
            report.verdict
                == "ok: 2 certificates, 1 key; chain.pem forms a chain; the key matches CN=device-0001, O=Uplink Development"
        )
        #expect(report.text.contains("verdict: ok"))
        let decoded = try JSONDecoder().decode(InspectionReport.self, from: Data(report.jsonString().utf8))
        #expect(decoded.verdict == report.verdict)
    }

    @Test func problemsAreReported() throws {
        let pki = try Fixtures.ecPKI()
        let reversed = (try #require(pki.deviceCA)).certificate.pemString + pki.devices[0].certificate.pemString
        let report = try InspectionReport.inspect(
            [.init(name: "reversed.pem", bytes: reversed.bytes)],
            key: .init(name: "other.key", bytes: pki.devices[1].key.pemString.bytes))
        #expect(!report.ok)
        #expect(report.files[0].formsChain == false)
        #expect(report.verdict.hasPrefix("problem: reversed.pem is not a chain (certificate 1: "))
        #expect(report.verdict.contains("other.key does not match CN=Uplink Development Device CA"))
        #expect(
            throws: CredentialError.file(path: "junk", reason: "not PEM: text without a '-----BEGIN ...-----' line")
        ) {
            try InspectionReport.inspect([.init(name: "junk", bytes: "junk".bytes)])
        }
    }
}
