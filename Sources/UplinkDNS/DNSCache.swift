import DNSCodec
import NIOCore
import NIOPosix
import Synchronization

/// A cached answer: positive (the lookup result) or negative (NXDOMAIN / NODATA, RFC 2308).
enum DNSCacheEntry: Sendable {
    case positive(DNSLookupResult)
    case negative(DNSResolverError)
}

/// The mutable state of a resolver: its cache and which servers get queries without EDNS. Every access holds
/// the mutex; nothing inside it blocks or awaits.
final class DNSResolverState: Sendable {
    private struct Key: Hashable {
        let name: DNSName
        let type: DNSRecordType
    }

    private struct Stored {
        let entry: DNSCacheEntry
        let expires: NIODeadline
    }

    private struct State {
        var cache: [Key: Stored] = [:]
        var noEDNSUntil: [SocketAddress: NIODeadline] = [:]
        var silentUntil: [SocketAddress: NIODeadline] = [:]
    }

    private let state = Mutex(State())
    private let maximumEntries: Int

    init(maximumEntries: Int) {
        self.maximumEntries = max(1, maximumEntries)
    }

    /// The entry for (name, type) if it has not expired, with the seconds it has left.
    func lookup(name: DNSName, type: DNSRecordType, now: NIODeadline) -> (entry: DNSCacheEntry, remaining: UInt32)? {
        let key = Key(name: name, type: type)
        return state.withLock { state -> (entry: DNSCacheEntry, remaining: UInt32)? in
            guard let stored = state.cache[key] else { return nil }
            guard stored.expires > now else {
                state.cache[key] = nil
                return nil
            }
            let nanoseconds = (stored.expires - now).nanoseconds
            let seconds = (nanoseconds + 999_999_999) / 1_000_000_000
            return (stored.entry, UInt32(clamping: seconds))
        }
    }

    /// Stores an entry for `ttl` seconds (nothing for 0).
    func store(_ entry: DNSCacheEntry, name: DNSName, type: DNSRecordType, ttl: UInt32, now: NIODeadline) {
        guard ttl > 0 else { return }
        let key = Key(name: name, type: type)
        let maximumEntries = maximumEntries
        state.withLock { state in
            if state.cache[key] == nil && state.cache.count >= maximumEntries {
                state.cache = state.cache.filter { $0.value.expires > now }
                while state.cache.count >= maximumEntries, let victim = state.cache.keys.first {
                    state.cache[victim] = nil
                }
            }
            state.cache[key] = Stored(entry: entry, expires: now + .seconds(Int64(ttl)))
        }
    }

    func clear() {
        state.withLock { $0 = State() }
    }

    var count: Int { state.withLock { $0.cache.count } }

    func usesEDNS(_ server: SocketAddress, now: NIODeadline) -> Bool {
        state.withLock { state in
            guard let until = state.noEDNSUntil[server] else { return true }
            if until > now { return false }
            state.noEDNSUntil[server] = nil
            return true
        }
    }

    func disableEDNS(_ server: SocketAddress, until: NIODeadline) {
        state.withLock { $0.noEDNSUntil[server] = until }
    }

    /// `servers` with those remembered as silent (timed out, until their time is up) moved to the end, each
    /// group in its given order.
    func ordered(_ servers: [SocketAddress], now: NIODeadline) -> [SocketAddress] {
        state.withLock { state in
            state.silentUntil = state.silentUntil.filter { $0.value > now }
            guard !state.silentUntil.isEmpty else { return servers }
            let silent = state.silentUntil
            return servers.filter { silent[$0] == nil } + servers.filter { silent[$0] != nil }
        }
    }

    /// Remembers that `server` did not answer, until `until`.
    func markSilent(_ server: SocketAddress, until: NIODeadline) {
        state.withLock { $0.silentUntil[server] = until }
    }

    /// Forgets that `server` was silent: it answered.
    func markAnswering(_ server: SocketAddress) {
        state.withLock { _ = $0.silentUntil.removeValue(forKey: server) }
    }
}
