import ATCodec
import Foundation
import Testing
import UplinkCredentials
import UplinkDriver
import UplinkModule
import UplinkTestSupport

/// The host driver's file methods against the module on a real pty, and an SPWF04 TLS socket whose credentials
/// were loaded from files of the module's volume.
@Suite("Files: the host driver over a pty, and TLSCERT from a file", .serialized, .timeLimit(.minutes(2)))
struct FileDriverTests {
    @Test(
        "create, append, list, read (whole and a range), rename, delete; errors come back",
        arguments: DriverTests.profiles)
    func driverRoundTrip(profile: ModuleProfile) async throws {
        let rig = try await DriverRig.start(profile)
        let spwf04 = profile.dialect.family == .spwf04
        let name = spwf04 ? "data.bin" : "/data.bin"
        // Bytes that look like replies and WINDs, longer than one read or write of the driver.
        var contents = (0..<2000).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) }
        let lookalike = Array("\r\nOK\r\n+WIND:55:x\r\nAT-S.OK".utf8)
        contents.replaceSubrange(0..<lookalike.count, with: lookalike)
        if spwf04 {
            try await rig.driver.createFile(name, contents: contents)
        } else {
            // SPWF01: FSC allocates the final size; FSA fills it in two goes.
            try await rig.driver.createFile(name, contents: Array(contents.prefix(1500)))
        }
        let listed = try await rig.driver.listFiles()
        #expect(listed == [ATFileEntry(name: name, size: spwf04 ? 2000 : 1500)], "\(listed)")
        if spwf04 {
            #expect(try await rig.driver.readFile(name) == contents)
        } else {
            // What FSC allocated is full: an append is refused with the module's error.
            await #expect(throws: ModuleDriverError.self) { try await rig.driver.appendFile(name, [1]) }
            #expect(try await rig.driver.readFile(name) == Array(contents.prefix(1500)))
        }
        #expect(try await rig.driver.readFile(name, offset: 100, count: 50) == Array(contents[100..<150]))
        try await rig.driver.createFile(spwf04 ? "small" : "/small", contents: Array("tiny".utf8))
        try await rig.driver.appendFile(spwf04 ? "small" : "/small", [])
        if spwf04 {
            try await rig.driver.appendFile("small", Array("+more".utf8))
            try await rig.driver.renameFile("small", to: "renamed")
            #expect(try await rig.driver.readFile("renamed") == Array("tiny+more".utf8))
        } else {
            await #expect(throws: ModuleDriverError.self) { try await rig.driver.renameFile("/small", to: "/x") }
        }
        do {
            _ = try await rig.driver.readFile(name, offset: 5000, count: 1)
            Issue.record("a range past the end was read")
        } catch let error as ModuleDriverError {
            #expect(error.moduleError == .fileRangeInvalid)
        }
        try await rig.driver.deleteFile(name)
        do {
            try await rig.driver.deleteFile(name)
            Issue.record("a missing file was deleted")
        } catch let error as ModuleDriverError {
            #expect(error.moduleError == .fileNotFound)
        }
        #expect(try await rig.driver.listFiles().map(\.name) == [spwf04 ? "renamed" : "/small"])
        // The link is still in step.
        #expect(try await rig.driver.configurationValue("wifi_mode") == "1")
        await rig.stop()
    }

    @Test("SPWF04: CA, device chain and key written as files, loaded with TLSCERT=<slot>,<file>; MQTT CONNACK over TLS")
    func tlsFromFiles() async throws {
        let wire = Wire.spwf04
        let rig = try await TLSSocketTests.rig()
        defer { rig.broker.stop() }
        let host = try await TestHost(profile: wire.profile)
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.joinWiFi()
        let device = try #require(rig.pki.devices.first)
        let files: [(String, [UInt8])] = [
            ("ca.pem", Array(rig.pki.root.certificate.pemString.utf8)),
            ("device.pem", try TLSSocketTests.chainPEM(rig.pki)),
            ("device.key", Array(device.key.pemString.utf8)),
        ]
        for (name, bytes) in files {
            try await host.send("AT+S.FSC=\(name),\(bytes.count)\r")
            try await host.send(bytes: bytes)
            try await host.expect(wire.ok)
        }
        // A missing file, and a file that holds no certificate, are refused.
        try await host.send("AT+S.TLSCERT=ca,none.pem\r")
        try await host.expect(wire.error(80, "File not found"))
        try await host.send("AT+S.FSC=junk.txt,4\rjunk")
        try await host.expect(wire.ok)
        try await host.send("AT+S.TLSCERT=ca,junk.txt\r")
        try await host.expect(wire.error(41, "Credential rejected: not parsable"))
        for (slot, name) in [("ca", "ca.pem"), ("cert", "device.pem"), ("key", "device.key")] {
            try await host.send("AT+S.TLSCERT=\(slot),\(name)\r")
            try await host.expect(wire.ok)
        }
        try await host.send("AT+S.TLSCERT=content,1\r")
        let listing = try await host.read(through: wire.ok)
        #expect(listing.contains("AT-S.Var:ca=\(files[0].1.count)\r\n"))
        try await host.send("AT+S.SOCKON=127.0.0.1,\(rig.broker.port),NULL,localhost\r")
        try await host.expect(wire.opened(0), timeout: .seconds(10))
        try await host.send("AT+S.SOCKW=0,\(TLSSocketTests.connect.count)\r")
        try await host.send(bytes: TLSSocketTests.connect)
        try await host.expect(wire.ok)
        try await host.expect(wire.pending(0, received: 4, unread: 4), timeout: .seconds(10))
        try await host.send("AT+S.SOCKR=0,4\r")
        try await host.expect("AT-S.Reading:4:4\r\n")
        #expect(try await host.next(4) == [0x20, 0x02, 0x00, 0x00])
        try await host.expect(wire.ok)
    }

    @Test("SPWF04 driver: a credential slot loaded from a file; SPWF01 refuses before sending")
    func driverCredentialFromFile() async throws {
        let pki = try DevPKI.generate(DevPKI.Options())
        let ca = Array(pki.root.certificate.pemString.utf8)
        let four = try await DriverRig.start(.spwf04)
        try await four.driver.createFile("root.pem", contents: ca)
        try await four.driver.storeCredential(.ca, fromFile: "root.pem")
        let content = try await four.driver.send(
            ATDialect.spwf04.credentialContentCommand ?? ATDialect.spwf04.fileListCommand)
        #expect(content.lines.contains(.variable(name: "ca", value: String(ca.count))))
        await four.stop()
        let one = try await DriverRig.start(.spwf01)
        await #expect(throws: ModuleDriverError.self) {
            try await one.driver.storeCredential(.ca, fromFile: "/root.pem")
        }
        await one.stop()
    }
}
