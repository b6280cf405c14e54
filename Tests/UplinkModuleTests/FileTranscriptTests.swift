import Foundation
import Testing
import UplinkCredentials
import UplinkModule

/// The file system commands byte for byte in each dialect (docs/at-commands.md, "Files"): what each command
/// answers, what bad input gets, and that files outlive a reset and a restart of the module.
@Suite("Files: FSC, FSA, FSD, FSL, FSP, FSR, FSU — exact bytes", .timeLimit(.minutes(2)))
struct FileTranscriptTests {
    private func booted(_ wire: Wire, flash: any Flash = MemoryFlash()) async throws -> TestHost {
        let host = try await TestHost(profile: wire.profile, flash: flash) { $0.blockTimeout = .milliseconds(500) }
        try await host.expect(wire.boot)
        return host
    }

    /// Creates `name` holding `text`: SPWF01 FSC (allocating `capacity`) then FSA; SPWF04 FSC with the bytes.
    private func create(_ host: TestHost, _ wire: Wire, _ name: String, _ text: String, capacity: Int? = nil)
        async throws
    {
        if wire.isSPWF01 {
            try await host.send("AT+S.FSC=\(name),\(capacity ?? max(1, text.utf8.count))\r")
            try await host.expect(wire.ok)
            try await host.send("AT+S.FSA=\(name),\(text.utf8.count)\r\(text)")
        } else {
            try await host.send("AT+S.FSC=\(name),\(text.utf8.count)\r\(text)")
        }
        try await host.expect(wire.ok)
    }

    private func listLine(_ wire: Wire, _ name: String, _ size: Int) -> String {
        wire.isSPWF01 ? "D \(size) \(name)\r\n" : "AT-S.File:1:\(size):\(name)\r\n"
    }

    @Test("SPWF01: FSC allocates, FSA appends, FSL lists, FSP prints (all, or a range), FSD deletes")
    func spwf01RoundTrip() async throws {
        let wire = Wire.spwf01
        let host = try await booted(wire)
        defer { Task { await host.shutdown() } }
        try await host.send("AT+S.FSC=/index.html,16\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.FSL\r")
        try await host.expect("D 0 /index.html\r\n" + wire.ok)
        try await host.send("AT+S.FSA=/index.html,5\rhello")
        try await host.expect(wire.ok)
        // Bytes that look like replies are data.
        try await host.send("AT+S.FSA=/index.html,6\r\r\nOK\r\n")
        try await host.expect(wire.ok)
        try await host.send("AT+S.FSL\r")
        try await host.expect("D 11 /index.html\r\n" + wire.ok)
        try await host.send("AT+S.FSP=/index.html\r")
        try await host.expect("hello\r\nOK\r\n" + wire.ok)
        try await host.send("AT+S.FSP=/index.html,1,3\r")
        try await host.expect("ell" + wire.ok)
        try await host.send("AT+S.FSD=/index.html\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.FSL\r")
        try await host.expect(wire.ok)
        #expect(try await host.drain() == "")
    }

    @Test("SPWF04: FSC creates then appends, FSL (all or one), FSP with a range, FSR renames, FSU erases")
    func spwf04RoundTrip() async throws {
        let wire = Wire.spwf04
        let host = try await booted(wire)
        defer { Task { await host.shutdown() } }
        try await host.send("AT+S.FSC=ca.pem,5\rhello")
        try await host.expect(wire.ok)
        try await host.send("AT+S.FSC=ca.pem,3\rabc")
        try await host.expect(wire.ok)
        try await create(host, wire, "other", "x")
        try await host.send("AT+S.FSL\r")
        try await host.expect("AT-S.File:1:8:ca.pem\r\nAT-S.File:1:1:other\r\n" + wire.ok)
        try await host.send("AT+S.FSL=other\r")
        try await host.expect("AT-S.File:1:1:other\r\n" + wire.ok)
        try await host.send("AT+S.FSP=ca.pem,2,4\r")
        try await host.expect("AT-S.Reading:4:8\r\nlloa" + wire.ok)
        try await host.send("AT+S.FSP=ca.pem,0,8\r")
        try await host.expect("AT-S.Reading:8:8\r\nhelloabc" + wire.ok)
        try await host.send("AT+S.FSR=ca.pem,root.pem\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.FSL\r")
        try await host.expect("AT-S.File:1:8:root.pem\r\nAT-S.File:1:1:other\r\n" + wire.ok)
        try await host.send("AT+S.FSD=other\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.FSU\r")
        try await host.expect(wire.ok)
        try await host.send("AT+S.FSL\r")
        try await host.expect(wire.ok)
        #expect(try await host.drain() == "")
    }

