import Foundation
import Synchronization

/// The front's per-client-id state shared by all connections: the live connection of each client id (a second
/// connection with the same id closes the first) and the time of each id's last CONNECT (at most one per
/// interval). Bounded: stale CONNECT times are dropped.
final class IoTClientTable: Sendable {
    private struct State {
        var live: [String: (id: UInt64, takeOver: @Sendable () -> Void)] = [:]
        var lastConnect: [String: Date] = [:]
        var nextId: UInt64 = 0
    }

    private let state = Mutex(State())

    /// A new connection's id.
    func makeId() -> UInt64 {
        state.withLock { state in
            state.nextId += 1
            return state.nextId
        }
    }

    /// Whether a CONNECT of `clientId` at `now` respects the interval; records it when it does.
    func admitConnect(_ clientId: String, now: Date, interval: Double) -> Bool {
        state.withLock { state in
            if let last = state.lastConnect[clientId], now.timeIntervalSince(last) < interval { return false }
            if state.lastConnect.count > 100_000 {
                state.lastConnect = state.lastConnect.filter { now.timeIntervalSince($0.value) < interval }
            }
            state.lastConnect[clientId] = now
            return true
        }
    }

    /// Makes `id` the live connection of `clientId`; returns the one it replaces, to be closed.
    func claim(_ clientId: String, id: UInt64, takeOver: @escaping @Sendable () -> Void) -> (@Sendable () -> Void)? {
        state.withLock { state in
            let previous = state.live[clientId]
            state.live[clientId] = (id, takeOver)
            return previous?.takeOver
        }
    }

    /// Forgets `id` as `clientId`'s live connection (when it still is).
    func release(_ clientId: String, id: UInt64) {
        state.withLock { state in
            if state.live[clientId]?.id == id { state.live[clientId] = nil }
        }
    }
}
