import Foundation
import Testing
import UplinkCredentials
import UplinkModule
import UplinkTestSupport

/// Issue 12: a TLS socket opened to an IP address with TLSDOMAIN (SPWF01) or the common name field (SPWF04) set
/// checks that name against the broker certificate's DNS names — Uplink's verifier is the one check, NIOSSL's own
/// host name check (which would want the IP address in the certificate) is off.
@Suite("TLS to an IP address, name checked against a DNS-only certificate", .serialized)
struct TLSDomainOverIPTests {
    @Test(
        "SOCKON to 127.0.0.1 with the broker's DNS name connects; a wrong name is still a mismatch",
        arguments: Wire.both)
    func dnsOnlyCertificate(wire: Wire) async throws {
        let pki = try DevPKI.generate(DevPKI.Options())
        let key = try CredentialKey.generate(.ecP256)
        // The broker's certificate names broker.uplink.test only: no IP address, not localhost.
        let server = try CertificateFactory.issue(
            subject: DevPKI.name(common: "broker.uplink.test"), key: key, role: .server(names: ["broker.uplink.test"]),
            issuer: CertificateFactory.Issuer(certificate: pki.root.certificate, key: pki.root.key),
            notBefore: Date().addingTimeInterval(-3600), notAfter: Date().addingTimeInterval(86_400))
        #expect(server.subjectAlternativeNames.allSatisfy { !$0.contains("127.0.0.1") })
        let folder = NSTemporaryDirectory() + "uplink-tls-dns-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try pki.write(to: folder)
        try Array(server.pemString.utf8).write(to: folder + "/dns-server.pem")
        try Array(try key.pemString(.pkcs8).utf8).write(to: folder + "/dns-server.key")
        let broker = try await MosquittoBroker.start(listenerLines: [
            "cafile \(folder)/ca.pem", "certfile \(folder)/dns-server.pem", "keyfile \(folder)/dns-server.key",
            "require_certificate true", "tls_version tlsv1.2",
        ])
        defer { broker.stop() }

        let host = try await TestHost(profile: wire.profile)
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.joinWiFi()
        let names = wire.isSPWF01 ? ("f_ca", "f_cert", "f_key") : ("ca", "cert", "key")
        let device = try #require(pki.devices.first)
        for (slot, bytes) in [
            (names.0, Array(pki.root.certificate.pemString.utf8)),
            (names.1, Array(device.certificate.pemString.utf8)),
            (names.2, Array(try device.key.pemString(.pkcs8).utf8)),
        ] {
            try await host.send("AT+S.TLSCERT=\(slot),\(bytes.count)\r")
            try await host.send(bytes: bytes)
            try await host.expect(wire.ok)
        }
        func open(_ name: String) async throws {
            if wire.isSPWF01 {
                try await host.send("AT+S.TLSDOMAIN=f_domain,\(name)\r")
                try await host.expect(wire.ok)
                try await host.send("AT+S.SOCKON=127.0.0.1,\(broker.port),s,ind\r")
            } else {
                try await host.send("AT+S.SOCKON=127.0.0.1,\(broker.port),NULL,\(name)\r")
            }
        }
        try await open("broker.uplink.test")
        try await host.expect(wire.opened(0), timeout: .seconds(10))
        try await host.send("AT+S.SOCKC=0\r")
        try await host.expect(wire.ok)
        try await open("other.uplink.test")
        try await host.expect(wire.error(62, "TLS handshake failed: name mismatch"), timeout: .seconds(10))
    }
}

extension Array where Element == UInt8 {
    fileprivate func write(to path: String) throws {
        try Data(self).write(to: URL(fileURLWithPath: path))
    }
}
