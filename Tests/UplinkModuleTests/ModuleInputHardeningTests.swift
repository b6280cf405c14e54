import Foundation
import NIOCore
import Testing
import UplinkModule
import UplinkTestSupport

/// Input from outside the host link: the --networks file, the --listen address, a resolver's answer.
@Suite("Module inputs: networks file, --listen, empty lookups")
struct ModuleInputHardeningTests {
    private func networksFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "uplink-networks-\(UUID().uuidString).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("A networks entry that would forge AT lines, or a bad BSSID, is refused naming its line")
    func networksValidated() throws {
        let cases: [(json: String, line: Int, words: String)] = [
            ("[\n  {\"ssid\": \"lab\"},\n  {\"ssid\": \"evil\\r\\nOK\"}\n]", 3, "control byte 0x0D"),
            ("[{\"ssid\": \"lab\"},\n\n {\"ssid\": \"x\", \"bssid\": \"02:00:00:00:00:0\\r\"}]", 3, "bssid"),
            ("[{\"ssid\": \"a\\u0000b\"}]", 1, "control byte 0x00"),
            ("[{\"ssid\": \"lab\", \"bssid\": \"02:00:00:00:00\"}]", 1, "six hex octets"),
            ("[{\"ssid\": \"lab\", \"bssid\": \"02:00:00:00:00:0g\"}]", 1, "six hex octets"),
            ("[{\"ssid\": \"lab\"},\n{\"ssid\": \"tab\\there\"}]", 2, "control byte 0x09"),
            ("[{\"ssid\": \"del\\u007f\"}]", 1, "control byte 0x7F"),
            ("[\n{\"ssid\": \"lab\", \"channel\": 15}]", 2, "channel"),
            ("[\n{\"ssid\": \"lab\", \"rssi\": 5}]", 2, "rssi"),
            ("[{\"ssid\": \"{[ok]}\"},\n{\"ssid\": \"\"}]", 2, "1 to 32 bytes"),
        ]
        for item in cases {
            let path = try networksFile(item.json)
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                _ = try WiFiNetwork.load(path: path)
                Issue.record("accepted: \(item.json)")
            } catch let error as NetworksFileError {
                #expect(error.line == item.line, "\(item.json): \(error)")
                #expect(error.description.contains("line \(item.line)"), "\(error)")
                #expect(error.description.contains(item.words), "\(error)")
            }
        }
        // Fine entries stay fine: spaces, quotes and UTF-8 in SSIDs, any case in BSSIDs.
        let good = try networksFile(
            #"[{"ssid": "Bob's café \"5G\"", "bssid": "0A:bc:00:00:00:05", "channel": 14, "rssi": -127}]"#)
        defer { try? FileManager.default.removeItem(atPath: good) }
        #expect(try WiFiNetwork.load(path: good).first?.ssid == "Bob's café \"5G\"")
    }

    @Test("uplink module --networks with a forged SSID: exit 64, the file and line named")
    func networksThroughTheCommand() async throws {
        let path = try networksFile("[\n{\"ssid\": \"lab\\r\\n+WIND:24:WiFi Up:1.2.3.4\"}]")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try await UplinkExecutable.run(["module", "--volatile", "--networks", path], timeout: 30)
        #expect(run.status == 64, "\(run.output)")
        #expect(run.output.contains("line 2"), "\(run.output)")
        #expect(run.output.contains(path), "\(run.output)")
    }

    @Test("--listen on a non-loopback address needs --allow-remote, and says why")
    func listenRemote() async throws {
        for address in ["0.0.0.0:0", "[::]:0", "192.0.2.1:7000", "example.com:7000", ":7000"] {
            let run = try await UplinkExecutable.run(["module", "--volatile", "--listen", address], timeout: 30)
            #expect(run.status == 64, "\(address): \(run.output)")
            #expect(run.output.contains("--allow-remote"), "\(address): \(run.output)")
            #expect(run.output.contains("no authentication"), "\(address): \(run.output)")
        }
        let alone = try await UplinkExecutable.run(["module", "--volatile", "--allow-remote"], timeout: 30)
        #expect(alone.status == 64, "\(alone.output)")
        // Loopback needs nothing; a remote address with --allow-remote starts (both stopped at once).
        for arguments in [
            ["--listen", "127.0.0.1:0"], ["--listen", "[::1]:0"], ["--listen", "0.0.0.0:0", "--allow-remote"],
        ] {
            let log = NSTemporaryDirectory() + "uplink-listen-\(UUID().uuidString).log"
            defer { try? FileManager.default.removeItem(atPath: log) }
            let child = try ChildProcess(
                path: UplinkExecutable.path(), arguments: ["module", "--volatile"] + arguments, outputPath: log)
            let deadline = ContinuousClock.now + .seconds(20)
            var text = ""
            while child.isRunning && ContinuousClock.now < deadline && !text.contains("Ctrl-C") {
                try await Task.sleep(for: .milliseconds(20))
                text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            }
            #expect(child.isRunning, "\(arguments): \(text)")
            await child.stop()
        }
    }

    /// A resolver that answers every name with no address at all.
    struct EmptyResolver: HostResolver {
        func resolveIPv4(_ name: String, on eventLoop: any EventLoop) -> EventLoopFuture<[IPv4Address]> {
            eventLoop.makeSucceededFuture([])
        }
    }

    @Test("A lookup that succeeds with no address: SOCKON gives the firmware's resolve error", arguments: Wire.both)
    func emptyLookup(wire: Wire) async throws {
        let host = try await TestHost(profile: wire.profile, resolver: EmptyResolver())
        defer { Task { await host.shutdown() } }
        try await host.expect(wire.boot)
        try await host.joinWiFi()
        try await host.send(wire.socketOn("empty.example", 80, "t"))
        try await host.expect(wire.error(11, "Failed to resolve name"), timeout: .seconds(5))
        // And the module goes on.
        try await host.send("AT\r")
        try await host.expect(wire.ok)
    }
}
