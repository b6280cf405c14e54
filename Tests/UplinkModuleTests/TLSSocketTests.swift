import Foundation
import Testing
import UplinkCredentials
import UplinkModule
import UplinkTestSupport

/// TLS sockets through the module against a real mosquitto that requires client certificates.
@Suite("TLS sockets against mosquitto (mutual TLS)", .serialized, .timeLimit(.minutes(1)))
struct TLSSocketTests {
    /// MQTT 3.1.1 CONNECT, client id "x", keep-alive 30, clean session; the broker answers `20 02 00 00`.
    static let connect: [UInt8] = [
        0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x1E, 0x00, 0x01, 0x78,
    ]

    struct Rig {
        let pki: DevPKI
        let broker: MosquittoBroker
        let folder: String
    }

    /// A dev PKI (root, device CA, one device, a server certificate for localhost and 127.0.0.1) and a
    /// broker that requires a client certificate chaining to the root.
    static func rig(_ algorithm: KeyAlgorithm = .ecP256) async throws -> Rig {
        var options = DevPKI.Options()
        options.deviceCA = true
        options.keyAlgorithm = algorithm
        let pki = try DevPKI.generate(options)
        let folder = NSTemporaryDirectory() + "uplink-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = try pki.write(to: folder)
        let broker = try await MosquittoBroker.start(listenerLines: [
            "cafile \(folder)/ca.pem", "certfile \(folder)/server.pem", "keyfile \(folder)/server.key",
            "require_certificate true", "tls_version tlsv1.2",
        ])
        return Rig(pki: pki, broker: broker, folder: folder)
    }

    /// The device chain (leaf, then the device CA that issued it) as PEM: what JITR sends.
    static func chainPEM(_ pki: DevPKI) throws -> [UInt8] {
        let device = try #require(pki.devices.first)
        let issuer = try #require(pki.deviceCA)
        return Array((device.certificate.pemString + issuer.certificate.pemString).utf8)
    }

    private func store(_ host: TestHost, _ wire: Wire, slot: String, _ bytes: [UInt8]) async throws {
        try await host.storeCredential(slot, bytes)
    }

    private func loadAll(_ host: TestHost, _ wire: Wire, _ rig: Rig, ca: [UInt8]? = nil) async throws {
        let names = wire.isSPWF01 ? ("f_ca", "f_cert", "f_key") : ("ca", "cert", "key")
        try await store(host, wire, slot: names.0, ca ?? Array(rig.pki.root.certificate.pemString.utf8))
        try await host.expect(wire.ok)
        try await store(host, wire, slot: names.1, try Self.chainPEM(rig.pki))
        try await host.expect(wire.ok)
        let device = try #require(rig.pki.devices.first)
        try await store(host, wire, slot: names.2, Array(device.key.pemString.utf8))
        try await host.expect(wire.ok)
    }

    private func openTLS(_ host: TestHost, _ wire: Wire, port: Int, name: String = "localhost") async throws {
        try await host.openTLS(wire, port: port, name: name, domainSlot: "f_domain")
    }

    private func mqttConnect(_ host: TestHost, _ wire: Wire) async throws {
        try await host.send("AT+S.SOCKW=0,\(Self.connect.count)\r")
        try await host.send(bytes: Self.connect)
        try await host.expect(wire.ok)
        try await host.expect(wire.pending(0, received: 4, unread: 4), timeout: .seconds(10))
        try await host.send("AT+S.SOCKR=0,4\r")
        if !wire.isSPWF01 { try await host.expect("AT-S.Reading:4:4\r\n") }
        #expect(try await host.next(4) == [0x20, 0x02, 0x00, 0x00])
        try await host.expect(wire.ok)
    }

    @Test("CA, device chain and key through TLSCERT; MQTT CONNECT gets CONNACK", arguments: Wire.both)
    func mutualTLS(wire: Wire) async throws {
        let rig = try await Self.rig()
        defer { rig.broker.stop() }
        try await withHost(wire) { host in
            try await loadAll(host, wire, rig)
            try await openTLS(host, wire, port: rig.broker.port)
            try await host.expect(wire.opened(0), timeout: .seconds(10))
            try await mqttConnect(host, wire)
            try await host.send("AT+S.SOCKC=0\r")
            try await host.expect(wire.ok)
            // Flash slots survive a reset; the socket works again afterwards.
            try await host.send(wire.resetCommand + "\r")
            try await host.expect(wire.wind(2, "Reset") + wire.boot)
            try await host.joinWiFi()
            if !wire.isSPWF01 {
                try await host.send("AT+S.TLSCERT=content,1\r")
                let listing = try await host.read(through: wire.ok)
                #expect(listing.contains("AT-S.Var:ca=\(rig.pki.root.certificate.pemString.utf8.count)\r\n"))
            }
            try await host.send(
                wire.isSPWF01
                    ? "AT+S.SOCKON=127.0.0.1,\(rig.broker.port),s,ind\r"
                    : "AT+S.SOCKON=127.0.0.1,\(rig.broker.port),NULL,localhost\r")
            try await host.expect(wire.opened(0), timeout: .seconds(10))
            try await mqttConnect(host, wire)
        }
    }

