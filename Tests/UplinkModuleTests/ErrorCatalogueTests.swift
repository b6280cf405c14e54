import ATCodec
import Foundation
import Logging
import Synchronization
import Testing
import UplinkCredentials
import UplinkDriver
import UplinkModule
import UplinkTestSupport

/// Every error line of the catalogue (docs/at-commands.md) that a real peer can make the module print, byte for
/// byte in both dialects: `openssl s_server` and mosquitto for the TLS handshake, the credential slots for the
/// rest. Each line is the catalogue's fixed text; the detail goes to the log (``logCarriesID``).
@Suite(
    "Error catalogue: the exact error line of each failure, against real peers", .serialized, .timeLimit(.minutes(1)))
struct ErrorCatalogueTests {
    struct Rig {
        /// Root, device CA, one device, and a server certificate for localhost / 127.0.0.1.
        let pki: DevPKI
        /// Another PKI: a root that issued nothing the servers use, and a device the servers do not trust.
        let other: DevPKI
        let folder: String

        var rootPEM: [UInt8] { Array(pki.root.certificate.pemString.utf8) }
        var server: [String] { ["-cert", folder + "/server.pem", "-key", folder + "/server.key"] }

        func remove() { try? FileManager.default.removeItem(atPath: folder) }
    }

    static func rig() throws -> Rig {
        var options = DevPKI.Options()
        options.deviceCA = true
        let pki = try DevPKI.generate(options)
        let other = try DevPKI.generate(DevPKI.Options())
        let folder = NSTemporaryDirectory() + "uplink-errors-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = try pki.write(to: folder)
        return Rig(pki: pki, other: other, folder: folder)
    }

    static func chainPEM(_ pki: DevPKI) throws -> [UInt8] {
        let device = try #require(pki.devices.first)
        let issuer = pki.deviceCA?.certificate.pemString ?? ""
        return Array((device.certificate.pemString + issuer).utf8)
    }

    static func keyPEM(_ pki: DevPKI) throws -> [UInt8] {
        Array(try #require(pki.devices.first).key.pemString.utf8)
    }

    /// TLSCERT into the RAM slot (SPWF01) or the only slot (SPWF04) of `slot` (`ca`, `cert`, `key`).
    static func store(_ host: TestHost, _ slot: String, _ bytes: [UInt8]) async throws {
        try await host.storeCredential(slot, bytes)
    }

    static func storeOK(_ host: TestHost, _ wire: Wire, _ slot: String, _ bytes: [UInt8]) async throws {
        try await store(host, slot, bytes)
        try await host.expect(wire.ok)
    }

    /// SOCKON to a TLS server on 127.0.0.1 that must carry `name`.
    static func openTLS(_ host: TestHost, _ wire: Wire, port: Int, name: String = "localhost") async throws {
        try await host.openTLS(wire, port: port, name: name, domainSlot: "domain")
    }

    static let handshakeWait = Duration.seconds(15)

    /// A ``rig()``, `openssl s_server` on its server certificate with `arguments(rig)`, and a module on Wi-Fi; all
    /// stopped and removed when `body` ends, however it ends.
    static func withServer(
        _ wire: Wire, _ arguments: (Rig) -> [String], _ body: (Rig, OpenSSLServer, TestHost) async throws -> Void
    ) async throws {
        let rig = try Self.rig()
        defer { rig.remove() }
        let server = try await OpenSSLServer.start(rig.server + arguments(rig), folder: rig.folder)
        defer { server.stop() }
        try await withHost(wire) { host in try await body(rig, server, host) }
    }

    @Test("a server with no TLS 1.2 (only 1.1, only 1.3): protocol version", arguments: Wire.both)
    func protocolVersion(wire: Wire) async throws {
        let rig = try Self.rig()
        defer { rig.remove() }
        // OpenSSL 3 refuses TLS 1.1 at its default security level; level 0 lets the server offer it.
        let old = try await OpenSSLServer.start(
            rig.server + ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], folder: rig.folder)
        defer { old.stop() }
        let new = try await OpenSSLServer.start(rig.server + ["-tls1_3"], folder: rig.folder)
        defer { new.stop() }
        try await withHost(wire) { host in
            try await Self.storeOK(host, wire, "ca", rig.rootPEM)
            for server in [old, new] {
                try await Self.openTLS(host, wire, port: server.port)
                try await host.expect(
                    wire.error(60, "TLS handshake failed: server has no TLS 1.2"), timeout: Self.handshakeWait)
            }
        }
    }

