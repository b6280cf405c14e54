import Foundation
import NIOCore
import Testing
import UplinkModule
import UplinkTestSupport

/// SOCKON resolves `localhost` and hosts-file names before DNS, in every profile.
@Suite("SOCKON: localhost and the hosts file", .serialized, .timeLimit(.minutes(1)))
struct HostsResolutionTests {
    static let profiles: [Wire] = [.spwf01, Wire(profile: .spwf01Legacy), .spwf04]

    @Test("localhost and a name from a hosts file open sockets; DNS is never asked", arguments: profiles)
    func resolves(wire: Wire) async throws {
        let peers = try await EchoPeers()
        let path = NSTemporaryDirectory() + "uplink-hosts-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "# test\n::1 echo.lab\n127.0.0.1 echo.lab alias.lab\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        // A DNS server that never answers: a name that reached DNS would fail.
        let silent = try SilentUDPServer()
        let host = try await TestHost(profile: wire.profile) { options in
            options.hostsFile = path
            options.dnsServers = [(try? SocketAddress(ipAddress: "127.0.0.1", port: silent.port))].compactMap { $0 }
        }
        defer {
            Task {
                await host.shutdown(); await peers.shutdown()
            }
        }
        try await host.expect(wire.boot)
        try await host.joinWiFi()
        for (id, name) in ["localhost", "echo.lab", "ALIAS.lab"].enumerated() {
            try await host.send(wire.socketOn(name, peers.tcpEchoPort, "t"))
            try await host.expect(wire.opened(id), timeout: .seconds(3))
        }
        try await host.send("AT+S.SOCKW=1,4\rping")
        try await host.expect(wire.ok)
        try await host.expect(wire.pending(1, received: 4, unread: 4))
    }

    @Test("Without a hosts file, localhost still resolves")
    func localhostWithoutFile() async throws {
        let peers = try await EchoPeers()
        let wire = Wire.spwf01
        let host = try await TestHost(profile: wire.profile) { options in
            options.hostsFile = nil
            options.dnsServers = []
        }
        defer {
            Task {
                await host.shutdown(); await peers.shutdown()
            }
        }
        try await host.expect(wire.boot)
        try await host.joinWiFi()
        try await host.send(wire.socketOn("localhost", peers.tcpEchoPort, "t"))
        try await host.expect(wire.opened(0), timeout: .seconds(3))
        try await host.send(wire.socketOn("echo.lab", peers.tcpEchoPort, "t"))
        try await host.expect(wire.error(11, "Failed to resolve name"), timeout: .seconds(10))
    }
}
