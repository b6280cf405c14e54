import NIOCore
import NIOPosix

/// How a ``DNSResolver`` talks to its servers. The defaults are a modern stub resolver (EDNS(0) with 1232
/// bytes, TCP fallback, cache); the `maximum…` fields reproduce a legacy firmware's limits.
public struct DNSResolverOptions: Sendable {
    /// Tried in order; the next one is used on timeout, SERVFAIL, REFUSED, a malformed reply or a network error.
    public var servers: [SocketAddress]
    /// How long to wait for one reply (UDP), or for connect plus reply (TCP). Default 2 s.
    public var timeout: TimeAmount
    /// Rounds over the server list. Default 2.
    public var attempts: Int
    /// The UDP payload size advertised with EDNS(0). Default 1232 (DNS Flag Day 2020); nil sends no OPT record
    /// (a legacy resolver, limited to 512-byte UDP replies).
    public var ednsPayloadSize: UInt16?
    /// Retry a truncated (TC=1), over-limit or undecodable UDP reply over TCP on the same server. Default true.
    public var tcpFallback: Bool
    /// The largest UDP reply accepted; nil = no limit. A larger reply is retried over TCP when ``tcpFallback``
    /// is on, and is ``DNSResolverError/replyTooLarge(size:limit:)`` otherwise (legacy firmware: 300).
    public var maximumUDPReplySize: Int?
    /// The longest name accepted, in characters without the final dot. Default 253; legacy firmware 100.
    public var maximumNameLength: Int
    /// The most CNAME records followed for one lookup. Default 16.
    public var maximumCNAMEChain: Int
    /// Cache answers (and NXDOMAIN/NODATA, RFC 2308). Default true.
    public var cacheEnabled: Bool
    /// The longest time an answer stays cached, in seconds. Default 86400.
    public var maximumCacheTTL: UInt32
    /// The most (name, type) entries kept; when full, expired entries go first, then arbitrary ones.
    public var maximumCacheEntries: Int
    /// After a server answered an EDNS query with FORMERR, NOTIMP or BADVERS, queries to it go without EDNS for
    /// this long (as systemd-resolved does). Default 10 minutes.
    public var noEDNSMemory: TimeAmount
    /// After a server let a try time out, it is asked after the others (still asked when they fail) for this
    /// long, or until it answers; nil (the default) keeps the given order. The module sets 60 s, so a dead first
    /// server does not cost a timeout at every lookup.
    public var silentServerMemory: TimeAmount?

    public init(servers: [SocketAddress]) {
        self.servers = servers
        self.timeout = .seconds(2)
        self.attempts = 2
        self.ednsPayloadSize = 1232
        self.tcpFallback = true
        self.maximumUDPReplySize = nil
        self.maximumNameLength = 253
        self.maximumCNAMEChain = 16
        self.cacheEnabled = true
        self.maximumCacheTTL = 86400
        self.maximumCacheEntries = 10_000
        self.noEDNSMemory = .minutes(10)
        self.silentServerMemory = nil
    }

    /// The `nameserver` lines of a resolv.conf file, each on port 53, in file order. An unreadable file gives an
    /// empty list; scoped IPv6 addresses (`fe80::1%eth0`) are skipped.
    public static func systemServers(resolvConf: String = "/etc/resolv.conf") -> [SocketAddress] {
        guard let text = readSmallFile(resolvConf) else { return [] }
        return parseResolvConf(text)
    }

    /// The `nameserver` addresses in resolv.conf text, each on port 53.
    public static func parseResolvConf(_ text: String) -> [SocketAddress] {
        var servers: [SocketAddress] = []
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { continue }
            let address = String(fields[1])
            if address.contains("%") { continue }
            if let server = try? SocketAddress(ipAddress: address, port: 53) { servers.append(server) }
        }
        return servers
    }
}

/// Reads a file of at most 1 MB with POSIX calls (no Foundation), or nil.
private func readSmallFile(_ path: String) -> String? {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while bytes.count < 1 << 20 {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}
