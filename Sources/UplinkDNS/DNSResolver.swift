import DNSCodec
import NIOCore
import NIOPosix

/// A stub resolver: asks recursive (or authoritative) servers and never fails on a big answer.
///
/// - UDP first, with EDNS(0) advertising ``DNSResolverOptions/ednsPayloadSize`` (1232) and a 65,536-byte
///   receive buffer; a fresh connected socket per query (the kernel picks a random source port) and a random
///   16-bit id from `SystemRandomNumberGenerator`. A reply counts only if its source, id and question match;
///   anything else (and zero-length datagrams) is dropped and the wait goes on.
/// - A datagram that claims to answer (right source, id and QR) but cannot be decoded is not dropped: it is a
///   malformed reply from that server. A TC reply cut in the middle of a record is decoded as far as it goes.
/// - TCP (RFC 7766, 2-byte length prefix) to the same server when the UDP reply has TC set, is over
///   ``DNSResolverOptions/maximumUDPReplySize``, or cannot be decoded. Without TCP fallback a TC or over-limit
///   reply is ``DNSResolverError/replyTooLarge(size:limit:)``, at once (as the legacy firmware fails).
/// - EDNS answered with FORMERR, NOTIMP or BADVERS: the same server is asked again without EDNS, and remembered.
/// - Servers in order, ``DNSResolverOptions/attempts`` rounds; the next server on timeout, SERVFAIL, REFUSED, a
///   malformed reply or a network error. NXDOMAIN and NODATA are final. With
///   ``DNSResolverOptions/silentServerMemory``, a server that timed out is asked last for that long.
/// - CNAME chains followed inside the answer and, when the server stopped at a target without saying it has no
///   data (no SOA), with a new query for the target; bounded and loop-checked.
/// - A cache keyed by (name, type): answers for the smallest TTL of the chain and RRset, NXDOMAIN and NODATA for
///   min(SOA TTL, SOA MINIMUM) when the reply carries an SOA (RFC 2308), all capped at
///   ``DNSResolverOptions/maximumCacheTTL``.
///
/// Every wait is bounded by the per-try timeout and the number of tries is bounded, so a lookup always ends.
/// Names are ASCII; IDNA is out of scope (pass the `xn--` form).
public final class DNSResolver: Sendable {
    public let options: DNSResolverOptions
    let transport: DNSTransport
    let state: DNSResolverState

    public init(options: DNSResolverOptions, group: any EventLoopGroup) {
        self.options = options
        self.transport = DNSTransport(group: group)
        self.state = DNSResolverState(maximumEntries: options.maximumCacheEntries)
    }

    /// Looks up `name` (presentation text, trailing dot optional) for records of `type`, following CNAMEs.
    nonisolated(nonsending) public func lookup(_ name: String, type: DNSRecordType) async throws(DNSResolverError)
        -> DNSLookupResult
    {
        let report = await lookupReport(name, type: type)
        return try report.outcome.get()
    }

    /// The A records for `name` after CNAMEs, with their TTLs (each capped at the lookup's TTL). An IPv4 literal
    /// is returned as is, with ``DNSResolverOptions/maximumCacheTTL`` as its TTL.
    nonisolated(nonsending) public func resolveIPv4(_ name: String) async throws(DNSResolverError)
        -> [(address: [UInt8], ttl: UInt32)]
    {
        if let literal = DNSIPv4Address(name) { return [(literal.bytes, options.maximumCacheTTL)] }
        let result = try await lookup(name, type: .A)
        return result.records.compactMap { record in
            guard case .a(let address) = record.data else { return nil }
            return (address.bytes, min(record.effectiveTTL, result.ttl))
        }
    }

    /// One raw exchange, without cache, CNAME, fallback or failover logic: for `uplink dns` measurements.
    ///
    /// Returns the first reply that matches the query (whatever its RCODE or TC flag); throws
    /// ``DNSResolverError/timeout``, ``DNSResolverError/malformedReply(_:)`` or
    /// ``DNSResolverError/networkError(_:)``.
    public func exchange(
        _ query: DNSMessage, server: SocketAddress, transport kind: DNSTransportKind, timeout: TimeAmount
    )
        async throws(DNSResolverError) -> DNSExchange
    {
        switch kind {
        case .udp: return try await transport.udp(query, server: server, timeout: timeout)
        case .tcp: return try await transport.tcp(query, server: server, timeout: timeout)
        }
    }

    /// Empties the cache (positive and negative entries) and forgets which servers refused EDNS.
    public func clearCache() {
        state.clear()
    }

    /// The number of (name, type) entries in the cache, expired ones included until they are touched.
    public var cacheCount: Int { state.count }

