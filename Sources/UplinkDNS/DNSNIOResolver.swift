import DNSCodec
import NIOCore
import NIOPosix

/// Plugs a ``DNSResolver`` into NIO's `ClientBootstrap.resolver(_:)`, so connections made by name (and NIO's
/// Happy Eyeballs, RFC 8305) use it instead of `getaddrinfo`.
///
/// IP literals are returned as they are. NODATA gives an empty list (the other family may still answer); any
/// other failure fails the future with the ``DNSResolverError``.
public final class DNSNIOResolver: Resolver, Sendable {
    public let resolver: DNSResolver
    public let eventLoop: any EventLoop

    public init(resolver: DNSResolver, eventLoop: any EventLoop) {
        self.resolver = resolver
        self.eventLoop = eventLoop
    }

    public func initiateAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        query(host: host, port: port, type: .A)
    }

    public func initiateAAAAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        query(host: host, port: port, type: .AAAA)
    }

    /// Outstanding lookups run to their own deadline; their results are simply no longer used.
    public func cancelQueries() {}

    private func query(host: String, port: Int, type: DNSRecordType) -> EventLoopFuture<[SocketAddress]> {
        if DNSIPv4Address(host) != nil || DNSIPv6Address(host) != nil {
            let isV4 = DNSIPv4Address(host) != nil
            guard isV4 == (type == .A), let address = try? SocketAddress(ipAddress: host, port: port) else {
                return eventLoop.makeSucceededFuture([])
            }
            return eventLoop.makeSucceededFuture([address])
        }
        let promise = eventLoop.makePromise(of: [SocketAddress].self)
        let resolver = self.resolver
        promise.completeWithTask {
            do throws(DNSResolverError) {
                let result = try await resolver.lookup(host, type: type)
                var addresses: [SocketAddress] = []
                for text in result.ipv4Addresses.map(\.description) + result.ipv6Addresses.map(\.description) {
                    if let address = try? SocketAddress(ipAddress: text, port: port) { addresses.append(address) }
                }
                return addresses
            } catch {
                if case .noData = error { return [] }
                throw error
            }
        }
        return promise.futureResult
    }
}