    @Test("Handshake failures are precise: wrong CA, name mismatch, expired, no client certificate")
    func failures() async throws {
        let wire = Wire.spwf01
        let rig = try await Self.rig()
        defer { rig.broker.stop() }
        let other = try DevPKI.generate(DevPKI.Options())
        try await withHost(wire) { host in
            let port = rig.broker.port

            // No CA stored: never an unverified connection.
            try await host.send("AT+S.SOCKON=127.0.0.1,\(port),s,ind\r")
            try await host.expect(wire.error(50, "TLS credentials missing: no CA"))

            // The wrong CA in the RAM slot (it wins over flash).
            try await loadAll(host, wire, rig)
            try await store(host, wire, slot: "ca", Array(other.root.certificate.pemString.utf8))
            try await host.expect(wire.ok)
            try await openTLS(host, wire, port: port)
            try await host.expect(
                wire.error(61, "TLS handshake failed: unknown CA"),
                timeout: .seconds(10))
            try await host.send("AT+S.TLSCERT2=clean,ca\r")
            try await host.expect(wire.ok)

            // A name the server's certificate does not carry.
            try await openTLS(host, wire, port: port, name: "broker.example.com")
            try await host.expect(
                wire.error(62, "TLS handshake failed: name mismatch"),
                timeout: .seconds(10))

            // Valid certificates, but the module's clock says they expired.
            try await host.send("AT+S.SETTIME=\(Int(Date().timeIntervalSince1970) + 2 * 365 * 86_400)\r")
            try await host.expect(wire.ok)
            try await openTLS(host, wire, port: port)
            try await host.expect(wire.error(63, "TLS handshake failed: certificate expired"), timeout: .seconds(10))
            try await host.send("AT+S.SETTIME=\(Int(Date().timeIntervalSince1970))\r")
            try await host.expect(wire.ok)

            // No client certificate: the broker refuses the handshake.
            try await host.send("AT+S.TLSCERT2=clean,f_key\rAT+S.TLSCERT2=clean,f_cert\r")
            try await host.expect(wire.ok + wire.ok)
            try await openTLS(host, wire, port: port)
            try await host.expect(wire.error(65, "TLS handshake failed: client cert required"), timeout: .seconds(10))
            // Everything right again: it connects.
            try await loadAll(host, wire, rig)
            try await openTLS(host, wire, port: port)
            try await host.expect(wire.opened(0), timeout: .seconds(10))
            try await mqttConnect(host, wire)
        }
    }

    @Test("The seed's RSA set overflows spwf01-3.5 slots; as DER in a resized layout it fits and connects")
    func seedSlots() async throws {
        let rig = try await Self.rig(.rsa(bits: 2048))
        defer { rig.broker.stop() }
        let wire = Wire(profile: .spwf01Legacy)
        let legacy = try await TestHost(profile: .spwf01Legacy)
        defer { Task { await legacy.shutdown() } }
        try await legacy.expect(wire.boot)
        let chain = try Self.chainPEM(rig.pki)
        #expect(chain.count > 2048)
        try await store(legacy, wire, slot: "f_cert", chain)
        try await legacy.expect(wire.error(40, "Credential rejected: over slot capacity"))
        let device = try #require(rig.pki.devices.first)
        // Two certificates as DER fit in 2,048 bytes, but the profile takes one.
        try await store(legacy, wire, slot: "f_cert", device.certificate.derBytes + rig.pki.root.certificate.derBytes)
        try await legacy.expect(wire.error(46, "Credential rejected: one certificate only"))

        // The seed's team's layout, cert 3 KB / key 1 KB, with DER: the chain fits, an RSA-2048 key does not
        // (about 1190 bytes as PKCS#1 DER); in ca=1536,cert=3072,key=1536 (the same 6 KB) all of it fits.
        let asked = try SlotLayout.named("spwf01-3.5", slots: "ca=2048,cert=3072,key=1024")
        let resized = try await TestHost(profile: .spwf01Legacy) { $0.slotLayout = asked }
        defer { Task { await resized.shutdown() } }
        try await resized.expect(wire.boot)
        let chainDER = device.certificate.derBytes + (try #require(rig.pki.deviceCA)).certificate.derBytes
        try await store(resized, wire, slot: "f_cert", chainDER)
        try await resized.expect(wire.ok)
        let keyDER = device.key.traditionalDERBytes
        try await store(resized, wire, slot: "f_key", keyDER)
        try await resized.expect(wire.error(40, "Credential rejected: over slot capacity"))

        let fitting = try SlotLayout.named("spwf01-3.5", slots: "ca=1536,cert=3072,key=1536")
        let host = try await TestHost(profile: .spwf01Legacy) { $0.slotLayout = fitting }
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.joinWiFi()
        for (slot, bytes) in [("f_ca", rig.pki.root.certificate.derBytes), ("f_cert", chainDER), ("f_key", keyDER)] {
            try await store(host, wire, slot: slot, bytes)
            try await host.expect(wire.ok)
        }
        try await openTLS(host, wire, port: rig.broker.port)
        try await host.expect(wire.opened(0), timeout: .seconds(10))
        try await mqttConnect(host, wire)
    }

    @Test("Bad material is refused at TLSCERT time, and nothing else changes", arguments: Wire.both)
    func badMaterial(wire: Wire) async throws {
        try await withHost(wire, joinWiFi: false) { host in
            let slot = wire.isSPWF01 ? "ca" : "ca"
            try await store(host, wire, slot: slot, Array("hello, not a certificate".utf8))
            try await host.expect(wire.error(41, "Credential rejected: not parsable"))
            try await store(host, wire, slot: "key", Array("-----BEGIN CERTIFICATE-----\nAAAA\n".utf8))
            try await host.expect(wire.error(41, "Credential rejected: not parsable"))
            try await host.send("AT+S.TLSCERT=nowhere,10\r")
            try await host.expect(wire.error(3, "Invalid arguments"))
            try await host.send("AT\r")
            try await host.expect(wire.ok)
        }
    }
}