    /// Looks up `name` and reports everything: the outcome, whether it came from the cache, every exchange and
    /// every failed try. Never throws; ``lookup(_:type:)`` is this plus `outcome.get()`.
    nonisolated(nonsending) public func lookupReport(_ name: String, type: DNSRecordType) async -> DNSLookupReport {
        var work = Work()
        let qname: DNSName
        do {
            qname = try parseName(name)
        } catch {
            return DNSLookupReport(
                name: name, type: type, outcome: .failure(error), fromCache: false, exchanges: [], failures: [])
        }
        if options.cacheEnabled, let cached = state.lookup(name: qname, type: type, now: .now()) {
            let outcome: Result<DNSLookupResult, DNSResolverError>
            switch cached.entry {
            case .positive(var result):
                result.ttl = min(result.ttl, cached.remaining)
                result.records = result.records.map { record in
                    var record = record
                    record.ttl = min(record.effectiveTTL, cached.remaining)
                    return record
                }
                result.fromCache = true
                result.exchanges = []
                outcome = .success(result)
            case .negative(let error):
                outcome = .failure(error)
            }
            return DNSLookupReport(
                name: name, type: type, outcome: outcome, fromCache: true, exchanges: [], failures: [])
        }
        let outcome: Result<DNSLookupResult, DNSResolverError>
        do {
            switch try await resolve(qname, type: type, work: &work) {
            case .positive(var result):
                result.exchanges = work.exchanges
                if options.cacheEnabled {
                    var stored = result
                    stored.exchanges = []
                    state.store(.positive(stored), name: qname, type: type, ttl: result.ttl, now: .now())
                }
                outcome = .success(result)
            case .negative(let error, let ttl):
                if options.cacheEnabled, let ttl {
                    state.store(.negative(error), name: qname, type: type, ttl: ttl, now: .now())
                }
                outcome = .failure(error)
            }
        } catch {
            outcome = .failure(error)
        }
        return DNSLookupReport(
            name: name, type: type, outcome: outcome, fromCache: false, exchanges: work.exchanges,
            failures: work.failures)
    }

    // MARK: - Resolution

    struct Work {
        var exchanges: [DNSExchange] = []
        var failures: [DNSTryFailure] = []
    }

    enum Outcome {
        case positive(DNSLookupResult)
        /// NXDOMAIN or NODATA, with the negative-caching TTL when the reply allows caching.
        case negative(DNSResolverError, ttl: UInt32?)
    }

    private func parseName(_ text: String) throws(DNSResolverError) -> DNSName {
        let name: DNSName
        do {
            name = try DNSName(text)
        } catch {
            if case .nameTooLong(let wireLength) = error {
                throw .nameTooLong(length: wireLength - 2, limit: min(options.maximumNameLength, 253))
            }
            throw .invalidName("\(text): \(error)")
        }
        if name.textLength > options.maximumNameLength {
            throw .nameTooLong(length: name.textLength, limit: options.maximumNameLength)
        }
        if name.isRoot { throw .invalidName("the root name has no addresses") }
        return name
    }

    private func clampTTL(_ ttl: UInt32) -> UInt32 {
        min(ttl & 0x8000_0000 != 0 ? 0 : ttl, options.maximumCacheTTL)
    }

    func resolve(_ qname: DNSName, type: DNSRecordType, work: inout Work) async throws(DNSResolverError) -> Outcome {
        var chain: [DNSResourceRecord] = []
        var current = qname
        var seen: Set<DNSName> = [qname]
        while true {
            let queried = current
            let reply = try await queryServers(current, type: type, work: &work)
            var records: [DNSResourceRecord] = []
            while true {
                records = reply.answers.filter { record in
                    record.class == .IN && record.name == current && (record.type == type || type == .ANY)
                }
                if !records.isEmpty || type == .CNAME || type == .ANY { break }
                guard
                    let cname = reply.answers.first(where: {
                        $0.class == .IN && $0.name == current && $0.type == .CNAME
                    }),
                    case .cname(let target) = cname.data
                else { break }
                chain.append(cname)
                if chain.count > options.maximumCNAMEChain {
                    throw .cnameChainTooLong(limit: options.maximumCNAMEChain)
                }
                if !seen.insert(target).inserted { throw .cnameLoop(name: target.description) }
                current = target
            }
            let chainTTL = chain.map(\.effectiveTTL).min() ?? UInt32.max
            if !records.isEmpty {
                let ttl = clampTTL(min(chainTTL, records.map(\.effectiveTTL).min() ?? UInt32.max))
                return .positive(
                    DNSLookupResult(
                        name: qname, type: type, chain: chain, records: records, ttl: ttl, fromCache: false,
                        exchanges: []))
            }
            let soa = reply.authorities.first { $0.type == .SOA }
            var negativeTTL: UInt32?
            if let soa, case .soa(let data) = soa.data {
                negativeTTL = clampTTL(min(soa.effectiveTTL, data.minimum, chainTTL))
            }
            if reply.responseCode == .NXDOMAIN {
                return .negative(.nameError(name: current.description), ttl: negativeTTL)
            }
            if current != queried && soa == nil {
                // The server stopped at a CNAME target it does not serve: ask for the target.
                continue
            }
            return .negative(.noData(name: current.description, type: type), ttl: negativeTTL)
        }
    }

