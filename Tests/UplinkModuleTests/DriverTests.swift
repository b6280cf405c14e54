import ATCodec
import Foundation
import NIOCore
import NIOPosix
import Testing
import UplinkCredentials
import UplinkDriver
import UplinkModule
import UplinkModuleServer
import UplinkTestSupport

/// A module in this process on a real pseudo-terminal, and the host driver on the other end.
struct DriverRig {
    let group: MultiThreadedEventLoopGroup
    let server: ModuleServer
    let driver: ModuleDriver

    static func start(
        _ profile: ModuleProfile, dnsServers: [SocketAddress] = [], resolver: (any HostResolver)? = nil,
        paceBaud: Int? = nil, configuration: ModuleDriverConfiguration = .init(), tracePath: String? = nil,
        configure: (inout ModuleOptions) -> Void = { _ in }
    ) async throws -> DriverRig {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var options = ModuleOptions(profile: profile)
        options.step = .milliseconds(1)
        options.dhcpAddress = IPv4Address(10, 0, 0, 2)
        if !dnsServers.isEmpty { options.dnsServers = dnsServers }
        configure(&options)
        let trace = try tracePath.map { try ModuleTrace(path: $0) }
        let engine = ModuleEngine(
            eventLoop: group.next(), options: options, flash: MemoryFlash(), resolver: resolver, trace: trace)
        let server = try await ModuleServer.start(
            engine: engine, link: .pseudoTerminal(linkPath: nil), paceBaud: paceBaud)
        let path = try #require(server.devicePath)
        // The boot WINDs are out before the driver opens the port.
        try await Task.sleep(for: .milliseconds(20))
        let driver = try await ModuleDriver.open(path: path, configuration: configuration)
        return DriverRig(group: group, server: server, driver: driver)
    }

    func stop() async {
        await driver.close()
        await server.stop()
        try? await group.shutdownGracefully()
    }
}

extension DriverRig {
    /// A rig for `profile` that has joined Wi-Fi, with ``EchoPeers`` for its sockets; both stopped when `body` ends,
    /// however it ends.
    static func withJoined(_ profile: ModuleProfile, _ body: (DriverRig, EchoPeers) async throws -> Void) async throws {
        try await withEchoPeers { peers in
            let rig = try await DriverRig.start(profile)
            try await withCleanup {
                try await rig.driver.joinWiFi(ssid: "lab", passphrase: "secret123")
                try await body(rig, peers)
            } cleanup: {
                await rig.stop()
            }
        }
    }
}

extension ModuleProfile: CustomTestStringConvertible {
    public var testDescription: String { name }
}

@Suite("Host driver against the module on a pty", .serialized, .timeLimit(.minutes(1)))
struct DriverTests {
    static let profiles: [ModuleProfile] = [.spwf01, .spwf04]

    @Test("finds the dialect, joins, reads status, echoes 5,000 bytes through a TCP socket", arguments: profiles)
    func socketRoundTrip(profile: ModuleProfile) async throws {
        let tracePath = NSTemporaryDirectory() + "uplink-driver-\(UUID().uuidString).trace"
        defer { try? FileManager.default.removeItem(atPath: tracePath) }
        let rig = try await DriverRig.start(profile, tracePath: tracePath)
        let peers = try await EchoPeers()
        defer { Task { await peers.shutdown() } }
        #expect(await rig.driver.dialect == profile.dialect)
        let address = try await rig.driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        #expect(address == "10.0.0.2")
        #expect(try await rig.driver.configurationValue("wifi_mode") == "1")
        let status = try await rig.driver.status()
        #expect(status.contains { $0.name == "ip_ipaddr" && $0.value == "10.0.0.2" })

        let id = try await rig.driver.openSocket(host: "127.0.0.1", port: peers.tcpEchoPort, kind: .tcp)
        var payload = [UInt8](repeating: 0, count: 5000)
        for index in payload.indices { payload[index] = UInt8(truncatingIfNeeded: index * 7 + 3) }
        // Bytes that look like protocol lines travel as data.
        payload.replaceSubrange(0..<20, with: Array("\r\nOK\r\n+WIND:58:x\r\n\r\n".utf8))
        try await rig.driver.write(socket: id, payload)
        var received: [UInt8] = []
        while received.count < payload.count {
            let chunk = try await rig.driver.read(socket: id)
            #expect(!chunk.isEmpty)
            if chunk.isEmpty { break }
            received += chunk
        }
        #expect(received == payload)
        try await rig.driver.closeSocket(id)
        #expect(await rig.driver.openSockets == [])
        await rig.stop()
        // SPWF01: every SOCKR went out with WINDs 32-63 masked (SPWF04: none needed).
        var masked = false
        var reads = 0
        for line in try String(contentsOfFile: tracePath, encoding: .utf8).split(separator: "\n")
        where line.contains("host> \"AT+S.") {
            if line.contains("wind_off_medium,0xFFFFFFFF") { masked = true }
            if line.contains("wind_off_medium,0x00000000") { masked = false }
            if line.contains("AT+S.SOCKR=") {
                reads += 1
                #expect(masked == (profile.dialect.family == .spwf01), "\(line)")
            }
        }
        #expect(reads > 0)
    }

