import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Turns a host name into IPv4 addresses for SOCKON and PING.
public protocol HostResolver: Sendable {
    /// Resolves `name` to IPv4 addresses, completing on `eventLoop`; fails with ``HostResolutionError``.
    func resolveIPv4(_ name: String, on eventLoop: any EventLoop) -> EventLoopFuture<[IPv4Address]>
}

/// A name that could not be resolved.
public struct HostResolutionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name asked for.
    public var name: String
    /// Why it failed.
    public var reason: String

    /// Creates an error for `name`.
    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }

    public var description: String { "cannot resolve \(name): \(reason)" }
}

/// The host's own resolver (getaddrinfo), run off the event loop.
public struct SystemHostResolver: HostResolver {
    private let pool: NIOThreadPool

    /// Creates a resolver that runs lookups on `pool`.
    public init(pool: NIOThreadPool = .singleton) {
        self.pool = pool
    }

    public func resolveIPv4(_ name: String, on eventLoop: any EventLoop) -> EventLoopFuture<[IPv4Address]> {
        if let literal = IPv4Address(name) {
            return eventLoop.makeSucceededFuture([literal])
        }
        return pool.runIfActive(eventLoop: eventLoop) {
            var hints = addrinfo()
            hints.ai_family = AF_INET
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var result: UnsafeMutablePointer<addrinfo>? = nil
            let status = getaddrinfo(name, nil, &hints, &result)
            guard status == 0 else {
                throw HostResolutionError(name: name, reason: String(cString: gai_strerror(status)))
            }
            defer { freeaddrinfo(result) }
            var addresses: [IPv4Address] = []
            var cursor = result
            while let entry = cursor {
                if entry.pointee.ai_family == AF_INET, let raw = entry.pointee.ai_addr {
                    let address = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    let value = UInt32(bigEndian: address.s_addr)
                    let ip = IPv4Address(
                        UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF),
                        UInt8(value & 0xFF))
                    if !addresses.contains(ip) { addresses.append(ip) }
                }
                cursor = entry.pointee.ai_next
            }
            guard !addresses.isEmpty else { throw HostResolutionError(name: name, reason: "no IPv4 address") }
            return addresses
        }
    }
}
