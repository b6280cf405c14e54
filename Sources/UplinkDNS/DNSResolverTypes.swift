import DNSCodec
import NIOCore

/// The transport of one exchange.
public enum DNSTransportKind: Sendable, Hashable, CustomStringConvertible {
    case udp
    case tcp

    public var description: String {
        switch self {
        case .udp: return "UDP"
        case .tcp: return "TCP"
        }
    }
}

/// One query and its reply on the wire, for diagnostics (`uplink dns`) and tests.
public struct DNSExchange: Sendable {
    public var server: SocketAddress
    public var transport: DNSTransportKind
    public var query: DNSMessage
    /// The reply as decoded. For a TC reply cut in the middle of a record, the complete records only.
    public var reply: DNSMessage
    /// The size of the reply on the wire (the UDP payload, or the TCP message without its length prefix).
    public var replySize: Int
    /// From sending the query (TCP: from starting to connect) to the reply.
    public var roundTrip: TimeAmount

    public init(
        server: SocketAddress, transport: DNSTransportKind, query: DNSMessage, reply: DNSMessage, replySize: Int,
        roundTrip: TimeAmount
    ) {
        self.server = server
        self.transport = transport
        self.query = query
        self.reply = reply
        self.replySize = replySize
        self.roundTrip = roundTrip
    }
}

/// A try that produced no usable reply: which server, which transport, and why.
public struct DNSTryFailure: Sendable, Equatable {
    public var server: SocketAddress
    public var transport: DNSTransportKind
    public var error: DNSResolverError

    public init(server: SocketAddress, transport: DNSTransportKind, error: DNSResolverError) {
        self.server = server
        self.transport = transport
        self.error = error
    }
}

/// A successful lookup.
public struct DNSLookupResult: Sendable {
    /// The name asked for.
    public var name: DNSName
    public var type: DNSRecordType
    /// The CNAME records followed, in order, from ``name`` to the owner of ``records``.
    public var chain: [DNSResourceRecord]
    /// The final RRset of ``type`` (for a cached result, TTLs capped at the time left).
    public var records: [DNSResourceRecord]
    /// The smallest TTL along the chain and the RRset, capped at ``DNSResolverOptions/maximumCacheTTL``
    /// (for a cached result: the seconds left).
    public var ttl: UInt32
    public var fromCache: Bool
    /// What went over the wire (empty when cached).
    public var exchanges: [DNSExchange]

    public init(
        name: DNSName, type: DNSRecordType, chain: [DNSResourceRecord], records: [DNSResourceRecord], ttl: UInt32,
        fromCache: Bool, exchanges: [DNSExchange]
    ) {
        self.name = name
        self.type = type
        self.chain = chain
        self.records = records
        self.ttl = ttl
        self.fromCache = fromCache
        self.exchanges = exchanges
    }

    /// The IPv4 addresses of the A records in ``records``.
    public var ipv4Addresses: [DNSIPv4Address] {
        records.compactMap { record in
            if case .a(let address) = record.data { return address }
            return nil
        }
    }

    /// The IPv6 addresses of the AAAA records in ``records``.
    public var ipv6Addresses: [DNSIPv6Address] {
        records.compactMap { record in
            if case .aaaa(let address) = record.data { return address }
            return nil
        }
    }
}

/// Everything about one lookup, successful or not: what went over the wire even when it failed.
public struct DNSLookupReport: Sendable {
    /// The name as given.
    public var name: String
    public var type: DNSRecordType
    public var outcome: Result<DNSLookupResult, DNSResolverError>
    /// Whether the outcome (positive or negative) came from the cache.
    public var fromCache: Bool
    /// Every exchange that got a reply, in order.
    public var exchanges: [DNSExchange]
    /// Every try that got no usable reply (timeouts, malformed replies, closed connections, …), in order.
    public var failures: [DNSTryFailure]

    public init(
        name: String, type: DNSRecordType, outcome: Result<DNSLookupResult, DNSResolverError>, fromCache: Bool,
        exchanges: [DNSExchange], failures: [DNSTryFailure]
    ) {
        self.name = name
        self.type = type
        self.outcome = outcome
        self.fromCache = fromCache
        self.exchanges = exchanges
        self.failures = failures
    }
}

/// Why a lookup failed.
public enum DNSResolverError: Error, Equatable, Sendable, CustomStringConvertible {
    /// NXDOMAIN for this name (the last name of the CNAME chain).
    case nameError(name: String)
    /// The name exists but has no records of this type (NODATA).
    case noData(name: String, type: DNSRecordType)
    /// Every server answered SERVFAIL (or this was the last error).
    case serverFailure
    /// Every server answered REFUSED (or this was the last error).
    case refused
    /// No reply within the timeout.
    case timeout
    /// The reply could not be decoded, did not match over TCP, or a TCP peer closed mid-message.
    case malformedReply(String)
    /// The name is longer than the configured limit (characters without the final dot).
    case nameTooLong(length: Int, limit: Int)
    /// The text is not a valid domain name.
    case invalidName(String)
    /// The CNAME chain comes back to a name already seen.
    case cnameLoop(name: String)
    /// More CNAMEs than ``DNSResolverOptions/maximumCNAMEChain``.
    case cnameChainTooLong(limit: Int)
    /// A UDP reply larger than ``DNSResolverOptions/maximumUDPReplySize``, or a truncated (TC) reply without TCP
    /// fallback (then `size` is the truncated reply's size and `limit` the UDP limit in force).
    case replyTooLarge(size: Int, limit: Int)
    /// The server list is empty.
    case noServers
    /// A response code other than NOERROR, NXDOMAIN, SERVFAIL and REFUSED (e.g. FORMERR or NOTIMP without EDNS).
    case unexpectedResponseCode(DNSResponseCode)
    /// A socket error: connection refused, ICMP port unreachable, …
    case networkError(String)
    /// The task was cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .nameError(let name): return "\(name): no such name (NXDOMAIN)"
        case .noData(let name, let type): return "\(name): no \(type) records (NODATA)"
        case .serverFailure: return "server failure (SERVFAIL)"
        case .refused: return "query refused (REFUSED)"
        case .timeout: return "timed out"
        case .malformedReply(let reason): return "malformed reply: \(reason)"
        case .nameTooLong(let length, let limit): return "name of \(length) characters is over the limit of \(limit)"
        case .invalidName(let reason): return "invalid name: \(reason)"
        case .cnameLoop(let name): return "CNAME loop at \(name)"
        case .cnameChainTooLong(let limit): return "CNAME chain longer than \(limit)"
        case .replyTooLarge(let size, let limit): return "reply of \(size) bytes is over the limit of \(limit)"
        case .noServers: return "no DNS servers configured"
        case .unexpectedResponseCode(let code): return "unexpected response code \(code)"
        case .networkError(let reason): return "network error: \(reason)"
        case .cancelled: return "cancelled"
        }
    }

    /// Whether the answer is about the name itself (NXDOMAIN, NODATA), so asking another server will not help.
    public var isNegativeAnswer: Bool {
        switch self {
        case .nameError, .noData: return true
        default: return false
        }
    }
}
