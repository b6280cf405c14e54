import DNSCodec
import NIOCore
import NIOPosix

/// A cached answer: positive (the lookup result) or negative (NXDOMAIN / NODATA, RFC 2308).
enum DNSCacheEntry: Sendable {
    case positive(DNSLookupResult)
    case negative(DNSResolverError)
}

/// The mutable state of a resolver: its cache and which servers get queries without EDNS. Every access holds
/// the lock; nothing inside it blocks or awaits.
final class DNSResolverState: @unchecked Sendable {
    private struct Key: Hashable {
        let name: DNSName
        let type: DNSRecordType
    }

    private struct Stored {
        let entry: DNSCacheEntry
        let expires: NIODeadline
    }

    private let lock = DNSLock()
    private var cache: [Key: Stored] = [:]
    private var noEDNSUntil: [SocketAddress: NIODeadline] = [:]
    private var silentUntil: [SocketAddress: NIODeadline] = [:]
    private let maximumEntries: Int

    init(maximumEntries: Int) {
        self.maximumEntries = max(1, maximumEntries)
    }

    /// The entry for (name, type) if it has not expired, with the seconds it has left.
    func lookup(name: DNSName, type: DNSRecordType, now: NIODeadline) -> (entry: DNSCacheEntry, remaining: UInt32)? {
        lock.withLock { lockedLookup(name: name, type: type, now: now) }
    }

    private func lockedLookup(name: DNSName, type: DNSRecordType, now: NIODeadline)
        -> (entry: DNSCacheEntry, remaining: UInt32)?
    {
        let key = Key(name: name, type: type)
        guard let stored = cache[key] else { return nil }
        guard stored.expires > now else {
            cache[key] = nil
            return nil
        }
        let nanoseconds = (stored.expires - now).nanoseconds
        let seconds = (nanoseconds + 999_999_999) / 1_000_000_000
        return (stored.entry, UInt32(clamping: seconds))
    }

    /// Stores an entry for `ttl` seconds (nothing for 0).
    func store(_ entry: DNSCacheEntry, name: DNSName, type: DNSRecordType, ttl: UInt32, now: NIODeadline) {
        guard ttl > 0 else { return }
        lock.withLock { lockedStore(entry, name: name, type: type, ttl: ttl, now: now) }
    }

    private func lockedStore(_ entry: DNSCacheEntry, name: DNSName, type: DNSRecordType, ttl: UInt32, now: NIODeadline)
    {
        let key = Key(name: name, type: type)
        if cache[key] == nil && cache.count >= maximumEntries {
            cache = cache.filter { $0.value.expires > now }
            while cache.count >= maximumEntries, let victim = cache.keys.first { cache[victim] = nil }
        }
        cache[key] = Stored(entry: entry, expires: now + .seconds(Int64(ttl)))
    }

    func clear() {
        lock.withLock {
            cache.removeAll()
            noEDNSUntil.removeAll()
            silentUntil.removeAll()
        }
    }

    var count: Int { lock.withLock { cache.count } }

    func usesEDNS(_ server: SocketAddress, now: NIODeadline) -> Bool {
        lock.withLock {
            guard let until = noEDNSUntil[server] else { return true }
            if until > now { return false }
            noEDNSUntil[server] = nil
            return true
        }
    }

    func disableEDNS(_ server: SocketAddress, until: NIODeadline) {
        lock.withLock { noEDNSUntil[server] = until }
    }

    /// `servers` with those remembered as silent (timed out, until their time is up) moved to the end, each
    /// group in its given order.
    func ordered(_ servers: [SocketAddress], now: NIODeadline) -> [SocketAddress] {
        lock.withLock {
            silentUntil = silentUntil.filter { $0.value > now }
            guard !silentUntil.isEmpty else { return servers }
            return servers.filter { silentUntil[$0] == nil } + servers.filter { silentUntil[$0] != nil }
        }
    }

    /// Remembers that `server` did not answer, until `until`.
    func markSilent(_ server: SocketAddress, until: NIODeadline) {
        lock.withLock { silentUntil[server] = until }
    }

    /// Forgets that `server` was silent: it answered.
    func markAnswering(_ server: SocketAddress) {
        lock.withLock { _ = silentUntil.removeValue(forKey: server) }
    }
}

/// A pthread mutex (the package's NIO products do not export NIOConcurrencyHelpers' lock, and the standard
/// library's `Mutex` needs macOS 15).
final class DNSLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    func withLock<Value>(_ body: () throws -> Value) rethrows -> Value {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