    @Test("the server's certificate: unknown CA, name mismatch, expired, not yet valid", arguments: Wire.both)
    func serverCertificate(wire: Wire) async throws {
        try await Self.withServer(wire, { _ in ["-tls1_2"] }) { rig, server, host in
            try await Self.storeOK(host, wire, "ca", Array(rig.other.root.certificate.pemString.utf8))
            try await Self.openTLS(host, wire, port: server.port)
            try await host.expect(wire.error(61, "TLS handshake failed: unknown CA"), timeout: Self.handshakeWait)

            try await Self.storeOK(host, wire, "ca", rig.rootPEM)
            try await Self.openTLS(host, wire, port: server.port, name: "broker.example.com")
            try await host.expect(wire.error(62, "TLS handshake failed: name mismatch"), timeout: Self.handshakeWait)

            // The module's clock two years on: the server's certificate (365 days) expired.
            let now = Int(Date().timeIntervalSince1970)
            try await host.send("AT+S.SETTIME=\(now + 2 * 365 * 86_400)\r")
            try await host.expect(wire.ok)
            try await Self.openTLS(host, wire, port: server.port)
            try await host.expect(
                wire.error(63, "TLS handshake failed: certificate expired"), timeout: Self.handshakeWait)

            // The clock ST's firmware falls back to when the application sets none (2016): not valid yet.
            try await host.send("AT+S.SETTIME=1453727657\r")
            try await host.expect(wire.ok)
            try await Self.openTLS(host, wire, port: server.port)
            try await host.expect(
                wire.error(64, "TLS handshake failed: certificate not yet valid"), timeout: Self.handshakeWait)

            // The right clock: it connects.
            try await host.send("AT+S.SETTIME=\(now)\r")
            try await host.expect(wire.ok)
            try await Self.openTLS(host, wire, port: server.port)
            try await host.expect(wire.opened(0), timeout: Self.handshakeWait)
        }
    }

    @Test("a server that requires a client certificate, and none is stored", arguments: Wire.both)
    func clientCertificateRequired(wire: Wire) async throws {
        try await Self.withServer(wire, { ["-tls1_2", "-Verify", "1", "-CAfile", $0.folder + "/ca.pem"] }) {
            rig, server, host in
            try await Self.storeOK(host, wire, "ca", rig.rootPEM)
            try await Self.openTLS(host, wire, port: server.port)
            try await host.expect(
                wire.error(65, "TLS handshake failed: client cert required"), timeout: Self.handshakeWait)
            // With the device's chain and key it connects.
            try await Self.storeOK(host, wire, "cert", try Self.chainPEM(rig.pki))
            try await Self.storeOK(host, wire, "key", try Self.keyPEM(rig.pki))
            try await Self.openTLS(host, wire, port: server.port)
            try await host.expect(wire.opened(0), timeout: Self.handshakeWait)
        }
    }

    @Test("mosquitto refuses a client certificate it does not trust", arguments: Wire.both)
    func clientCertificateRefused(wire: Wire) async throws {
        let rig = try Self.rig()
        defer { rig.remove() }
        let broker = try await MosquittoBroker.start(listenerLines: [
            "cafile \(rig.folder)/ca.pem", "certfile \(rig.folder)/server.pem", "keyfile \(rig.folder)/server.key",
            "require_certificate true", "tls_version tlsv1.2",
        ])
        defer { broker.stop() }
        try await withHost(wire) { host in
            try await Self.storeOK(host, wire, "ca", rig.rootPEM)
            try await Self.storeOK(host, wire, "cert", try Self.chainPEM(rig.other))
            try await Self.storeOK(host, wire, "key", try Self.keyPEM(rig.other))
            try await Self.openTLS(host, wire, port: broker.port)
            try await host.expect(
                wire.error(66, "TLS handshake failed: client cert refused"), timeout: Self.handshakeWait)
        }
    }

    @Test("a server that accepts and closes; one with no cipher in common", arguments: Wire.both)
    func serverClosedAndNoCommonCipher(wire: Wire) async throws {
        // RSA key exchange only, with an EC certificate: the server has nothing to offer (an alert before its
        // certificate, so not about the client's).
        try await Self.withServer(wire, { _ in ["-tls1_2", "-cipher", "AES128-SHA"] }) { rig, noCipher, host in
            try await withEchoPeers { peers in
                let closing = try await peers.sendAndClose([])
                try await Self.storeOK(host, wire, "ca", rig.rootPEM)
                try await Self.openTLS(host, wire, port: closing)
                try await host.expect(
                    wire.error(67, "TLS handshake failed: server closed"), timeout: Self.handshakeWait)
                try await Self.openTLS(host, wire, port: noCipher.port)
                try await host.expect(wire.error(22, "TLS handshake failed"), timeout: Self.handshakeWait)
            }
        }
    }

