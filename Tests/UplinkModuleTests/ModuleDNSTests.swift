import Foundation
import NIOCore
import NIOPosix
import Testing
import UplinkModule
import UplinkModuleServer
import UplinkTestSupport

/// The seed's first failure, reproduced and fixed through a real pseudo-terminal against a real NSD.
@Suite("DNS in the module and uplink dns, against NSD", .serialized, .timeLimit(.minutes(1)))
struct ModuleDNSTests {
    /// The seed's zone with every address on loopback (127.0.0.1 first), so sockets stay on this machine.
    static let loopbackZone = SeedZone.text.replacingOccurrences(of: "192.0.2.", with: "127.0.0.")

    private func module(
        _ profile: ModuleProfile, dns: SocketAddress, group: MultiThreadedEventLoopGroup
    ) async throws -> ModuleServer {
        var options = ModuleOptions(profile: profile)
        options.step = .milliseconds(1)
        options.dnsServers = [dns]
        let engine = ModuleEngine(eventLoop: group.next(), options: options, flash: MemoryFlash())
        return try await ModuleServer.start(engine: engine, link: .pseudoTerminal(linkPath: nil), paceBaud: nil)
    }

    /// The pty of `server`'s module, once it has booted and joined Wi-Fi.
    private func joinedPort(_ server: ModuleServer) async throws -> SerialHostPort {
        let port = try SerialHostPort(path: try #require(server.devicePath))
        _ = try await port.read(through: "WiFi Hardware Started\r\n")
        port.sendJoin()
        _ = try await port.read(through: "+WIND:24:WiFi Up:")
        _ = try await port.read(through: "\r\n")
        return port
    }

    /// NSD serving ``loopbackZone``, echo peers, and a group for the modules; all stopped when `body` ends.
    private func withLoopbackZone(
        _ body: (NSDServer, EchoPeers, MultiThreadedEventLoopGroup) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        try await withCleanup {
            try await withEchoPeers { peers in
                try await withNSD(zoneText: Self.loopbackZone, group: group) { nsd in try await body(nsd, peers, group)
                }
            }
        } cleanup: {
            try? await group.shutdownGracefully()
        }
    }

    @Test("spwf01 resolves the seed's name through SOCKON; spwf01-3.5 fails with the legacy error")
    func seedThroughPTY() async throws {
        try await withLoopbackZone { nsd, peers, group in
            for (profile, resolves) in [(ModuleProfile.spwf01, true), (.spwf01Legacy, false)] {
                let server = try await module(profile, dns: nsd.address, group: group)
                let port = try await joinedPort(server)
                port.write("AT+S.SOCKON=\(SeedZone.seedName),\(peers.tcpEchoPort),t,ind\r")
                if resolves {
                    _ = try await port.read(through: "\r\n ID: 00\r\n\r\nOK\r\n", timeout: 10)
                    port.write("AT+S.SOCKW=0,4\rping")
                    _ = try await port.read(through: "+WIND:55:Pending Data:0:4\r\n")
                } else {
                    let reply = try await port.read(through: "\r\n", timeout: 10) + port.read(through: "\r\n")
                    #expect(reply == Array("\r\nERROR: Failed to resolve name\r\n".utf8), "\(escaped(reply))")
                }
                await server.stop()
            }
            // The SPWF04 dialect says the resolved address.
            let server = try await module(.spwf04, dns: nsd.address, group: group)
            let port = try await joinedPort(server)
            port.write("AT+S.SOCKON=\(SeedZone.seedName),\(peers.tcpEchoPort),NULL,t\r")
            _ = try await port.read(through: "AT-S.On:127.0.0.1:0\r\nAT-S.OK\r\n", timeout: 10)
            await server.stop()
        }
    }

    @Test("ip_dns, when set, replaces the default servers", arguments: Wire.both)
    func ipDNSWins(wire: Wire) async throws {
        try await withLoopbackZone { nsd, peers, _ in
            try await withHost(wire, configure: { $0.dnsServers = [nsd.address] }) { host in
                // 127.0.0.2:53 has no server: with ip_dns pointing there, the name cannot resolve.
                let key = wire.isSPWF01 ? "ip_dns" : "ip_dns1"
                try await host.send("AT+S.SCFG=\(key),127.0.0.2\r")
                try await host.expect(wire.ok)
                try await host.send(wire.socketOn(SeedZone.seedName, peers.tcpEchoPort, "t"))
                try await host.expect(wire.error(11, "Failed to resolve name"), timeout: .seconds(15))
                try await host.send("AT+S.SCFG=\(key),0.0.0.0\r")
                try await host.expect(wire.ok)
                try await host.send(wire.socketOn(SeedZone.seedName, peers.tcpEchoPort, "t"))
                try await host.expect(wire.opened(0), timeout: .seconds(10))
            }
        }
    }

    @Test("The module's resolver: many addresses, long names, and the legacy limits")
    func configuredServerAndLimits() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { Task { try? await group.shutdownGracefully() } }
        try await withNSD(zoneText: Self.loopbackZone, group: group) { nsd in
            let resolver = ModuleHostResolver(limits: ModuleProfile.spwf01.dns, servers: [nsd.address], group: group)
            let addresses = try await resolver.resolveIPv4(SeedZone.seedName, on: group.next()).get()
            #expect(addresses.first == IPv4Address(127, 0, 0, 1))
            #expect(addresses.count == 16)
            let longName = try await resolver.resolveIPv4(SeedZone.longName, on: group.next()).get()
            #expect(!longName.isEmpty)
            let legacy = ModuleHostResolver(
                limits: ModuleProfile.spwf01Legacy.dns, servers: [nsd.address], group: group)
            await #expect(throws: HostResolutionError.self) {
                try await legacy.resolveIPv4(SeedZone.longName, on: group.next()).get()
            }
            await #expect(throws: HostResolutionError.self) {
                try await resolver.resolveIPv4(SeedZone.missingName, on: group.next()).get()
            }
        }
    }

    @Test("uplink dns: the answer, three sizes, a verdict per profile, and the exit status")
    func digLikeTool() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { Task { try? await group.shutdownGracefully() } }
        try await withNSD(group: group) { nsd in
            let server = "127.0.0.1:\(nsd.port)"
            let found = try await UplinkExecutable.run(["dns", SeedZone.seedName, "--server", server])
            #expect(found.status == 0, "\(found.output)")
            let lines = found.output.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.contains("CNAME") && $0.hasPrefix(SeedZone.seedName + ".") })
            #expect(lines.filter { $0.contains("  A  ") || $0.hasSuffix("A  192.0.2.16") }.count >= 1)
            #expect(lines.contains { $0.hasPrefix(";;   UDP, no EDNS") && $0.contains("bytes") })
            #expect(lines.contains { $0.hasPrefix(";;   UDP, EDNS 1232") && $0.contains("complete") })
            #expect(lines.contains { $0.hasPrefix(";;   TCP") })
            let legacy = try #require(lines.first { $0.hasPrefix(";;   spwf01-3.5") })
            #expect(legacy.contains("FAILS") && legacy.contains("a resolver limited to 300 bytes fails"), "\(legacy)")
            let fixed = try #require(lines.first { $0.hasPrefix(";;   spwf01 ") })
            #expect(fixed.contains("RESOLVES") && fixed.contains("EDNS"), "\(fixed)")

            let truncated = try await UplinkExecutable.run([
                "dns", SeedZone.truncatedName, "--server", server, "--json",
            ])
            #expect(truncated.status == 0)
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(truncated.output.utf8)) as? [String: Any])
            let sizes = try #require(json["replySizes"] as? [[String: Any]])
            #expect(sizes.first?["truncated"] as? Bool == true)
            #expect((json["records"] as? [Any])?.count == 40)

            let missing = try await UplinkExecutable.run(["dns", SeedZone.missingName, "--server", server])
            #expect(missing.status == 1)
            #expect(missing.output.contains("NXDOMAIN"))
            let bad = try await UplinkExecutable.run(["dns", "x", "--server", "not-an-ip"])
            #expect(bad.status != 0 && bad.status != 1)
        }
    }
}
