import NIOCore

/// Turns a host name into IPv4 addresses for SOCKON and PING.
public protocol HostResolver: Sendable {
    /// Resolves `name` to IPv4 addresses, completing on `eventLoop`; fails with ``HostResolutionError``.
    func resolveIPv4(_ name: String, on eventLoop: any EventLoop) -> EventLoopFuture<[IPv4Address]>

    /// Fails every lookup still in progress and stops its work. The module calls it on its event loop when it shuts
    /// down, so that no lookup completes (or opens a socket) on a loop that is gone.
    func cancelPending()
}

extension HostResolver {
    /// Nothing to cancel (a resolver whose lookups complete at once).
    public func cancelPending() {}
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
