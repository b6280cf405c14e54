import Foundation

/// The front's per-client-id state shared by all connections: the live connection of each client id (a second
/// connection with the same id closes the first) and the time of each id's last CONNECT (at most one per
/// interval). Bounded: stale CONNECT times are dropped.
final class IoTClientTable: @unchecked Sendable {
    private let lock = NSLock()
    private var live: [String: (id: UInt64, takeOver: @Sendable () -> Void)] = [:]
    private var lastConnect: [String: Date] = [:]
    private var nextId: UInt64 = 0

    /// A new connection's id.
    func makeId() -> UInt64 {
        lock.withLock {
            nextId += 1
            return nextId
        }
    }

    /// Whether a CONNECT of `clientId` at `now` respects the interval; records it when it does.
    func admitConnect(_ clientId: String, now: Date, interval: Double) -> Bool {
        lock.withLock {
            if let last = lastConnect[clientId], now.timeIntervalSince(last) < interval { return false }
            if lastConnect.count > 100_000 {
                lastConnect = lastConnect.filter { now.timeIntervalSince($0.value) < interval }
            }
            lastConnect[clientId] = now
            return true
        }
    }

    /// Makes `id` the live connection of `clientId`; returns the one it replaces, to be closed.
    func claim(_ clientId: String, id: UInt64, takeOver: @escaping @Sendable () -> Void) -> (@Sendable () -> Void)? {
        lock.withLock {
            let previous = live[clientId]
            live[clientId] = (id, takeOver)
            return previous?.takeOver
        }
    }

    /// Forgets `id` as `clientId`'s live connection (when it still is).
    func release(_ clientId: String, id: UInt64) {
        lock.withLock {
            if live[clientId]?.id == id { live[clientId] = nil }
        }
    }
}
