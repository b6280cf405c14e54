import NIOCore
import NIOPosix
import Testing
import UplinkDNS
import UplinkTestSupport

/// A dead first server is remembered (``DNSResolverOptions/silentServerMemory``, which the module sets) instead
/// of costing a timeout at every lookup.
@Suite("the resolver remembers a silent server", .serialized, .timeLimit(.minutes(1)))
struct SilentServerMemoryTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    func options(_ silent: SilentUDPServer, _ nsd: NSDServer) throws -> DNSResolverOptions {
        var options = DNSResolverOptions(servers: [
            try SocketAddress(ipAddress: "127.0.0.1", port: silent.port), nsd.address,
        ])
        options.timeout = .milliseconds(300)
        options.attempts = 1
        options.cacheEnabled = false
        return options
    }

    @Test("with a memory, the second lookup asks the answering server first; without, the silent one again")
    func remembered() async throws {
        let silent = try SilentUDPServer()
        try await withNSD(group: Self.group) { nsd in
            var remembering = try options(silent, nsd)
            remembering.silentServerMemory = .seconds(60)
            let resolver = DNSResolver(options: remembering, group: Self.group)
            let first = await resolver.lookupReport(SeedZone.seedName, type: .A)
            #expect((try? first.outcome.get()) != nil)
            #expect(first.failures.map(\.error) == [.timeout])
            let second = await resolver.lookupReport(SeedZone.seedName, type: .A)
            #expect((try? second.outcome.get()) != nil)
            #expect(second.failures.isEmpty, "\(second.failures)")

            // The default keeps the given order (uplink dns reports every server as given).
            let forgetting = DNSResolver(options: try options(silent, nsd), group: Self.group)
            _ = await forgetting.lookupReport(SeedZone.seedName, type: .A)
            let again = await forgetting.lookupReport(SeedZone.seedName, type: .A)
            #expect(again.failures.map(\.error) == [.timeout])
        }
        withExtendedLifetime(silent) {}
    }

    @Test("a remembered server is still asked when the others fail")
    func stillAskedLast() async throws {
        let silent = try SilentUDPServer()
        let closed = try SocketAddress(ipAddress: "127.0.0.1", port: TestPorts.free())
        var options = DNSResolverOptions(servers: [
            try SocketAddress(ipAddress: "127.0.0.1", port: silent.port), closed,
        ])
        options.timeout = .milliseconds(200)
        options.attempts = 1
        options.cacheEnabled = false
        options.silentServerMemory = .seconds(60)
        let resolver = DNSResolver(options: options, group: Self.group)
        _ = await resolver.lookupReport(SeedZone.seedName, type: .A)
        let second = await resolver.lookupReport(SeedZone.seedName, type: .A)
        // The closed port first now, then the silent one: both asked.
        #expect(second.failures.count == 2)
        #expect(second.failures.first?.server == closed)
        withExtendedLifetime(silent) {}
    }
}