    @Test(
        "a peer that sends and closes: every byte, then the end of the stream (WIND 58, drain, SOCKC)",
        arguments: profiles)
    func peerCloses(profile: ModuleProfile) async throws {
        try await DriverRig.withJoined(profile) { rig, peers in
            let payload = (0..<3000).map { UInt8(truncatingIfNeeded: $0) }
            let port = try await peers.sendAndClose(payload)
            let id = try await rig.driver.openSocket(host: "127.0.0.1", port: port, kind: .tcp)
            var received: [UInt8] = []
            while true {
                let chunk = try await rig.driver.read(socket: id)
                if chunk.isEmpty { break }
                received += chunk
            }
            #expect(received == payload)
            try await rig.driver.closeSocket(id)
        }
    }

    @Test("UDP: a datagram out and back; closing a socket with unread data drains it first", arguments: profiles)
    func udpAndPendingClose(profile: ModuleProfile) async throws {
        try await DriverRig.withJoined(profile) { rig, peers in
            let udp = try await rig.driver.openSocket(host: "127.0.0.1", port: peers.udpEchoPort, kind: .udp)
            try await rig.driver.write(socket: udp, Array("datagram".utf8))
            #expect(try await rig.driver.read(socket: udp) == Array("datagram".utf8))
            try await rig.driver.closeSocket(udp)

            // The peer sends and closes; the application closes without reading: the module refuses SOCKC with
            // `Pending data`, the driver reads the rest and closes.
            let port = try await peers.sendAndClose(Array(repeating: 0x41, count: 2000))
            let tcp = try await rig.driver.openSocket(host: "127.0.0.1", port: port, kind: .tcp)
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline,
                try await rig.driver.probeSockets().first(where: { $0.id == tcp })?.pending != 2000
            {
                try await Task.sleep(for: .milliseconds(10))
            }
            try await rig.driver.closeSocket(tcp)
            #expect(try await rig.driver.probeSockets().isEmpty)
        }
    }

