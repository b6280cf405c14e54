import DNSCodec
import NIOCore
import NIOPosix
import Testing
import UplinkDNS
import UplinkTestSupport

/// ``DNSNIOResolver`` lets NIO's `ClientBootstrap` connect by name through the stub resolver.
@Suite(.timeLimit(.minutes(1))) struct NIOResolverTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    @Test func clientBootstrapConnectsByNameThroughTheResolver() async throws {
        let dns = try await FakeDNSServer(group: Self.group) { query, _ in
            let name = query.questions[0].name
            if query.questions[0].type == .A {
                let record = DNSResourceRecord(name: name, ttl: 60, data: .a(DNSIPv4Address(127, 0, 0, 1)))
                return [.reply(makeReply(to: query, answers: [record]).encode())]
            }
            return [.reply(makeReply(to: query, authorities: [soaRecord(zone: "fake.test")]).encode())]
        }
        let listener = try await ServerBootstrap(group: Self.group)
            .childChannelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port)
        let resolver = DNSResolver(options: DNSResolverOptions(servers: [dns.address]), group: Self.group)
        let eventLoop = Self.group.next()
        let client = try await ClientBootstrap(group: eventLoop)
            .resolver(DNSNIOResolver(resolver: resolver, eventLoop: eventLoop))
            .connect(host: "service.fake.test", port: port).get()
        #expect(client.remoteAddress?.ipAddress == "127.0.0.1")
        #expect(client.remoteAddress?.port == port)
        try await client.close()
        try await listener.close()
        #expect(Set(dns.queries.map(\.message.questions[0].type)) == [.A, .AAAA])
        await dns.stop()
    }

    @Test func literalsAndFailures() async throws {
        let resolver = DNSResolver(options: DNSResolverOptions(servers: []), group: Self.group)
        let nio = DNSNIOResolver(resolver: resolver, eventLoop: Self.group.next())
        #expect(try await nio.initiateAQuery(host: "192.0.2.1", port: 80).get().map(\.ipAddress) == ["192.0.2.1"])
        #expect(try await nio.initiateAAAAQuery(host: "192.0.2.1", port: 80).get().isEmpty)
        #expect(try await nio.initiateAAAAQuery(host: "2001:db8::1", port: 80).get().map(\.port) == [80])
        await #expect(throws: DNSResolverError.noServers) {
            try await nio.initiateAQuery(host: "example.test", port: 80).get()
        }
    }
}