    @Test("a TLS socket without the credentials it needs", arguments: Wire.both)
    func credentialsMissing(wire: Wire) async throws {
        let rig = try Self.rig()
        defer { rig.remove() }
        try await withHostAndPeers(wire) { host, peers in
            let port = peers.tcpEchoPort
            try await Self.openTLS(host, wire, port: port)
            try await host.expect(wire.error(50, "TLS credentials missing: no CA"))
            try await Self.storeOK(host, wire, "ca", rig.rootPEM)
            try await Self.storeOK(host, wire, "cert", try Self.chainPEM(rig.pki))
            try await Self.openTLS(host, wire, port: port)
            try await host.expect(wire.error(51, "TLS credentials missing: no key for cert"))
            if wire.isSPWF01 {
                try await host.send("AT+S.TLSCERT2=clean,cert\r")
            } else {
                try await host.send("AT+S.TLSCERT=content,2\r")
                try await host.expect(wire.ok)
                try await Self.store(host, "ca", rig.rootPEM)
            }
            try await host.expect(wire.ok)
            try await Self.storeOK(host, wire, "key", try Self.keyPEM(rig.pki))
            try await Self.openTLS(host, wire, port: port)
            try await host.expect(wire.error(52, "TLS credentials missing: no cert for key"))
        }
    }

    /// An Ed25519 private key (PKCS#8): a key type the module does not handle.
    static let ed25519Key = Array(
        """
        -----BEGIN PRIVATE KEY-----
        MC4CAQAwBQYDK2VwBCIEIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g
        -----END PRIVATE KEY-----

        """.utf8)

    static let encryptedKey = Array(
        """
        -----BEGIN ENCRYPTED PRIVATE KEY-----
        MIIBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
        -----END ENCRYPTED PRIVATE KEY-----

        """.utf8)