    @Test("module errors are typed, with the module's text and code", arguments: profiles)
    func typedErrors(profile: ModuleProfile) async throws {
        let rig = try await DriverRig.start(profile, resolver: TableResolver(table: [:]))
        // Before Wi-Fi is up.
        await #expect(
            throws: ModuleDriverError.module(
                command: profile.dialect.family == .spwf01
                    ? "AT+S.SOCKON=127.0.0.1,1,t,ind" : "AT+S.SOCKON=127.0.0.1,1,NULL,t",
                error: .wifiNotConnected)
        ) {
            try await rig.driver.openSocket(host: "127.0.0.1", port: 1, kind: .tcp)
        }
        try await rig.driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        do {
            _ = try await rig.driver.openSocket(host: "no-such-name.test", port: 1883, kind: .tcp)
            Issue.record("an unknown name opened a socket")
        } catch let error as ModuleDriverError {
            #expect(error.moduleError == .failedToResolve)
            #expect(error.moduleError?.code == 11)
        }
        do {
            try await rig.driver.setConfigurationValue("no_such_variable", "1")
            Issue.record("an unknown variable was set")
        } catch let error as ModuleDriverError {
            #expect(error.moduleError == .unknownVariable)
        }
        await #expect(throws: ModuleDriverError.invalidParameter("parameter \"a,b\"")) {
            try await rig.driver.setConfigurationValue("a,b", "1")
        }
        await #expect(throws: ModuleDriverError.credentialTooLarge(slot: .cert, bytes: 3000, capacity: 2048)) {
            try await rig.driver.storeCredential(.cert, Array(repeating: 0x41, count: 3000), capacity: 2048)
        }
        await rig.stop()
    }

    @Test("a module reset while a reader waits: the reader learns it, Wi-Fi comes back by itself", arguments: profiles)
    func resetWhileReading(profile: ModuleProfile) async throws {
        try await DriverRig.withJoined(profile) { rig, peers in
            let id = try await rig.driver.openSocket(host: "127.0.0.1", port: peers.tcpEchoPort, kind: .tcp)
            let driver = rig.driver
            let reader = Task { try await driver.read(socket: id) }
            try await Task.sleep(for: .milliseconds(50))
            try await rig.driver.reset()
            do {
                _ = try await reader.value
                Issue.record("the read survived a reset")
            } catch let error as ModuleDriverError {
                if case .rebooted = error {} else { Issue.record("unexpected \(error)") }
            }
            #expect(try await rig.driver.waitForWiFi(timeout: .seconds(10)) == "10.0.0.2")
            // The module has no socket any more; the driver forgets it.
            try await rig.driver.closeSocket(id)
            let again = try await rig.driver.openSocket(host: "127.0.0.1", port: peers.tcpEchoPort, kind: .tcp)
            try await rig.driver.write(socket: again, Array("after".utf8))
            #expect(try await rig.driver.read(socket: again) == Array("after".utf8))
        }
    }

    @Test("the module goes away while a reader waits: the reader and every later call fail at once")
    func moduleGone() async throws {
        let rig = try await DriverRig.start(.spwf01)
        let peers = try await EchoPeers()
        defer { Task { await peers.shutdown() } }
        try await rig.driver.joinWiFi(ssid: "lab", passphrase: "secret123")
        let id = try await rig.driver.openSocket(host: "127.0.0.1", port: peers.tcpEchoPort, kind: .tcp)
        let driver = rig.driver
        let reader = Task { try await driver.read(socket: id) }
        try await Task.sleep(for: .milliseconds(50))
        await rig.server.stop()
        await #expect(throws: ModuleDriverError.self) { try await withDeadline(.seconds(5)) { try await reader.value } }
        await #expect(throws: ModuleDriverError.self) {
            try await withDeadline(.seconds(5)) { try await driver.waitForWiFi(timeout: .seconds(30)) }
        }
        await #expect(throws: ModuleDriverError.self) {
            try await withDeadline(.seconds(5)) { try await driver.status() }
        }
        await driver.close()
        try? await rig.group.shutdownGracefully()
    }

    @Test("the driver's slot sizes are the credential layouts' (what --via checks before sending)")
    func slotCapacities() throws {
        #expect(Set(ModuleSlotCapacity.byProfile.keys) == Set(SlotLayout.profiles.map(\.profile)))
        for layout in SlotLayout.profiles {
            let capacity = ModuleSlotCapacity.byProfile[layout.profile]
            #expect(capacity == layout.ca && capacity == layout.cert && capacity == layout.key, "\(layout.profile)")
        }
    }

    @Test("a wrong passphrase is a typed Wi-Fi failure, not a hang")
    func wifiFailure() async throws {
        let networks = [WiFiNetwork(ssid: "lab", passphrase: "right-passphrase")]
        let rig = try await DriverRig.start(.spwf01) { $0.networks = networks }
        do {
            try await rig.driver.joinWiFi(ssid: "lab", passphrase: "wrong-passphrase")
            Issue.record("joined with a wrong passphrase")
        } catch let error as ModuleDriverError {
            if case .wifiFailed(let number, _) = error {
                #expect(number != 0)
            } else {
                Issue.record("unexpected \(error)")
            }
        }
        await rig.stop()
    }
}
