import Foundation
import Testing
import UplinkModule

@Suite("Flash: AT&W survives the process, writes are atomic", .timeLimit(.minutes(1)))
struct FlashPersistenceTests {
    private func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "uplink-flash-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("A new module on the same flash folder has the saved configuration", arguments: Wire.both)
    func restart(wire: Wire) async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try await TestHost(profile: wire.profile, flash: try DirectoryFlash(path: folder + "/m"))
        try await first.expect(wire.boot)
        // Station mode off, so the saved SSID does not start a join (and WINDs) at the next boot.
        try await first.send(
            "AT+S.SCFG=wifi_channelnum,13\rAT+S.SSIDTXT=persist\rAT+S.SCFG=wifi_mode,0\rAT&W\rAT+S.SCFG=blink_led,0\r")
        try await first.expect(wire.ok + wire.ok + wire.ok + wire.ok + wire.ok)
        await first.shutdown()

        let info = try FileManager.default.attributesOfItem(atPath: folder + "/m/config")
        #expect((info[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let second = try await TestHost(profile: wire.profile, flash: try DirectoryFlash(path: folder + "/m"))
        defer { Task { await second.shutdown() } }
        try await second.expect(wire.boot)
        try await second.send("AT+S.GCFG=wifi_channelnum\rAT+S.SSIDTXT\rAT+S.GCFG=blink_led\r")
        try await second.expect(
            wire.variable("wifi_channelnum", "13") + wire.ok + wire.variable("ssidtxt", "persist") + wire.ok
                + wire.variable("blink_led", "1") + wire.ok)
    }

    @Test("A corrupt or half-written file never breaks boot")
    func corruptFiles() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let flash = try DirectoryFlash(path: folder)
        try flash.write("config", Array("uplink-config 1\nwifi_channelnum=99\nbogus=1\nblink_led=0\nno equals\n".utf8))
        // A temporary file from a write that crashed before its rename is ignored.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: folder + "/config.tmp-1"))
        let host = try await TestHost(profile: .spwf01, flash: flash)
        try await host.expect(Wire.spwf01.boot)
        try await host.send("AT+S.GCFG=wifi_channelnum\rAT+S.GCFG=blink_led\r")
        try await host.expect(
            Wire.spwf01.variable("wifi_channelnum", "6") + Wire.spwf01.ok + Wire.spwf01.variable("blink_led", "0")
                + Wire.spwf01.ok)
        await host.shutdown()

        try flash.write("config", [0xFF, 0x00, 0x13])
        let again = try await TestHost(profile: .spwf01, flash: flash)
        defer { Task { await again.shutdown() } }
        try await again.expect(Wire.spwf01.boot)
        try await again.send("AT+S.GCFG=blink_led\r")
        try await again.expect(Wire.spwf01.variable("blink_led", "1") + Wire.spwf01.ok)
    }

    @Test("A write replaces the file by rename, never rewrites it in place")
    func replaceByRename() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let flash = try DirectoryFlash(path: folder)
        try flash.write("config", Array("old".utf8))
        // Hold the old file open: an in-place rewrite would change what this descriptor reads.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: folder + "/config"))
        defer { try? handle.close() }
        var before = stat()
        stat(folder + "/config", &before)
        try flash.write("config", Array("new and longer".utf8))
        var after = stat()
        stat(folder + "/config", &after)
        #expect(before.st_ino != after.st_ino)
        #expect(try handle.readToEnd() == Data("old".utf8))
        #expect(try flash.read("config") == Array("new and longer".utf8))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0 != "config" }
        #expect(leftovers.isEmpty)
    }
}
