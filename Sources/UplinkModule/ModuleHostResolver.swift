import DNSCodec
import NIOCore
import UplinkDNS

/// The module's resolver: Uplink's stub resolver with the profile's limits.
///
/// `spwf01-3.5` reproduces the legacy firmware exactly (UDP only, no EDNS, replies over 300 bytes
/// and names over 100 fail); the other profiles use EDNS0 with TCP fallback and resolve any size.
public final class ModuleHostResolver: HostResolver {
    private let resolver: DNSResolver
    /// The servers asked, in order.
    public var servers: [SocketAddress] { resolver.options.servers }

    /// A resolver for `limits` asking `servers` (the first answers; the others are failover).
    public init(limits: DNSLimits, servers: [SocketAddress], group: any EventLoopGroup) {
        var options = DNSResolverOptions(servers: servers)
        options.ednsPayloadSize = limits.ednsPayloadSize
        options.tcpFallback = limits.tcpFallback
        options.maximumUDPReplySize = limits.maximumReplySize
        options.maximumNameLength = limits.maximumNameLength
        options.timeout = .seconds(2)
        options.attempts = 2
        resolver = DNSResolver(options: options, group: group)
    }

    public func resolveIPv4(_ name: String, on eventLoop: any EventLoop) -> EventLoopFuture<[IPv4Address]> {
        if let literal = IPv4Address(name) {
            return eventLoop.makeSucceededFuture([literal])
        }
        let resolver = self.resolver
        let promise = eventLoop.makePromise(of: [IPv4Address].self)
        promise.completeWithTask {
            do {
                let answers = try await resolver.resolveIPv4(name)
                let addresses = answers.compactMap { answer -> IPv4Address? in
                    guard answer.address.count == 4 else { return nil }
                    return IPv4Address(answer.address[0], answer.address[1], answer.address[2], answer.address[3])
                }
                guard !addresses.isEmpty else { throw HostResolutionError(name: name, reason: "no IPv4 address") }
                return addresses
            } catch let error as DNSResolverError {
                throw HostResolutionError(name: name, reason: error.description)
            }
        }
        return promise.futureResult
    }
}