    /// Asks the servers in order, `attempts` rounds, until one gives a final answer (NOERROR or NXDOMAIN).
    func queryServers(_ name: DNSName, type: DNSRecordType, work: inout Work) async throws(DNSResolverError)
        -> DNSMessage
    {
        guard !options.servers.isEmpty else { throw .noServers }
        var lastError: DNSResolverError = .timeout
        var sawAnswer = false
        let servers =
            options.silentServerMemory == nil ? options.servers : state.ordered(options.servers, now: .now())
        for _ in 0..<max(1, options.attempts) {
            for server in servers {
                do {
                    let reply = try await queryServer(server, name: name, type: type, work: &work)
                    if options.silentServerMemory != nil { state.markAnswering(server) }
                    let code = reply.responseCode
                    if code == .NOERROR || code == .NXDOMAIN { return reply }
                    let error: DNSResolverError =
                        switch code {
                        case .SERVFAIL: .serverFailure
                        case .REFUSED: .refused
                        default: .unexpectedResponseCode(code)
                        }
                    let transport = work.exchanges.last?.transport ?? .udp
                    work.failures.append(DNSTryFailure(server: server, transport: transport, error: error))
                    lastError = error
                    sawAnswer = true
                } catch {
                    if error == .cancelled { throw error }
                    if error == .timeout, let memory = options.silentServerMemory {
                        state.markSilent(server, until: .now() + memory)
                    }
                    if case .replyTooLarge = error { throw error }
                    // A server that answered (badly) says more than one that timed out.
                    if error != .timeout || !sawAnswer {
                        lastError = error
                        if error != .timeout { sawAnswer = true }
                    }
                }
            }
        }
        throw lastError
    }

    /// One server: UDP, without EDNS if EDNS is refused, then TCP when the UDP reply is truncated, too big or
    /// undecodable. Returns the reply whatever its RCODE; records failed tries in `work`.
    func queryServer(_ server: SocketAddress, name: DNSName, type: DNSRecordType, work: inout Work)
        async throws(DNSResolverError) -> DNSMessage
    {
        var useEDNS = options.ednsPayloadSize != nil
        if useEDNS, !state.usesEDNS(server, now: .now()) { useEDNS = false }
        while true {
            let query = DNSMessage.query(
                id: Self.randomID(), name: name, type: type, recursionDesired: true,
                ednsPayloadSize: useEDNS ? options.ednsPayloadSize : nil)
            let udp: DNSExchange
            do {
                udp = try await transport.udp(query, server: server, timeout: options.timeout)
            } catch {
                work.failures.append(DNSTryFailure(server: server, transport: .udp, error: error))
                if case .malformedReply = error, options.tcpFallback {
                    return try await queryTCP(server, name: name, type: type, useEDNS: useEDNS, work: &work)
                }
                throw error
            }
            work.exchanges.append(udp)
            let code = udp.reply.responseCode
            if useEDNS && (code == .FORMERR || code == .NOTIMP || code == .BADVERS) {
                state.disableEDNS(server, until: .now() + options.noEDNSMemory)
                useEDNS = false
                continue
            }
            let overLimit = options.maximumUDPReplySize.map { udp.replySize > $0 } ?? false
            if udp.reply.header.isTruncated || overLimit {
                guard options.tcpFallback else {
                    let limit =
                        options.maximumUDPReplySize
                        ?? (useEDNS ? max(512, Int(options.ednsPayloadSize ?? 512)) : 512)
                    throw .replyTooLarge(size: udp.replySize, limit: limit)
                }
                return try await queryTCP(server, name: name, type: type, useEDNS: useEDNS, work: &work)
            }
            return udp.reply
        }
    }

    private func queryTCP(
        _ server: SocketAddress, name: DNSName, type: DNSRecordType, useEDNS: Bool, work: inout Work
    ) async throws(DNSResolverError) -> DNSMessage {
        let query = DNSMessage.query(
            id: Self.randomID(), name: name, type: type, recursionDesired: true,
            ednsPayloadSize: useEDNS ? options.ednsPayloadSize : nil)
        do {
            let tcp = try await transport.tcp(query, server: server, timeout: options.timeout)
            work.exchanges.append(tcp)
            return tcp.reply
        } catch {
            work.failures.append(DNSTryFailure(server: server, transport: .tcp, error: error))
            throw error
        }
    }

    static func randomID() -> UInt16 {
        var generator = SystemRandomNumberGenerator()
        return UInt16.random(in: .min ... .max, using: &generator)
    }
}
