import DNSCodec
import NIOCore
import NIOPosix
import Testing
import UplinkDNS
import UplinkTestSupport

/// The resolver against an in-process server that misbehaves on purpose. Every case must end with the right
/// answer or error within its deadline.
@Suite(.timeLimit(.minutes(1))) struct FakeServerResolverTests {
    static let group = MultiThreadedEventLoopGroup.singleton
    static let host = "host.fake.test"

    /// Options for the fake servers, with a 3 s timeout; cases about timeouts set their own. "No hang" bounds are
    /// 45 s: a missing deadline waits forever, and a loaded 2-core runner can hold a test back for seconds.
    static func options(_ servers: [SocketAddress], timeout: TimeAmount = .seconds(3)) -> DNSResolverOptions {
        var options = DNSResolverOptions(servers: servers)
        options.timeout = timeout
        return options
    }

    /// Runs `body` with a fake server, and stops it afterwards.
    static func withFake<Result>(
        _ behavior: @escaping FakeDNSServer.Behavior, _ body: (FakeDNSServer) async throws -> Result
    ) async throws -> Result {
        try await withStopping(try await FakeDNSServer(group: group, behavior: behavior), body)
    }

    /// The good answer: two A records for the question's name.
    static func goodReply(_ query: DNSMessage) -> [UInt8] {
        makeReply(to: query, answers: aRecords(query.questions[0].name, count: 2)).encode()
    }

    /// A well-formed answer with the address an attacker would give (6.6.6.6), for replies that must be dropped.
    static func impostorReply(_ query: DNSMessage) -> DNSMessage {
        makeReply(
            to: query,
            answers: [
                DNSResourceRecord(name: query.questions[0].name, ttl: 1, data: .a(DNSIPv4Address(6, 6, 6, 6)))
            ])
    }

    /// A reply whose answer points past the end of the message.
    static func pointerPastEndReply(_ query: DNSMessage) -> [UInt8] {
        var bytes = makeReply(to: query, edns: false).encode(compression: false)
        bytes[7] = 1
        bytes += [0xC3, 0xFF, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]
        return bytes
    }

    /// How a lookup of ``host`` with `options` fails (nil: it did not); it must end within the "no hang" bound.
    static func failure(
        _ options: DNSResolverOptions, sourceLocation: SourceLocation = #_sourceLocation
    ) async -> DNSResolverError? {
        let resolver = DNSResolver(options: options, group: group)
        let start = ContinuousClock.now
        let failure = await resolver.lookupReport(host, type: .A).outcome.failure
        #expect(seconds(since: start) < 45, "no hang: every try has a deadline", sourceLocation: sourceLocation)
        return failure
    }

    /// A lookup of ``host`` with `options`; it must end within the "no hang" bound.
    static func lookup(
        _ options: DNSResolverOptions, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> DNSLookupResult {
        let resolver = DNSResolver(options: options, group: group)
        let start = ContinuousClock.now
        let result = try await resolver.lookup(host, type: .A)
        #expect(seconds(since: start) < 45, "no hang: every try has a deadline", sourceLocation: sourceLocation)
        return result
    }

    /// The reason of a malformed-reply error; any other outcome is an issue (recorded where the test asked) and nil.
    static func malformedReason(
        _ error: DNSResolverError?, sourceLocation: SourceLocation = #_sourceLocation
    ) -> String? {
        guard case .malformedReply(let reason) = error else {
            Issue.record("expected malformedReply, got \(String(describing: error))", sourceLocation: sourceLocation)
            return nil
        }
        return reason
    }

    // MARK: - Malformed replies

    @Test func compressionLoopIsAMalformedReply() async throws {
        try await Self.withFake({ query, _ in
            var bytes = makeReply(to: query, edns: false).encode(compression: false)
            bytes[7] = 1
            let offset = bytes.count
            bytes += [0xC0 | UInt8(offset >> 8), UInt8(offset & 0xFF), 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]
            return [.reply(bytes)]
        }) { server in
            let resolver = DNSResolver(options: Self.options([server.address]), group: Self.group)
            let start = ContinuousClock.now
            let report = await resolver.lookupReport(Self.host, type: .A)
            let error = try #require(report.outcome.failure)
            guard case .malformedReply(let reason) = error else {
                Issue.record("expected malformedReply, got \(error)")
                return
            }
            #expect(reason.contains("does not point backwards"))
            // UDP then TCP (an undecodable UDP reply is retried over TCP), twice: nothing waits for a timeout.
            #expect(report.failures.map(\.transport) == [.udp, .tcp, .udp, .tcp])
            #expect(seconds(since: start) < 45, "no hang: every try has a deadline")
        }
    }

    @Test func twoPointersPointingAtEachOther() async throws {
        try await Self.withFake({ query, _ in
            // The question's class field is patched into a pointer to the answer, whose owner points back.
            var bytes = makeReply(to: query, edns: false).encode(compression: false)
            bytes[7] = 1
            let answerOffset = bytes.count
            let classOffset = answerOffset - 2
            bytes[classOffset] = 0xC0 | UInt8(answerOffset >> 8)
            bytes[classOffset + 1] = UInt8(answerOffset & 0xFF)
            bytes += [
                0xC0 | UInt8(classOffset >> 8), UInt8(classOffset & 0xFF), 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4,
            ]
            return [.reply(bytes)]
        }) { server in
            var options = Self.options([server.address])
            options.tcpFallback = false
            options.attempts = 1
            // Decoding fails on the second jump (17 → answer is not below the first target), before the
            // question is compared.
            guard let reason = Self.malformedReason(await Self.failure(options)) else { return }
            #expect(reason.contains("does not point backwards"))
        }
    }

    @Test func pointerPastTheEndIsAMalformedReply() async throws {
        try await Self.withFake({ query, _ in [.reply(Self.pointerPastEndReply(query))] }) { server in
            var options = Self.options([server.address])
            options.tcpFallback = false
            guard let reason = Self.malformedReason(await Self.failure(options)) else { return }
            #expect(reason.contains("past the end"))
        }
    }

    @Test func truncatedDatagramFallsBackToTCP() async throws {
        try await Self.withFake({ query, transport in
            let good = Self.goodReply(query)
            // Over UDP, the datagram is cut in the middle of the last record (and TC is not set).
            return transport == .udp ? [.reply(Array(good.prefix(good.count - 3)))] : [.reply(good)]
        }) { server in
            let resolver = DNSResolver(options: Self.options([server.address]), group: Self.group)
            let result = try await resolver.lookup(Self.host, type: .A)
            #expect(result.records.count == 2)
            #expect(result.exchanges.map(\.transport) == [.tcp])
            let report = await DNSResolver(options: Self.options([server.address]), group: Self.group)
                .lookupReport(Self.host, type: .A)
            #expect(report.failures.map(\.transport) == [.udp])
            #expect(report.failures.first?.error.isMalformed == true)

            // Without TCP fallback the cut datagram is a malformed reply.
            var noTCP = Self.options([server.address])
            noTCP.tcpFallback = false
            let error = await DNSResolver(options: noTCP, group: Self.group).lookupReport(Self.host, type: .A)
                .outcome.failure
            guard let reason = Self.malformedReason(error) else { return }
            #expect(reason.hasPrefix("message truncated at offset"))
        }
    }

    @Test func truncatedDatagramWithTCIsUsedOnlyToGoToTCP() async throws {
        try await Self.withFake({ query, transport in
            var reply = makeReply(to: query, answers: aRecords(query.questions[0].name, count: 40))
            if transport == .udp {
                reply.header.isTruncated = true
                // Cut in the middle of a record, as old servers do.
                return [.reply(Array(reply.encode().prefix(100)))]
            }
            return [.reply(reply.encode())]
        }) { server in
            let resolver = DNSResolver(options: Self.options([server.address]), group: Self.group)
            let result = try await resolver.lookup(Self.host, type: .A)
            #expect(result.records.count == 40)
            #expect(result.exchanges.map(\.transport) == [.udp, .tcp])
            #expect(result.exchanges[0].reply.header.isTruncated)
            #expect(result.exchanges[0].replySize == 100)
        }
    }

    // MARK: - Replies that are not ours

    @Test func wrongIDIsDroppedAndTheRightReplyAccepted() async throws {
        try await Self.withFake({ query, _ in
            var wrong = Self.impostorReply(query)
            wrong.header.id = query.header.id &+ 1
            return [.reply(wrong.encode()), .reply(Self.goodReply(query))]
        }) { server in
            let result = try await Self.lookup(Self.options([server.address]))
            #expect(result.ipv4Addresses.map(\.description) == ["192.0.2.1", "192.0.2.2"])
        }
    }

    @Test func mismatchedQuestionIsDropped() async throws {
        try await Self.withFake({ query, _ in
            var other = makeReply(to: query, answers: aRecords(dnsName("evil.test"), count: 1))
            other.questions = [DNSQuestion(name: dnsName("evil.test"), type: .A)]
            var otherType = makeReply(to: query)
            otherType.questions[0].type = .AAAA
            var otherClass = makeReply(to: query)
            otherClass.questions[0].class = .CH
            var notAResponse = makeReply(to: query, answers: aRecords(query.questions[0].name, count: 1))
            notAResponse.header.isResponse = false
            return [
                .reply(other.encode()), .reply(otherType.encode()), .reply(otherClass.encode()),
                .reply(notAResponse.encode()), .reply(Self.goodReply(query)),
            ]
        }) { server in
            let result = try await Self.lookup(Self.options([server.address]))
            #expect(result.records.count == 2)
        }
    }

    @Test func questionNameMatchesCaseInsensitively() async throws {
        try await Self.withFake({ query, _ in
            var reply = makeReply(to: query, answers: aRecords(dnsName(Self.host.uppercased()), count: 1))
            reply.questions[0].name = dnsName(Self.host.uppercased())
            return [.reply(reply.encode())]
        }) { server in
            let resolver = DNSResolver(options: Self.options([server.address]), group: Self.group)
            let result = try await resolver.lookup(Self.host, type: .A)
            #expect(result.records.count == 1)
        }
    }

    @Test func replyFromAnotherPortIsDropped() async throws {
        try await Self.withFake({ query, _ in
            let spoofed = Self.impostorReply(query)
            return [.fromOtherPort(spoofed.encode()), .reply(Self.goodReply(query))]
        }) { server in
            let resolver = DNSResolver(options: Self.options([server.address]), group: Self.group)
            let result = try await resolver.lookup(Self.host, type: .A)
            #expect(result.ipv4Addresses.map(\.description) == ["192.0.2.1", "192.0.2.2"])
        }
    }

    @Test func zeroLengthDatagramsAreIgnored() async throws {
        try await Self.withFake({ query, _ in [.raw([]), .raw([]), .reply(Self.goodReply(query))] }) { server in
            let result = try await Self.lookup(Self.options([server.address]))
            #expect(result.records.count == 2)
        }
    }

    // MARK: - Silence and broken TCP

    @Test func serverThatNeverAnswersTimesOut() async throws {
        try await Self.withFake({ _, _ in [] }) { server in
            var options = Self.options([server.address], timeout: .milliseconds(300))
            options.attempts = 2
            let resolver = DNSResolver(options: options, group: Self.group)
            let start = ContinuousClock.now
            let report = await resolver.lookupReport(Self.host, type: .A)
            let elapsed = seconds(since: start)
            #expect(report.outcome.failure == .timeout)
            #expect(report.failures.map(\.error) == [.timeout, .timeout])
            #expect(elapsed >= 0.55)
            #expect(elapsed < 45, "no hang: every try has a deadline")
            #expect(server.queries.count == 2)
        }
    }

    @Test func tcpPeerClosingMidLengthIsAnErrorThenFailover() async throws {
        let broken: FakeDNSServer.Behavior = { query, transport in
            if transport == .udp { return [.reply(makeReply(to: query, truncated: true).encode())] }
            return [.raw([0x01]), .close]
        }
        try await Self.withFake(broken) { brokenServer in
            var options = Self.options([brokenServer.address])
            options.attempts = 1
            let alone = DNSResolver(options: options, group: Self.group)
            let start = ContinuousClock.now
            let report = await alone.lookupReport(Self.host, type: .A)
            #expect(report.outcome.failure == .malformedReply("TCP: connection closed after 1 of 2 length bytes"))
            #expect(seconds(since: start) < 45, "no hang: every try has a deadline")

            try await Self.withFake({ query, _ in [.reply(Self.goodReply(query))] }) { goodServer in
                var both = Self.options([brokenServer.address, goodServer.address])
                both.attempts = 1
                let resolver = DNSResolver(options: both, group: Self.group)
                let report = await resolver.lookupReport(Self.host, type: .A)
                #expect(report.outcome.success?.records.count == 2)
                #expect(report.failures.map(\.transport) == [.tcp])
                #expect(report.exchanges.map(\.server) == [brokenServer.address, goodServer.address])
            }
        }
    }

    @Test func tcpPeerClosingMidMessageIsAnError() async throws {
        try await Self.withFake({ query, transport in
            if transport == .udp { return [.reply(makeReply(to: query, truncated: true).encode())] }
            let full = Self.goodReply(query)
            return [.raw([UInt8(full.count >> 8), UInt8(full.count & 0xFF)] + full.prefix(10)), .close]
        }) { server in
            var options = Self.options([server.address])
            options.attempts = 1
            let resolver = DNSResolver(options: options, group: Self.group)
            let error = await resolver.lookupReport(Self.host, type: .A).outcome.failure
            guard let reason = Self.malformedReason(error) else { return }
            #expect(reason.hasPrefix("TCP: connection closed after 10 of "))
        }
    }

    @Test func tcpPeerThatNeverAnswersTimesOut() async throws {
        try await Self.withFake({ query, transport in
            transport == .udp ? [.reply(makeReply(to: query, truncated: true).encode())] : []
        }) { server in
            var options = Self.options([server.address], timeout: .milliseconds(300))
            options.attempts = 1
            let resolver = DNSResolver(options: options, group: Self.group)
            let start = ContinuousClock.now
            let report = await resolver.lookupReport(Self.host, type: .A)
            #expect(report.outcome.failure == .timeout)
            #expect(report.failures.map(\.transport) == [.tcp])
            #expect(seconds(since: start) < 45, "no hang: every try has a deadline")
        }
    }

    @Test func closedTCPPortIsANetworkError() async throws {
        // A UDP-only "server" that truncates: TCP to the same port is refused at once.
        let udpOnly = try await DatagramBootstrap(group: Self.group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TruncatingUDPResponder())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { udpOnly.close(promise: nil) }
        var options = Self.options([try #require(udpOnly.localAddress)])
        options.attempts = 1
        let resolver = DNSResolver(options: options, group: Self.group)
        let start = ContinuousClock.now
        let error = await resolver.lookupReport(Self.host, type: .A).outcome.failure
        #expect(error == .networkError("connection refused"))
        #expect(seconds(since: start) < 45, "no hang: every try has a deadline")
    }

    // MARK: - CNAMEs

    @Test func cnameLoopAcrossQueries() async throws {
        try await Self.withFake({ query, _ in
            let name = query.questions[0].name
            let target = name == dnsName("a.loop.test") ? dnsName("b.loop.test") : dnsName("a.loop.test")
            return [
                .reply(
                    makeReply(to: query, answers: [DNSResourceRecord(name: name, ttl: 60, data: .cname(target))])
                        .encode())
            ]
        }) { server in
            let resolver = DNSResolver(options: Self.options([server.address]), group: Self.group)
            await #expect(throws: DNSResolverError.cnameLoop(name: "a.loop.test.")) {
                try await resolver.lookup("a.loop.test", type: .A)
            }
            // Two queries: a → b, then b → a.
            #expect(
                server.queries.map(\.message.questions[0].name) == [dnsName("a.loop.test"), dnsName("b.loop.test")])
        }
    }

    @Test func cnameLoopInsideOneAnswer() async throws {
        try await Self.withFake({ query, _ in
            let a = dnsName("a.loop.test")
            let b = dnsName("b.loop.test")
            return [
                .reply(
                    makeReply(
                        to: query,
                        answers: [
                            DNSResourceRecord(name: a, ttl: 60, data: .cname(b)),
                            DNSResourceRecord(name: b, ttl: 60, data: .cname(a)),
                        ]
                    ).encode())
            ]
        }) { server in
            let resolver = DNSResolver(options: Self.options([server.address]), group: Self.group)
            await #expect(throws: DNSResolverError.cnameLoop(name: "a.loop.test.")) {
                try await resolver.lookup("a.loop.test", type: .A)
            }
            #expect(server.queries.count == 1)
        }
    }

    @Test func cnameChainIsFollowedAcrossQueriesAndBounded() async throws {
        // hop0 → hop1 → … → hop20, one CNAME per reply; hop20 has the address.
        try await Self.withFake({ query, _ in
            let name = query.questions[0].name
            let label = String(decoding: name.labels[0], as: UTF8.self)
            let index = Int(label.dropFirst(3)) ?? 0
            if index == 20 {
                return [.reply(makeReply(to: query, answers: aRecords(name, count: 1, ttl: 50)).encode())]
            }
            let next = dnsName("hop\(index + 1).chain.test")
            return [
                .reply(
                    makeReply(
                        to: query,
                        answers: [DNSResourceRecord(name: name, ttl: UInt32(100 + index), data: .cname(next))]
                    ).encode())
            ]
        }) { server in
            let resolver = DNSResolver(options: Self.options([server.address]), group: Self.group)
            await #expect(throws: DNSResolverError.cnameChainTooLong(limit: 16)) {
                try await resolver.lookup("hop0.chain.test", type: .A)
            }
            let result = try await resolver.lookup("hop5.chain.test", type: .A)
            #expect(result.chain.count == 15)
            #expect(result.records.count == 1)
            #expect(result.records[0].name == dnsName("hop20.chain.test"))
            #expect(result.exchanges.count == 16)
            #expect(result.ttl == 50)
            var short = Self.options([server.address])
            short.maximumCNAMEChain = 3
            await #expect(throws: DNSResolverError.cnameChainTooLong(limit: 3)) {
                try await DNSResolver(options: short, group: Self.group).lookup("hop10.chain.test", type: .A)
            }
        }
    }

    @Test func cnameWithoutTargetAndWithSOAIsNoData() async throws {
        try await Self.withFake({ query, _ in
            let name = query.questions[0].name
            return [
                .reply(
                    makeReply(
                        to: query,
                        answers: [DNSResourceRecord(name: name, ttl: 60, data: .cname(dnsName("target.fake.test")))],
                        authorities: [soaRecord(zone: "fake.test", ttl: 30, minimum: 10)]
                    ).encode())
            ]
        }) { server in
            let resolver = DNSResolver(options: Self.options([server.address]), group: Self.group)
            let report = await resolver.lookupReport("alias.fake.test", type: .AAAA)
            #expect(report.outcome.failure == .noData(name: "target.fake.test.", type: .AAAA))
            #expect(server.queries.count == 1)
            // Cached for min(SOA TTL 30, MINIMUM 10, chain 60) = 10 s.
            let again = await resolver.lookupReport("alias.fake.test", type: .AAAA)
            #expect(again.fromCache)
        }
    }

    // MARK: - Response codes, EDNS, failover

    @Test func servfailAndRefusedFailOver() async throws {
        try await Self.withFake({ query, _ in [.reply(makeReply(to: query, rcode: .SERVFAIL).encode())] }) { failing in
            try await Self.withFake({ query, _ in [.reply(makeReply(to: query, rcode: .REFUSED).encode())] }) {
                refusing in
                try await Self.withFake({ query, _ in [.reply(Self.goodReply(query))] }) { good in
                    let resolver = DNSResolver(
                        options: Self.options([failing.address, refusing.address, good.address]), group: Self.group)
                    let report = await resolver.lookupReport(Self.host, type: .A)
                    #expect(report.outcome.success?.records.count == 2)
                    #expect(report.failures.map(\.error) == [.serverFailure, .refused])
                    #expect(report.exchanges.map(\.server) == [failing.address, refusing.address, good.address])

                    var onlyBad = Self.options([failing.address, refusing.address])
                    onlyBad.attempts = 1
                    let bad = DNSResolver(options: onlyBad, group: Self.group)
                    await #expect(throws: DNSResolverError.refused) { try await bad.lookup(Self.host, type: .A) }
                    let servfailOnly = DNSResolver(options: Self.options([failing.address]), group: Self.group)
                    await #expect(throws: DNSResolverError.serverFailure) {
                        try await servfailOnly.lookup(Self.host, type: .A)
                    }
                }
            }
        }
    }

    @Test func ednsFormErrRetriesWithoutEDNSAndRemembers() async throws {
        try await Self.withFake({ query, _ in
            if query.edns != nil {
                // An old server: FORMERR with no question section.
                var reply = makeReply(to: query, rcode: .FORMERR, edns: false)
                reply.questions = []
                return [.reply(reply.encode())]
            }
            return [.reply(Self.goodReply(query))]
        }) { server in
            let resolver = DNSResolver(options: Self.options([server.address]), group: Self.group)
            let result = try await resolver.lookup(Self.host, type: .A)
            #expect(result.records.count == 2)
            #expect(result.exchanges.map { $0.query.edns != nil } == [true, false])
            // The next lookup goes without EDNS straight away.
            let next = try await resolver.lookup("other.fake.test", type: .A)
            #expect(next.exchanges.map { $0.query.edns != nil } == [false])
        }
    }

    @Test func nxdomainWithoutSOAIsNotCached() async throws {
        try await Self.withFake({ query, _ in [.reply(makeReply(to: query, rcode: .NXDOMAIN).encode())] }) { server in
            let resolver = DNSResolver(options: Self.options([server.address]), group: Self.group)
            await #expect(throws: DNSResolverError.nameError(name: "host.fake.test.")) {
                try await resolver.lookup(Self.host, type: .A)
            }
            let again = await resolver.lookupReport(Self.host, type: .A)
            #expect(!again.fromCache)
            #expect(server.queries.count == 2)
        }
    }

    @Test func ttlsAreClampedAndTopBitMeansZero() async throws {
        try await Self.withFake({ query, _ in
            let name = query.questions[0].name
            let ttl: UInt32 = name == dnsName("huge.fake.test") ? 1_000_000 : 0x8000_0001
            return [.reply(makeReply(to: query, answers: aRecords(name, count: 1, ttl: ttl)).encode())]
        }) { server in
            var options = Self.options([server.address])
            options.maximumCacheTTL = 100
            let resolver = DNSResolver(options: options, group: Self.group)
            #expect(try await resolver.lookup("huge.fake.test", type: .A).ttl == 100)
            #expect(try await resolver.lookup("huge.fake.test", type: .A).fromCache)
            #expect(try await resolver.lookup("negative.fake.test", type: .A).ttl == 0)
            // TTL 0 is not cached.
            #expect(try await !resolver.lookup("negative.fake.test", type: .A).fromCache)
            // Without a cache nothing is cached.
            options.cacheEnabled = false
            let uncached = DNSResolver(options: options, group: Self.group)
            _ = try await uncached.lookup("huge.fake.test", type: .A)
            #expect(try await !uncached.lookup("huge.fake.test", type: .A).fromCache)
        }
    }

    @Test func idsAndSourcePortsAreRandom() async throws {
        try await Self.withFake({ query, _ in [.reply(Self.goodReply(query))] }) { server in
            var options = Self.options([server.address])
            options.cacheEnabled = false
            let resolver = DNSResolver(options: options, group: Self.group)
            for _ in 0..<20 { _ = try await resolver.lookup(Self.host, type: .A) }
            let queries = server.queries
            #expect(queries.count == 20)
            #expect(Set(queries.map(\.message.header.id)).count >= 18)
            #expect(Set(queries.compactMap(\.sourcePort)).count >= 18)
            #expect(
                queries.allSatisfy { $0.message.edns?.udpPayloadSize == 1232 && $0.message.header.recursionDesired })
        }
    }

    @Test func rawExchangeReturnsWhateverMatches() async throws {
        try await Self.withFake({ query, transport in
            transport == .udp
                ? [.reply(makeReply(to: query, rcode: .SERVFAIL, truncated: true).encode())]
                : [.reply(Self.goodReply(query))]
        }) { server in
            let resolver = DNSResolver(options: Self.options([server.address]), group: Self.group)
            let query = DNSMessage.query(id: 777, name: dnsName(Self.host), type: .A)
            let udp = try await resolver.exchange(query, server: server.address, transport: .udp, timeout: .seconds(1))
            #expect(udp.reply.responseCode == .SERVFAIL)
            #expect(udp.reply.header.isTruncated)
            #expect(udp.reply.header.id == 777)
            #expect(udp.replySize == makeReply(to: query, rcode: .SERVFAIL, truncated: true).encode().count)
            let tcp = try await resolver.exchange(query, server: server.address, transport: .tcp, timeout: .seconds(1))
            #expect(tcp.reply.answers.count == 2)
            #expect(tcp.transport == .tcp)
            #expect(tcp.roundTrip > .zero)
        }
    }

    @Test func cancellationEndsALookup() async throws {
        try await Self.withFake({ _, _ in [] }) { server in
            let resolver = DNSResolver(options: Self.options([server.address], timeout: .seconds(5)), group: Self.group)
            let start = ContinuousClock.now
            let task = Task { await resolver.lookupReport(Self.host, type: .A) }
            try await Task.sleep(for: .milliseconds(100))
            task.cancel()
            let report = await task.value
            #expect(report.outcome.failure == .cancelled)
            #expect(seconds(since: start) < 45, "no hang: every try has a deadline")
        }
    }

    // MARK: - No network needed

    @Test func nameChecksHappenBeforeSending() async {
        var options = DNSResolverOptions(servers: [])
        let resolver = DNSResolver(options: options, group: Self.group)
        await #expect(throws: DNSResolverError.noServers) { try await resolver.lookup("example.test", type: .A) }
        let tooLong = String(repeating: "a.", count: 127) + "bb"
        await #expect(throws: DNSResolverError.nameTooLong(length: 256, limit: 253)) {
            try await resolver.lookup(tooLong, type: .A)
        }
        await #expect(throws: DNSResolverError.invalidName("a..b: empty label")) {
            try await resolver.lookup("a..b", type: .A)
        }
        options.maximumNameLength = 100
        let legacy = DNSResolver(options: options, group: Self.group)
        let name101 = String(repeating: "x", count: 60) + "." + String(repeating: "y", count: 40)
        #expect(name101.count == 101)
        await #expect(throws: DNSResolverError.nameTooLong(length: 101, limit: 100)) {
            try await legacy.lookup(name101, type: .A)
        }
        // An IPv4 literal needs no server.
        let literal = try? await resolver.resolveIPv4("192.0.2.9")
        #expect(literal?.map(\.address) == [[192, 0, 2, 9]])
    }

    @Test func resolvConfParsing() {
        let text = """
            # comment
            search example.test
            nameserver 192.0.2.53
            nameserver   2001:db8::53
            nameserver fe80::1%eth0
            nameserver not-an-address
            options edns0
            nameserver\t198.51.100.53
            """
        let servers = DNSResolverOptions.parseResolvConf(text)
        #expect(servers.map(\.ipAddress) == ["192.0.2.53", "2001:db8::53", "198.51.100.53"])
        #expect(servers.allSatisfy { $0.port == 53 })
        #expect(DNSResolverOptions.systemServers(resolvConf: "/nonexistent/resolv.conf").isEmpty)
        let defaults = DNSResolverOptions(servers: [])
        #expect(defaults.timeout == .seconds(2))
        #expect(defaults.attempts == 2)
        #expect(defaults.ednsPayloadSize == 1232)
        #expect(defaults.tcpFallback)
        #expect(defaults.maximumUDPReplySize == nil)
        #expect(defaults.maximumNameLength == 253)
        #expect(defaults.maximumCNAMEChain == 16)
        #expect(defaults.cacheEnabled)
        #expect(defaults.maximumCacheTTL == 86400)
    }
}

extension DNSResolverError {
    var isMalformed: Bool {
        if case .malformedReply = self { return true }
        return false
    }
}

/// Answers every query with an empty TC reply (for the closed-TCP-port test).
private final class TruncatingUDPResponder: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        guard let query = try? DNSMessage.decode(Array(envelope.data.readableBytesView)) else { return }
        let bytes = makeReply(to: query, truncated: true).encode()
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.writeAndFlush(
            Self.wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)), promise: nil)
    }
}
