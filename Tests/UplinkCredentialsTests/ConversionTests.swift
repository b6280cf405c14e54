import Foundation
import Testing

@testable import UplinkCredentials

@Suite("convert and bundle", .timeLimit(.minutes(1)))
struct ConversionTests {
    @Test func certificatesPEMToDERMatchOpenSSL() throws {
        let set = try Fixtures.rsaSet()
        let der = try CredentialConverter.convert(set.device.pemString.bytes, to: .der)
        let reference = try openssl(["x509", "-outform", "DER"], input: set.device.pemString.bytes)
        #expect(der == reference.outputBytes)
        let pem = try CredentialConverter.convert(der, to: .pem)
        #expect(pem == set.device.pemString.bytes)
        #expect(String(decoding: pem, as: UTF8.self).hasSuffix("-----END CERTIFICATE-----\n"))
        let chainDER = try CredentialConverter.convert((set.device.pemString + set.jitrCA.pemString).bytes, to: .der)
        #expect(chainDER == set.device.derBytes + set.jitrCA.derBytes)
        #expect(
            throws: CredentialError.unsupportedConversion(
                "--pkcs8 and --traditional apply to private keys, this holds certificates")
        ) {
            try CredentialConverter.convert(set.device.derBytes, to: .pem, keyFormat: .pkcs8)
        }
    }

    @Test func keysBetweenFormatsMatchOpenSSL() throws {
        let set = try Fixtures.rsaSet()
        let pkcs1PEM = set.deviceKey.pemString.bytes
        #expect(String(decoding: pkcs1PEM, as: UTF8.self).hasPrefix("-----BEGIN RSA PRIVATE KEY-----\n"))
        let pkcs8DER = try CredentialConverter.convert(pkcs1PEM, to: .der, keyFormat: .pkcs8)
        let reference = try openssl(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"], input: pkcs1PEM)
        #expect(pkcs8DER == reference.outputBytes)
        let back = try CredentialConverter.convert(pkcs8DER, to: .pem, keyFormat: .traditional)
        #expect(back == pkcs1PEM)
        let sameDER = try CredentialConverter.convert(pkcs1PEM, to: .der)
        #expect(sameDER == set.deviceKey.traditionalDERBytes)

        let ec = try CredentialKey.generate(.ecP256)
        let sec1PEM = try CredentialConverter.convert(Array(ec.pemString.utf8), to: .pem, keyFormat: .traditional)
        let opensslSEC1 = try openssl(["ec"], input: Array(ec.pemString.utf8))
        #expect(sec1PEM == opensslSEC1.outputBytes)
        let pkcs8 = try CredentialConverter.convert(sec1PEM, to: .pem, keyFormat: .pkcs8)
        #expect(pkcs8 == Array(ec.pemString.utf8))
        let opensslReads = try openssl(
            ["pkey", "-inform", "DER", "-noout"], input: try CredentialConverter.convert(sec1PEM, to: .der))
        #expect(opensslReads.status == 0)
    }

    @Test func jitrBundleIsLeafThenCA() throws {
        let set = try Fixtures.rsaSet()
        let pem = try JITRBundle.pem(device: set.device.pemString.bytes, ca: set.jitrCA.derBytes)
        #expect(pem == set.device.pemString + set.jitrCA.pemString)
        #expect(pem.components(separatedBy: "-----END CERTIFICATE-----\n").count == 3)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let chain = try folder.write("chain.pem", pem.bytes)
        let ca = try folder.write("ca.pem", set.jitrCA.pemString.bytes)
        let leaf = try folder.write("leaf.pem", set.device.pemString.bytes)
        let verify = try openssl(["verify", "-CAfile", ca, "-untrusted", chain, leaf])
        #expect(verify.status == 0, "\(verify.error)")
        let first = try openssl(["x509", "-outform", "DER", "-in", chain])
        #expect(first.outputBytes == set.device.derBytes)
    }

    @Test func jitrBundleRefusals() throws {
        let set = try Fixtures.rsaSet()
        let pki = try Fixtures.ecPKI()
        #expect(throws: CredentialError.self) {
            try JITRBundle.make(device: CertificateChain([set.device]), ca: CertificateChain([set.amazonRoot]))
        }
        do {
            _ = try JITRBundle.make(device: CertificateChain([set.device]), ca: CertificateChain([set.amazonRoot]))
        } catch {
            #expect(
                error
                    == .notIssuedBy(
                        subject: set.device.subject, issuer: set.amazonRoot.subject,
                        reason: "its issuer is \(set.device.issuer), the other's subject is \(set.amazonRoot.subject)"))
        }
        #expect(throws: CredentialError.notACertificateAuthority(subject: pki.devices[1].certificate.subject)) {
            try JITRBundle.make(
                device: CertificateChain([pki.devices[0].certificate]),
                ca: CertificateChain([pki.devices[1].certificate]))
        }
        #expect(
            throws: CredentialError.wrongType(
                expected: "the device certificate alone",
                found: "2 certificates; give the device certificate without its chain")
        ) {
            try JITRBundle.make(device: CertificateChain([set.device, set.jitrCA]), ca: CertificateChain([set.jitrCA]))
        }
    }
}