    @Test("credentials refused at TLSCERT time, one line per cause", arguments: Wire.both)
    func credentialRejected(wire: Wire) async throws {
        let rig = try Self.rig()
        defer { rig.remove() }
        try await withHost(wire, joinWiFi: false) { host in
            let device = try #require(rig.pki.devices.first)

            try await Self.store(host, "ca", Array(repeating: 0x41, count: 4097))
            try await host.expect(wire.error(40, "Credential rejected: over slot capacity"))
            try await Self.store(host, "ca", Array("hello, not a certificate".utf8))
            try await host.expect(wire.error(41, "Credential rejected: not parsable"))
            try await Self.store(host, "ca", try Self.keyPEM(rig.pki))
            try await host.expect(wire.error(42, "Credential rejected: wrong object type"))
            try await Self.store(host, "key", Self.encryptedKey)
            try await host.expect(wire.error(43, "Credential rejected: encrypted key"))
            // The issuer first, then the leaf: out of order.
            let reversed = Array(
                ((try #require(rig.pki.deviceCA)).certificate.pemString + device.certificate.pemString).utf8)
            try await Self.store(host, "cert", reversed)
            try await host.expect(wire.error(44, "Credential rejected: chain out of order"))
            try await Self.storeOK(host, wire, "cert", try Self.chainPEM(rig.pki))
            try await Self.store(host, "key", try Self.keyPEM(rig.other))
            try await host.expect(wire.error(45, "Credential rejected: key does not match cert"))
            try await Self.store(host, "key", Self.ed25519Key)
            try await host.expect(wire.error(47, "Credential rejected: unsupported key type"))
            try await Self.store(host, "key", try Self.keyPEM(rig.other) + (try Self.keyPEM(rig.pki)))
            try await host.expect(wire.error(48, "Credential rejected: more than one key"))
            if wire.isSPWF01 {
                // SPWF01 only: SPWF04 has no TLSDOMAIN (the name is SOCKON's field), and no profile with one
                // certificate in cert.
                try await host.send("AT+S.TLSDOMAIN=domain,bad..name\r")
                try await host.expect(wire.error(49, "Credential rejected: invalid domain"))
                try await withHost(Wire(profile: .spwf01Legacy), joinWiFi: false) { legacy in
                    try await Self.store(legacy, "cert", try Self.chainPEM(rig.pki))
                    try await legacy.expect(wire.error(46, "Credential rejected: one certificate only"))
                }
            }
        }
    }

    @Test("the log line: the error's id, code and text, and the detail the host does not see")
    func logCarriesID() async throws {
        let wire = Wire.spwf04
        let rig = try Self.rig()
        defer { rig.remove() }
        let server = try await OpenSSLServer.start(rig.server + ["-tls1_2"], folder: rig.folder)
        defer { server.stop() }
        let lines = LogLines()
        let tracePath = rig.folder + "/trace.txt"
        let trace = try ModuleTrace(path: tracePath)
        try await withHost(
            wire, trace: trace,
            configure: {
                $0.logger = Logger(label: "test") { _ in CollectingLogHandler(lines: lines) }
            }
        ) { host in
            try await host.send("AT+S.NOSUCH\r")
            try await host.expect(wire.error(1, "Command not found"))
            try await Self.storeOK(host, wire, "ca", Array(rig.other.root.certificate.pemString.utf8))
            try await Self.openTLS(host, wire, port: server.port)
            try await host.expect(wire.error(61, "TLS handshake failed: unknown CA"), timeout: Self.handshakeWait)

            let logged = lines.all
            #expect(logged.first == "E1 1 Command not found", "\(logged)")
            let handshake = try #require(logged.last)
            #expect(handshake.hasPrefix("E2 61 TLS handshake failed: unknown CA -- "), "\(handshake)")
            #expect(handshake.contains("not issued by a CA in the ca slot"), "\(handshake)")
            // The trace has the same line as a note, right before the error line it explains.
            let transcript = try String(contentsOfFile: tracePath, encoding: .utf8).split(separator: "\n")
            let note = try #require(
                transcript.firstIndex { $0.hasSuffix(" note  " + EscapedBytes.text(Array(handshake.utf8))) })
            #expect(transcript[note + 1].hasSuffix("<mod  \"AT-S.ERROR:61:TLS handshake failed: unknown CA\\r\\n\""))
        }
    }

    @Test(
        "the host driver gets each failure as the catalogue's constant",
        arguments: [ModuleProfile.spwf01, .spwf04])
    func driverTypedErrors(profile: ModuleProfile) async throws {
        let rig = try Self.rig()
        defer { rig.remove() }
        let server = try await OpenSSLServer.start(rig.server + ["-tls1_2"], folder: rig.folder)
        defer { server.stop() }
        let module = try await DriverRig.start(profile)
        try await module.driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        func failure(_ body: () async throws -> Void) async -> ATError? {
            do {
                try await body()
            } catch let error as ModuleDriverError {
                return error.moduleError
            } catch {
                Issue.record("not a module error: \(error)")
            }
            return nil
        }
        let tls = ATSocketKind.tls(commonName: profile.dialect.family == .spwf04 ? "localhost" : nil)
        let open = { _ = try await module.driver.openSocket(host: "127.0.0.1", port: server.port, kind: tls) }
        #expect(await failure(open) == .credentialsMissingCA)
        #expect(
            await failure { try await module.driver.storeCredential(.ca, Array("not a CA".utf8)) }
                == .credentialUnparsable)
        try await module.driver.storeCredential(.ca, Array(rig.other.root.certificate.pemString.utf8))
        if profile.dialect.family == .spwf01 { try await module.driver.setTLSDomain("localhost") }
        let unknownCA = await failure(open)
        #expect(unknownCA == .tlsUnknownCA)
        #expect(unknownCA?.isHandshakeFailure == true)
        try await module.driver.storeCredential(.ca, rig.rootPEM)
        try await module.driver.setTime(secondsSince1970: 1_453_727_657)
        #expect(await failure(open) == .tlsCertificateNotYetValid)
        await module.stop()
    }

    @Test("the debug check of every error line refuses what is not a catalogue entry")
    func lineCheck() {
        for dialect in [ATDialect.spwf01, .spwf04] {
            let dump = ATError(code: 22, text: "TLS handshake failed: handshakeFailed(NIOSSL.BoringSSLError.sslError)")
            #expect(!ModuleEngine.errorLineProblems(dump, dialect.error(dump), dialect: dialect).isEmpty)
            let unknown = ATError(code: 99, text: "Something new")
            #expect(
                ModuleEngine.errorLineProblems(unknown, dialect.error(unknown), dialect: dialect)
                    == ["not in the catalogue"])
            for entry in ATError.catalogue {
                #expect(ModuleEngine.errorLineProblems(entry, dialect.error(entry), dialect: dialect).isEmpty)
            }
        }
    }
}

/// Log lines collected by a test.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// A log handler that keeps every message.
struct CollectingLogHandler: LogHandler {
    let lines: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.append(event.message.description)
    }
}
