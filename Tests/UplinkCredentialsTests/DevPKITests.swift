import Foundation
import Testing

@testable import UplinkCredentials

@Suite("dev-pki, checked with the real openssl", .timeLimit(.minutes(1)))
struct DevPKITests {
    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func ecWithDeviceCAVerifiesWithOpenSSL() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var options = DevPKI.Options()
        options.deviceCA = true
        options.deviceCount = 2
        options.serverNames = ["broker.test", "10.0.0.5"]
        let pki = try DevPKI.generate(options)
        let paths = try pki.write(to: folder.path + "/pki")
        let names = paths.map { ($0 as NSString).lastPathComponent }
        #expect(
            names == [
                "ca.pem", "ca.key", "device-ca.pem", "device-ca.key", "device-0001.pem", "device-0001.key",
                "device-0001-chain.pem", "device-0002.pem", "device-0002.key", "device-0002-chain.pem", "server.pem",
                "server.key",
            ])
        let dir = folder.path + "/pki/"
        for name in names {
            #expect(try mode(dir + name) == (name.hasSuffix(".key") ? 0o600 : 0o644), "\(name)")
            if name.hasSuffix(".key") {
                let key = try openssl(["pkey", "-in", dir + name, "-noout", "-text"])
                #expect(key.status == 0, "\(name): \(key.error)")
                #expect(key.output.contains("prime256v1") || key.output.contains("P-256"))
            } else {
                let text = try openssl(["x509", "-noout", "-text", "-in", dir + name])
                #expect(text.status == 0, "\(name): \(text.error)")
            }
        }
        // The chain: root → device CA → device, and the chain file as the untrusted part.
        let device = try openssl([
            "verify", "-CAfile", dir + "ca.pem", "-untrusted", dir + "device-ca.pem", "-purpose", "sslclient",
            dir + "device-0001.pem",
        ])
        #expect(device.status == 0, "\(device.output) \(device.error)")
        #expect(device.output.contains("device-0001.pem: OK"))
        let viaChain = try openssl([
            "verify", "-CAfile", dir + "ca.pem", "-untrusted", dir + "device-0002-chain.pem", dir + "device-0002.pem",
        ])
        #expect(viaChain.status == 0, "\(viaChain.error)")
        let leafOnly = try openssl(["verify", "-CAfile", dir + "ca.pem", dir + "device-0001.pem"])
        #expect(leafOnly.status != 0)  // the device CA is needed: that is what the chain file is for

        // The server certificate for a local broker.
        for check in [
            ["-verify_hostname", "localhost"], ["-verify_ip", "127.0.0.1"], ["-verify_ip", "::1"],
            ["-verify_hostname", "broker.test"], ["-verify_ip", "10.0.0.5"],
        ] {
            let server = try openssl(
                ["verify", "-CAfile", dir + "ca.pem", "-purpose", "sslserver"] + check + [dir + "server.pem"])
            #expect(server.status == 0, "\(check): \(server.output) \(server.error)")
        }
        let wrongName = try openssl([
            "verify", "-CAfile", dir + "ca.pem", "-verify_hostname", "other.test", dir + "server.pem",
        ])
        #expect(wrongName.status != 0)

        // Keys match their certificates, and the chain file is leaf then device CA.
        let chain = try CertificateChain(bytes: try SecureFileWriter.read(dir + "device-0001-chain.pem"))
        #expect(chain.certificates == [pki.devices[0].certificate, try #require(pki.deviceCA).certificate])
        #expect(chain.isOrderedChain)
        for identity in [pki.root, try #require(pki.deviceCA)] + pki.devices + [pki.server] {
            #expect(identity.key.matches(identity.certificate))
        }
        #expect(pki.devices[1].certificate.commonName == "device-0002")
        #expect(pki.devices[0].certificate.extendedKeyUsages == ["clientAuth"])
        #expect(
            pki.server.certificate.subjectAlternativeNames == [
                "DNS:localhost", "IP:127.0.0.1", "IP:::1", "DNS:broker.test", "IP:10.0.0.5",
            ])
    }

    @Test func rsaWithTraditionalKeys() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var options = DevPKI.Options()
        options.keyAlgorithm = .rsa2048
        options.traditionalKeys = true
        let pki = try DevPKI.generate(options)
        try pki.write(to: folder.path)
        let dir = folder.path + "/"
        let key = try openssl(["pkey", "-in", dir + "device-0001.key", "-noout", "-text"])
        #expect(key.status == 0)
        #expect(key.output.contains("2048 bit"))
        #expect(
            try String(contentsOfFile: dir + "device-0001.key", encoding: .utf8).hasPrefix(
                "-----BEGIN RSA PRIVATE KEY-----\n"))
        let verify = try openssl(["verify", "-CAfile", dir + "ca.pem", dir + "device-0001.pem"])
        #expect(verify.status == 0, "\(verify.error)")
        #expect(pki.devices[0].certificate.keyAlgorithm == .rsa2048)
        // Without a device CA the chain file is the device and the root.
        let chain = try CertificateChain(bytes: try SecureFileWriter.read(dir + "device-0001-chain.pem"))
        #expect(chain.certificates.last == pki.root.certificate)
    }

    @Test func expiredAndNotYetValidCertificates() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var expired = DevPKI.Options()
        expired.notBefore = try ISODate.parse("2020-01-01")
        expired.notAfter = try ISODate.parse("2021-01-01T00:00:00Z")
        try DevPKI.generate(expired).write(to: folder.path + "/expired")
        let old = try openssl([
            "verify", "-CAfile", folder.path + "/expired/ca.pem", folder.path + "/expired/device-0001.pem",
        ])
        #expect(old.status != 0)
        #expect((old.output + old.error).contains("certificate has expired"))

        var future = DevPKI.Options()
        future.notBefore = Date() + 86400 * 30
        try DevPKI.generate(future).write(to: folder.path + "/future")
        let early = try openssl([
            "verify", "-CAfile", folder.path + "/future/ca.pem", folder.path + "/future/device-0001.pem",
        ])
        #expect(early.status != 0)
        #expect((early.output + early.error).contains("certificate is not yet valid"))
        let server = try CertificateChain(bytes: try SecureFileWriter.read(folder.path + "/future/server.pem"))
        #expect(server.leaf?.validity(at: Date()) == .notYetValid)
    }

    @Test func refusesToOverwriteAndBadOptions() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let pki = try Fixtures.ecPKI()
        try pki.write(to: folder.path)
        #expect(
            throws: CredentialError.file(
                path: folder.path + "/ca.pem", reason: "exists already (use --force to replace it)")
        ) {
            try pki.write(to: folder.path)
        }
        #expect(throws: Never.self) { try pki.write(to: folder.path, overwrite: true) }
        var options = DevPKI.Options()
        options.deviceCount = 0
        #expect(throws: CredentialError.invalidOption("--devices must be between 1 and 9999, not 0")) {
            try DevPKI.generate(options)
        }
        options.deviceCount = 1
        options.days = 0
        #expect(throws: CredentialError.invalidOption("--days must be between 1 and 36500, not 0")) {
            try DevPKI.generate(options)
        }
    }

    @Test func isoDates() throws {
        #expect(ISODate.format(try ISODate.parse("2030-01-31")) == "2030-01-31T00:00:00Z")
        #expect(ISODate.format(try ISODate.parse("2030-01-31T12:34:56Z")) == "2030-01-31T12:34:56Z")
        #expect(ISODate.format(try ISODate.parse("2030-01-31T12:34Z")) == "2030-01-31T12:34:00Z")
        #expect(throws: CredentialError.invalidOption("'2030-02-30' is not a valid date")) {
            try ISODate.parse("2030-02-30")
        }
        #expect(throws: CredentialError.self) { try ISODate.parse("yesterday") }
        #expect(throws: CredentialError.self) { try ISODate.parse("2030-01-31T12:00:00") }
    }
}