    @Test("missing files, existing names and bad names get their catalogue errors", arguments: Wire.both)
    func badNames(wire: Wire) async throws {
        let host = try await booted(wire)
        defer { Task { await host.shutdown() } }
        let notFound = wire.error(80, "File not found")
        try await host.send("AT+S.FSD=/none\r")
        try await host.expect(notFound)
        try await host.send(wire.isSPWF01 ? "AT+S.FSP=/none\r" : "AT+S.FSP=/none,0,1\r")
        try await host.expect(notFound)
        if wire.isSPWF01 {
            // The block is read even though the file is missing: its bytes never run as a command.
            try await host.send("AT+S.FSA=/none,4\rAT\r\r")
            try await host.expect(notFound)
        } else {
            try await host.send("AT+S.FSL=none\r")
            try await host.expect(notFound)
            try await host.send("AT+S.FSR=none,other\r")
            try await host.expect(notFound)
        }
        let badName = wire.error(83, "Invalid file name")
        let long = "/" + String(repeating: "n", count: wire.isSPWF01 ? 32 : 64)
        for name in ["/with space", long] {
            if wire.isSPWF01 {
                try await host.send("AT+S.FSC=\(name),4\r")
            } else {
                try await host.send("AT+S.FSC=\(name),4\rdata")
            }
            try await host.expect(badName)
        }
        try await host.send("AT+S.FSD=\r")
        try await host.expect(badName)
        try await create(host, wire, "/a", "one")
        try await create(host, wire, "/b", "two")
        let exists = wire.error(81, "File already exists")
        if wire.isSPWF01 {
            try await host.send("AT+S.FSC=/a,4\r")
        } else {
            try await host.send("AT+S.FSR=/a,/b\r")
        }
        try await host.expect(exists)
        try await host.send("AT+S.FSL\r")
        try await host.expect(listLine(wire, "/a", 3) + listLine(wire, "/b", 3) + wire.ok)
        #expect(try await host.drain() == "")
    }

