import Foundation
import Testing
import UplinkCredentials
import UplinkModule

/// `uplink module` killed with SIGKILL in the middle of AT&W and of AT+S.TLSCERT to a flash slot, many times at
/// random moments: the flash file always holds the old contents or the new, whole — never a mix, never empty.
@Suite("Flash: SIGKILL mid-write leaves old or new contents", .serialized)
struct FlashCrashTests {
    static let loops = 30

    private func folder() throws -> String {
        let path = NSTemporaryDirectory() + "uplink-crash-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func contents(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { Array($0) }
    }

    /// Runs `loops` kills. `write(host, value)` sends the command that saves `value`; `expected` are the two
    /// possible contents of `file`, alternated.
    private func killLoop(
        flash: String, file: String, values: [String], expected: [[UInt8]],
        write: (SerialHostPort, String) -> Void
    ) async throws -> (old: Int, new: Int) {
        var counts = (old: 0, new: 0)
        for round in 0..<Self.loops {
            let module = try await ModuleProcess.start(["--flash", flash])
            let before = contents(flash + "/" + file)
            let index = before == expected[0] ? 1 : 0
            write(module.host, values[index])
            // Random moments: before the command is read, during the write and fsync, after the rename.
            try await Task.sleep(for: .microseconds(Int.random(in: 0...15_000)))
            module.kill()
            try? FileManager.default.removeItem(atPath: module.logPath)
            let after = contents(flash + "/" + file)
            #expect(
                after == expected[0] || after == expected[1], "round \(round): \(after.map { $0.count } ?? -1) bytes")
            if after == before { counts.old += 1 } else { counts.new += 1 }
        }
        // A clean start removes what the kills left; then nothing but the blobs remains.
        let last = try await ModuleProcess.start(["--flash", flash])
        await last.stop()
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: flash).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        return counts
    }

    @Test("AT&W killed at random moments, 30 times")
    func saveConfiguration() async throws {
        let flash = try folder()
        defer { try? FileManager.default.removeItem(atPath: flash) }
        let values = [String(repeating: "a", count: 32), "b"]
        let seed = try await ModuleProcess.start(["--flash", flash])
        seed.host.write("AT+S.SCFG=ip_hostname,\(values[0])\rAT&W\r")
        for _ in 0..<2 { _ = try await seed.host.read(through: "OK\r\n", timeout: 10) }
        await seed.stop()
        let expected = [contents(flash + "/config") ?? [], []]
        // The second contents: the same with the other name, read back from a clean save.
        let probe = try folder()
        defer { try? FileManager.default.removeItem(atPath: probe) }
        let other = try await ModuleProcess.start(["--flash", probe])
        other.host.write("AT+S.SCFG=ip_hostname,\(values[1])\rAT&W\r")
        for _ in 0..<2 { _ = try await other.host.read(through: "OK\r\n", timeout: 10) }
        await other.stop()
        let both = [expected[0], contents(probe + "/config") ?? []]
        #expect(both[0] != both[1] && !both[1].isEmpty)
        let counts = try await killLoop(flash: flash, file: "config", values: values, expected: both) { host, value in
            host.write("AT+S.SCFG=ip_hostname,\(value)\rAT&W\r")
        }
        #expect(counts.new > 0, "no kill came after a save: the loop tested nothing")
    }

    @Test("AT+S.TLSCERT to a flash slot killed at random moments, 30 times")
    func storeCertificate() async throws {
        let flash = try folder()
        defer { try? FileManager.default.removeItem(atPath: flash) }
        let certificates = try (0..<2).map { _ in
            let pki = try DevPKI.generate(DevPKI.Options())
            return pki.files.first { $0.name == "ca.pem" }?.contents ?? []
        }
        #expect(certificates.allSatisfy { !$0.isEmpty } && certificates[0] != certificates[1])
        let seed = try await ModuleProcess.start(["--flash", flash])
        seed.host.write("AT+S.TLSCERT=f_ca,\(certificates[0].count)\r")
        seed.host.write(bytes: certificates[0])
        _ = try await seed.host.read(through: "OK\r\n", timeout: 10)
        await seed.stop()
        #expect(contents(flash + "/tls.ca") == certificates[0])
        let counts = try await killLoop(flash: flash, file: "tls.ca", values: ["0", "1"], expected: certificates) {
            host, value in
            let certificate = certificates[Int(value) ?? 0]
            host.write("AT+S.TLSCERT=f_ca,\(certificate.count)\r")
            host.write(bytes: certificate)
        }
        #expect(counts.new > 0, "no kill came after a store: the loop tested nothing")
    }
}
