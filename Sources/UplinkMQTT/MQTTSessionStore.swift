import MQTTCodec
import Synchronization

/// Where a client keeps the session state that must outlive a connection, or the process.
///
/// The client appends records while holding its own lock, so `append` must be quick (buffer, no I/O). Before it
/// sends a packet that depends on a record (a stored PUBLISH, a PUBREL) and before it hands an inbound QoS 2
/// message to the application, it calls `sync`, which must make every record appended so far durable: the store is
/// a write-ahead log with group commit.
public protocol MQTTSessionStore: AnyObject, Sendable {
    /// Reads the stored session (at client creation).
    func load() throws -> MQTTStoredSession
    /// Buffers records.
    func append(_ records: [MQTTSessionRecord])
    /// Whether records were appended since the last `sync`.
    var needsSync: Bool { get }
    /// Makes every appended record durable.
    func sync() throws
    /// Forgets the whole session.
    func reset() throws
}

/// A session store in memory: survives reconnects and can be handed to a new client in the same process, not a
/// process crash.
public final class MQTTMemorySessionStore: MQTTSessionStore, @unchecked Sendable {
    private let lock = Mutex(())
    private var session = MQTTStoredSession()

    /// Creates an empty store.
    public init() {}

    public func load() throws -> MQTTStoredSession { lock.withLock { _ in session } }

    public func append(_ records: [MQTTSessionRecord]) {
        lock.withLock { _ in for record in records { session.apply(record) } }
    }

    public var needsSync: Bool { false }

    public func sync() throws {}

    public func reset() throws { lock.withLock { _ in session = MQTTStoredSession() } }

    /// A copy of the current state.
    public var snapshot: MQTTStoredSession { lock.withLock { _ in session } }
}