    @Test("too big, flash full, and ranges past the end are refused; the files stay as they were", arguments: Wire.both)
    func limits(wire: Wire) async throws {
        let host = try await booted(wire)
        defer { Task { await host.shutdown() } }
        let tooLarge = wire.error(82, "File too large")
        let maximum = wire.isSPWF01 ? 4096 : 16_384
        if wire.isSPWF01 {
            try await host.send("AT+S.FSC=/big,4097\r")
            try await host.expect(tooLarge)
            // Past what FSC allocated.
            try await host.send("AT+S.FSC=/small,4\r")
            try await host.expect(wire.ok)
            try await host.send("AT+S.FSA=/small,5\r12345")
            try await host.expect(tooLarge)
        } else {
            // A block longer than a file may be is refused at once, before any byte is read.
            try await host.send("AT+S.FSC=big,16385\r")
            try await host.expect(wire.error(3, "Invalid arguments"))
            try await host.send("AT+S.FSC=small,4\r1234")
            try await host.expect(wire.ok)
            try await host.send("AT+S.FSC=small,\(maximum - 3)\r" + String(repeating: "z", count: maximum - 3))
            try await host.expect(tooLarge)
        }
        try await host.send(wire.isSPWF01 ? "AT+S.FSP=/small,0,5\r" : "AT+S.FSP=small,0,5\r")
        try await host.expect(wire.error(85, "Offset past end of file"))
        try await host.send(wire.isSPWF01 ? "AT+S.FSP=/small,5,1\r" : "AT+S.FSP=small,5,1\r")
        try await host.expect(wire.error(85, "Offset past end of file"))
        if !wire.isSPWF01 {
            try await host.send("AT+S.FSP=small\r")
            try await host.expect(wire.error(3, "Invalid arguments"))
        }
        try await host.send(wire.isSPWF01 ? "AT+S.FSD=/small\r" : "AT+S.FSD=small\r")
        try await host.expect(wire.ok)
        // Fill the volume with full-size files: 8 of them, then no room.
        let full = wire.error(84, "File system full")
        let block = String(repeating: "f", count: maximum)
        for index in 0..<8 {
            if wire.isSPWF01 {
                try await host.send("AT+S.FSC=/f\(index),\(maximum)\r")
            } else {
                try await host.send("AT+S.FSC=f\(index),\(maximum)\r\(block)")
            }
            try await host.expect(wire.ok)
        }
        if wire.isSPWF01 {
            try await host.send("AT+S.FSC=/f8,1\r")
        } else {
            try await host.send("AT+S.FSC=f8,1\rx")
        }
        try await host.expect(full)
        try await host.send("AT+S.FSL\r")
        let listing = try await host.read(through: wire.ok)
        #expect(
            listing.components(separatedBy: "\r\n").filter { !$0.isEmpty && $0 != "OK" && $0 != "AT-S.OK" }.count == 8)
        #expect(!listing.contains("f8"))
        // The number of files is bounded too.
        for index in 0..<8 { try await host.send(wire.isSPWF01 ? "AT+S.FSD=/f\(index)\r" : "AT+S.FSD=f\(index)\r") }
        for _ in 0..<8 { try await host.expect(wire.ok) }
        let count = wire.isSPWF01 ? 16 : 32
        for index in 0..<count { try await create(host, wire, "/n\(index)", "n") }
        if wire.isSPWF01 {
            try await host.send("AT+S.FSC=/extra,1\r")
        } else {
            try await host.send("AT+S.FSC=/extra,1\rx")
        }
        try await host.expect(full)
        #expect(try await host.drain() == "")
    }

    @Test("a block shorter than announced times out and the file keeps its contents", arguments: Wire.both)
    func lengthMismatch(wire: Wire) async throws {
        let host = try await booted(wire)
        defer { Task { await host.shutdown() } }
        try await create(host, wire, "/log", "abc", capacity: 64)
        try await host.send(wire.isSPWF01 ? "AT+S.FSA=/log,10\rxyz" : "AT+S.FSC=/log,10\rxyz")
        try await host.expect(wire.error(9, "Data timeout"), timeout: .seconds(10))
        try await host.send(wire.isSPWF01 ? "AT+S.FSP=/log\r" : "AT+S.FSP=/log,0,3\r")
        try await host.expect((wire.isSPWF01 ? "" : "AT-S.Reading:3:3\r\n") + "abc" + wire.ok)
    }

    @Test("files survive a reset (AT+CFUN=1 / AT+S.RESET)", arguments: Wire.both)
    func survivesReset(wire: Wire) async throws {
        let host = try await booted(wire)
        defer { Task { await host.shutdown() } }
        try await create(host, wire, "/keep.txt", "kept across reset")
        try await host.send(wire.resetCommand + "\r")
        try await host.expect(wire.wind(2, "Reset") + wire.boot)
        try await host.send("AT+S.FSL\r")
        try await host.expect(listLine(wire, "/keep.txt", 17) + wire.ok)
        try await host.send(wire.isSPWF01 ? "AT+S.FSP=/keep.txt\r" : "AT+S.FSP=/keep.txt,0,17\r")
        try await host.expect((wire.isSPWF01 ? "" : "AT-S.Reading:17:17\r\n") + "kept across reset" + wire.ok)
    }

    @Test("files in a flash folder survive a restart of the module", arguments: Wire.both)
    func survivesRestart(wire: Wire) async throws {
        let folder = NSTemporaryDirectory() + "uplink-files-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try await booted(wire, flash: try DirectoryFlash(path: folder))
        try await create(first, wire, "/a.bin", "\u{1}\u{2}binary\r\n")
        try await create(first, wire, "/b", "second")
        try await first.send(wire.isSPWF01 ? "AT+S.FSD=/b\r" : "AT+S.FSR=/b,/c\r")
        try await first.expect(wire.ok)
        await first.shutdown()
        let second = try await booted(wire, flash: try DirectoryFlash(path: folder))
        defer { Task { await second.shutdown() } }
        try await second.send("AT+S.FSL\r")
        try await second.expect(
            listLine(wire, "/a.bin", 10) + (wire.isSPWF01 ? "" : listLine(wire, "/c", 6)) + wire.ok)
        try await second.send("AT+S.FSP=/a.bin,0,10\r")
        try await second.expect((wire.isSPWF01 ? "" : "AT-S.Reading:10:10\r\n") + "\u{1}\u{2}binary\r\n" + wire.ok)
    }

    @Test("a private key in a file (PEM or DER) is hidden in the trace, both ways; other file data is traced")
    func keysHiddenInTrace() async throws {
        let wire = Wire.spwf04
        let path = NSTemporaryDirectory() + "uplink-files-trace-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let host = try await TestHost(profile: wire.profile, trace: try ModuleTrace(path: path))
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        let key = try CredentialKey.generate(.ecP256)
        let pem = Array(key.pemString.utf8)
        let der = try key.derBytes(key.format)
        let plain = Array("plain file data, not secret".utf8)
        for (name, bytes) in [("k.pem", pem), ("k.der", der), ("plain", plain)] {
            try await host.send("AT+S.FSC=\(name),\(bytes.count)\r")
            try await host.send(bytes: bytes)
            try await host.expect(wire.ok)
            try await host.send("AT+S.FSP=\(name),0,\(bytes.count)\r")
            try await host.expect("AT-S.Reading:\(bytes.count):\(bytes.count)\r\n")
            #expect(try await host.next(bytes.count) == bytes)
            try await host.expect(wire.ok)
        }
        let trace = try String(contentsOfFile: path, encoding: .utf8)
        func hex(_ bytes: ArraySlice<UInt8>) -> String { bytes.map { String(format: " %02x", $0) }.joined() }
        #expect(!trace.contains(hex(pem[40..<60])))
        #expect(!trace.contains(hex(der[8..<28])))
        #expect(trace.components(separatedBy: "redacted").count - 1 == 4)
        #expect(trace.components(separatedBy: hex(plain[...])).count - 1 == 2)
    }

}
