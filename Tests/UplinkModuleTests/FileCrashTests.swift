import Foundation
import Testing
import UplinkModule

/// `uplink module --flash` killed with SIGKILL at random moments while a host rewrites a file (FSD, FSC, FSA): the
/// volume on disk always reads back whole, and the file is in one of the states the commands pass through (the
/// old contents, gone, empty, the new contents) — never torn.
@Suite("Files: SIGKILL mid-write leaves a whole volume", .serialized, .timeLimit(.minutes(3)))
struct FileCrashTests {
    static let loops = 20

    @Test("FSD + FSC + FSA of a 3,000-byte file killed at random moments, 20 times")
    func rewriteKilled() async throws {
        let flash = NSTemporaryDirectory() + "uplink-files-crash-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: flash, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: flash) }
        let versions = [[UInt8](repeating: 0x61, count: 3000), [UInt8](repeating: 0x62, count: 3000)]
        func file() throws -> [UInt8]? {
            let image = FileManager.default.contents(atPath: flash + "/" + ModuleFileSystem.flashName).map { Array($0) }
            guard let image else { return nil }
            let volume = try #require(ModuleFileSystem.decode(image, limits: .spwf01), "a torn volume image")
            return volume.file(named: "/f")?.bytes
        }
        var counts = (old: 0, new: 0, between: 0)
        for round in 0..<Self.loops {
            let module = try await ModuleProcess.start(["--flash", flash])
            let before = try file()
            let next = before == versions[0] ? versions[1] : versions[0]
            module.host.write("AT+S.FSD=/f\rAT+S.FSC=/f,3000\rAT+S.FSA=/f,3000\r")
            module.host.write(bytes: next)
            try await Task.sleep(for: .microseconds(Int.random(in: 0...20_000)))
            module.kill()
            try? FileManager.default.removeItem(atPath: module.logPath)
            let after = try file()
            let allowed: [[UInt8]?] = [before, nil, [], next]
            #expect(allowed.contains { $0 == after }, "round \(round): \(after.map { $0.count } ?? -1) bytes")
            if after == before {
                counts.old += 1
            } else if after == next {
                counts.new += 1
            } else {
                counts.between += 1
            }
        }
        #expect(counts.new > 0, "no kill came after a whole rewrite: the loop tested nothing")
        // A clean start reads the volume and removes what the kills left.
        let last = try await ModuleProcess.start(["--flash", flash])
        last.host.write("AT+S.FSL\r")
        let listing = String(decoding: try await last.host.read(through: "OK\r\n", timeout: 10), as: UTF8.self)
        #expect(listing.contains("/f") == (try file() != nil))
        await last.stop()
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: flash).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
