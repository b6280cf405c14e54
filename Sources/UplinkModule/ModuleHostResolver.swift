import DNSCodec
import NIOCore
import Synchronization
import UplinkDNS

/// The module's resolver: Uplink's stub resolver with the profile's limits.
///
/// `spwf01-3.5` reproduces the legacy firmware exactly (UDP only, no EDNS, replies over 300 bytes
/// and names over 100 fail); the other profiles use EDNS0 with TCP fallback and resolve any size.
/// Each lookup keeps its deadline (2 s a try, two rounds over the servers); a server that timed out is
/// asked last for 60 s, so a dead first server costs its 2 s once, not at every SOCKON.
///
/// Before DNS, every profile (`spwf01-3.5` too) looks in the hosts file, read again at each lookup as
/// the host's resolver does: it stands in for what the network's resolver would answer, and
/// `localhost` is always 127.0.0.1 (lwIP answers it itself). Names over the profile's name limit skip
/// it and fail as they would in DNS.
public final class ModuleHostResolver: HostResolver {
    private struct Lookup: Sendable {
        var name: String
        var promise: EventLoopPromise<[IPv4Address]>
        var task: Task<Void, Never>?
    }

    private let resolver: DNSResolver
    private let hostsPath: String?
    private let maximumNameLength: Int
    private let pending = Mutex<(next: Int, lookups: [Int: Lookup])>((0, [:]))
    /// The servers asked, in order.
    public var servers: [SocketAddress] { resolver.options.servers }

    /// A resolver for `limits` asking `servers` (the first answers; the others are failover). Its sockets run on
    /// `group`, which must outlive it (the module passes the process-wide singleton, not its own loop).
    /// `hostsPath` is the hosts file (`nil`: none, only `localhost`).
    public init(
        limits: DNSLimits, servers: [SocketAddress], group: any EventLoopGroup,
        hostsPath: String? = HostsFile.defaultPath
    ) {
        self.hostsPath = hostsPath
        maximumNameLength = limits.maximumNameLength
        var options = DNSResolverOptions(servers: servers)
        options.ednsPayloadSize = limits.ednsPayloadSize
        options.tcpFallback = limits.tcpFallback
        options.maximumUDPReplySize = limits.maximumReplySize
        options.maximumNameLength = limits.maximumNameLength
        options.timeout = .seconds(2)
        options.attempts = 2
        // A dead first server is asked last for a minute instead of costing 2 s at every SOCKON.
        options.silentServerMemory = .seconds(60)
        resolver = DNSResolver(options: options, group: group)
    }

    public func resolveIPv4(_ name: String, on eventLoop: any EventLoop) -> EventLoopFuture<[IPv4Address]> {
        if let literal = IPv4Address(name) {
            return eventLoop.makeSucceededFuture([literal])
        }
        let resolver = self.resolver
        let hostsPath = self.hostsPath
        let useHosts = name.utf8.count <= maximumNameLength
        let promise = eventLoop.makePromise(of: [IPv4Address].self)
        let id = pending.withLock { state -> Int in
            state.next += 1
            state.lookups[state.next] = Lookup(name: name, promise: promise, task: nil)
            return state.next
        }
        let task = Task {
            let result: Result<[IPv4Address], any Error>
            let hosts = useHosts ? (hostsPath.map { HostsFile(path: $0) } ?? HostsFile(text: "")) : nil
            let listed = hosts?.ipv4Addresses(of: name).map { IPv4Address($0[0], $0[1], $0[2], $0[3]) } ?? []
            if !listed.isEmpty {
                result = .success(listed)
            } else {
                do {
                    let answers = try await resolver.resolveIPv4(name)
                    let addresses = answers.compactMap { answer -> IPv4Address? in
                        guard answer.address.count == 4 else { return nil }
                        return IPv4Address(answer.address[0], answer.address[1], answer.address[2], answer.address[3])
                    }
                    result =
                        addresses.isEmpty
                        ? .failure(HostResolutionError(name: name, reason: "no IPv4 address")) : .success(addresses)
                } catch let error as DNSResolverError {
                    result = .failure(HostResolutionError(name: name, reason: error.description))
                } catch {
                    result = .failure(HostResolutionError(name: name, reason: "\(error)"))
                }
            }
            // Cancelled: the module shut down and already failed the promise; its loop may be gone.
            guard pending.withLock({ $0.lookups.removeValue(forKey: id) }) != nil, !Task.isCancelled else { return }
            promise.completeWith(result)
        }
        pending.withLock { state in state.lookups[id]?.task = task }
        return promise.futureResult
    }

    /// Whether lookups are in progress.
    public var hasPending: Bool { pending.withLock { !$0.lookups.isEmpty } }

    public func cancelPending() {
        let lookups = pending.withLock { state -> [Lookup] in
            let lookups = Array(state.lookups.values)
            state.lookups.removeAll()
            return lookups
        }
        for lookup in lookups {
            lookup.task?.cancel()
            lookup.promise.fail(HostResolutionError(name: lookup.name, reason: "the module is shutting down"))
        }
    }
}
