import DNSCodec
import NIOCore
import NIOPosix
import Testing
import UplinkDNS
import UplinkTestSupport

/// The resolver against a real NSD serving the seed's case. Serialized: each test starts its own NSD, and the
/// timing assertions are kinder on a 2-core runner when the servers do not compete.
@Suite(.serialized, .timeLimit(.minutes(1))) struct NSDResolverTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    func options(_ server: NSDServer) -> DNSResolverOptions {
        var options = DNSResolverOptions(servers: [server.address])
        options.timeout = .seconds(2)
        return options
    }

    /// The legacy firmware's resolver (profile spwf01-3.5): UDP only, no EDNS, 300 bytes, 100-character names.
    func legacyOptions(_ server: NSDServer) -> DNSResolverOptions {
        var options = options(server)
        options.ednsPayloadSize = nil
        options.tcpFallback = false
        options.maximumUDPReplySize = 300
        options.maximumNameLength = 100
        return options
    }

    @Test func seedNameResolvesInOneUDPExchangeWithEDNS() async throws {
        #expect(SeedZone.seedName.count == 42)
        try await withNSD(group: Self.group) { server in
            let resolver = DNSResolver(options: options(server), group: Self.group)
            let result = try await resolver.lookup(SeedZone.seedName, type: .A)
            #expect(result.name == dnsName(SeedZone.seedName))
            #expect(result.chain.count == 3)
            #expect(result.chain.map(\.type) == [.CNAME, .CNAME, .CNAME])
            #expect(result.records.count == 16)
            #expect(result.records.allSatisfy { $0.name == dnsName(SeedZone.seedTarget) })
            #expect(Set(result.ipv4Addresses.map(\.description)) == Set((1...16).map { "192.0.2.\($0)" }))
            // The smallest TTL along the chain: the A records' 30 s.
            #expect(result.ttl == 30)
            #expect(!result.fromCache)
            // One UDP exchange, no TCP, and the reply is over 512 bytes (NSD adds NS and glue).
            #expect(result.exchanges.count == 1)
            let exchange = try #require(result.exchanges.first)
            #expect(exchange.transport == .udp)
            #expect(exchange.query.edns?.udpPayloadSize == 1232)
            #expect(exchange.replySize > 512)
            #expect(!exchange.reply.header.isTruncated)
            #expect(exchange.reply.authorities.count == 4)

            // The second lookup comes from the cache.
            let cached = try await resolver.lookup(SeedZone.seedName.uppercased() + ".", type: .A)
            #expect(cached.fromCache)
            #expect(cached.exchanges.isEmpty)
            #expect(cached.records.count == 16)
            #expect(cached.ttl <= 30)

            let ipv4 = try await resolver.resolveIPv4(SeedZone.seedName)
            #expect(ipv4.count == 16)
            #expect(ipv4.allSatisfy { $0.address.count == 4 && $0.ttl <= 30 })
        }
    }

    /// The reply sizes `uplink dns` reports, measured with raw exchanges.
    @Test func measuredReplySizesForTheSeedName() async throws {
        try await withNSD(group: Self.group) { server in
            let resolver = DNSResolver(options: options(server), group: Self.group)
            let name = dnsName(SeedZone.seedName)
            let plain = try await resolver.exchange(
                .query(id: 1, name: name, type: .A), server: server.address, transport: .udp, timeout: .seconds(2))
            let edns = try await resolver.exchange(
                .query(id: 2, name: name, type: .A, ednsPayloadSize: 1232), server: server.address, transport: .udp,
                timeout: .seconds(2))
            let tcp = try await resolver.exchange(
                .query(id: 3, name: name, type: .A, ednsPayloadSize: 1232), server: server.address, transport: .tcp,
                timeout: .seconds(2))
            print(
                "NSD reply sizes for \(SeedZone.seedName) A: UDP without EDNS \(plain.replySize),"
                    + " UDP with EDNS \(edns.replySize), TCP \(tcp.replySize)")
            // Without EDNS NSD drops the authority and additional sections to fit 512 bytes: no TC, but over 300.
            #expect(plain.replySize > 300 && plain.replySize <= 512)
            #expect(!plain.reply.header.isTruncated)
            #expect(plain.reply.answers.count == 19)
            #expect(plain.reply.authorities.isEmpty)
            #expect(edns.replySize > 512)
            #expect(edns.reply.answers.count == 19)
            #expect(tcp.replySize == edns.replySize)
            #expect(tcp.transport == .tcp)
        }
    }

    @Test func legacyResolverFailsOnTheSeedName() async throws {
        try await withNSD(group: Self.group) { server in
            let resolver = DNSResolver(options: legacyOptions(server), group: Self.group)
            let report = await resolver.lookupReport(SeedZone.seedName, type: .A)
            guard case .failure(let error) = report.outcome, case .replyTooLarge(let size, let limit) = error else {
                Issue.record("expected replyTooLarge, got \(report.outcome)")
                return
            }
            #expect(limit == 300)
            #expect(size > 300)
            #expect(report.exchanges.count == 1)
            #expect(report.exchanges.first?.query.edns == nil)
            #expect(report.exchanges.first?.replySize == size)
            // The long name is refused before anything is sent.
            await #expect(throws: DNSResolverError.nameTooLong(length: 253, limit: 100)) {
                try await resolver.lookup(SeedZone.longName, type: .A)
            }
            // Without TCP, a TC reply is also too large (its size, and the 512-byte UDP limit).
            var noTCP = options(server)
            noTCP.ednsPayloadSize = nil
            noTCP.tcpFallback = false
            let classic = DNSResolver(options: noTCP, group: Self.group)
            let classicReport = await classic.lookupReport(SeedZone.truncatedName, type: .A)
            guard case .failure(.replyTooLarge(let tcSize, 512)) = classicReport.outcome else {
                Issue.record("expected replyTooLarge with the 512-byte limit, got \(classicReport.outcome)")
                return
            }
            #expect(tcSize < 512)
            #expect(classicReport.exchanges.first?.reply.header.isTruncated == true)
        }
    }

    @Test func truncatedUDPReplyIsRetriedOverTCP() async throws {
        try await withNSD(group: Self.group) { server in
            var options = options(server)
            options.ednsPayloadSize = nil
            let resolver = DNSResolver(options: options, group: Self.group)
            let result = try await resolver.lookup(SeedZone.truncatedName, type: .A)
            #expect(result.records.count == 40)
            #expect(result.chain.count == 2)
            #expect(result.exchanges.map(\.transport) == [.udp, .tcp])
            let udp = result.exchanges[0]
            // NSD's TC reply holds the CNAMEs only: a partial answer that must not be used.
            #expect(udp.reply.header.isTruncated)
            #expect(udp.reply.answers.allSatisfy { $0.type == .CNAME })
            #expect(udp.replySize <= 512)
            #expect(result.exchanges[1].replySize > 512)

            // A TC reply with an empty answer section.
            let big = try await resolver.lookup(SeedZone.bigTXTName, type: .TXT)
            #expect(big.records.count == 12)
            #expect(big.exchanges.map(\.transport) == [.udp, .tcp])
            #expect(big.exchanges[0].reply.answers.isEmpty)
            #expect(big.exchanges[0].reply.header.isTruncated)

            // With EDNS the same answers come in one UDP exchange.
            let modern = DNSResolver(options: self.options(server), group: Self.group)
            let again = try await modern.lookup(SeedZone.truncatedName, type: .A)
            #expect(again.records.count == 40)
            #expect(again.exchanges.map(\.transport) == [.udp])

            // A UDP size limit with TCP fallback also moves to TCP.
            var limited = self.options(server)
            limited.maximumUDPReplySize = 300
            let limitedResolver = DNSResolver(options: limited, group: Self.group)
            let viaTCP = try await limitedResolver.lookup(SeedZone.seedName, type: .A)
            #expect(viaTCP.records.count == 16)
            #expect(viaTCP.exchanges.map(\.transport) == [.udp, .tcp])
        }
    }

    @Test func negativeAnswersAreCached() async throws {
        try await withNSD(group: Self.group) { server in
            let resolver = DNSResolver(options: options(server), group: Self.group)
            // NXDOMAIN.
            let first = await resolver.lookupReport(SeedZone.missingName, type: .A)
            #expect(first.outcome.failure == .nameError(name: SeedZone.missingName + "."))
            #expect(!first.fromCache)
            #expect(first.exchanges.count == 1)
            let second = await resolver.lookupReport(SeedZone.missingName, type: .A)
            #expect(second.outcome.failure == .nameError(name: SeedZone.missingName + "."))
            #expect(second.fromCache)
            #expect(second.exchanges.isEmpty)

            // NODATA: the TXT name has no AAAA; the SOA in the authority section allows caching.
            let nodata = await resolver.lookupReport(SeedZone.txtName, type: .AAAA)
            #expect(nodata.outcome.failure == .noData(name: SeedZone.txtName + ".", type: .AAAA))
            #expect(!nodata.fromCache)
            let nodataAgain = await resolver.lookupReport(SeedZone.txtName, type: .AAAA)
            #expect(nodataAgain.fromCache)
            #expect(nodataAgain.exchanges.isEmpty)
            #expect(nodataAgain.outcome.failure == .noData(name: SeedZone.txtName + ".", type: .AAAA))

            // NODATA at the end of a CNAME chain: named after the last name of the chain.
            await #expect(throws: DNSResolverError.noData(name: SeedZone.seedTarget + ".", type: .AAAA)) {
                try await resolver.lookup(SeedZone.seedName, type: .AAAA)
            }

            // Cached negatives survive the server going away; clearing the cache forgets them.
            await server.stop()
            let offline = await resolver.lookupReport(SeedZone.missingName, type: .A)
            #expect(offline.fromCache)
            resolver.clearCache()
            #expect(resolver.cacheCount == 0)
        }
    }

    @Test func longNameAndTXT() async throws {
        #expect(SeedZone.longName.count == 253)
        try await withNSD(group: Self.group) { server in
            let resolver = DNSResolver(options: options(server), group: Self.group)
            let long = try await resolver.lookup(SeedZone.longName, type: .A)
            #expect(long.ipv4Addresses.map(\.description) == ["192.0.2.253"])
            #expect(long.name.textLength == 253)
            #expect(long.exchanges.first?.query.questions.first?.name.wireLength == 255)

            let txt = try await resolver.lookup(SeedZone.txtName, type: .TXT)
            #expect(txt.records.map(\.data) == [.txt([Array("v=uplink1".utf8), Array("hello world".utf8)])])
        }
    }

    @Test func failsOverFromADeadServerWithinTheTimeout() async throws {
        try await withNSD(group: Self.group) { server in
            let dead = try await silentUDPServer(group: Self.group)
            defer { dead.close(promise: nil) }
            let deadAddress = try #require(dead.localAddress)
            var options = DNSResolverOptions(servers: [deadAddress, server.address])
            options.timeout = .milliseconds(500)
            let resolver = DNSResolver(options: options, group: Self.group)
            let start = ContinuousClock.now
            let report = await resolver.lookupReport(SeedZone.seedName, type: .A)
            let elapsed = seconds(since: start)
            #expect(report.outcome.success?.records.count == 16)
            #expect(elapsed >= 0.45)
            #expect(elapsed < 45, "no hang: every try has a deadline")
            #expect(report.failures.count == 1)
            #expect(report.failures.first?.error == .timeout)
            #expect(report.failures.first?.server == deadAddress)
            #expect(report.exchanges.count == 1)
            #expect(report.exchanges.first?.server == server.address)
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }

    var success: Success? {
        if case .success(let value) = self { return value }
        return nil
    }
}
