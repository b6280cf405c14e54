import MQTTCodec

/// One change to the durable session state, appended to a ``MQTTSessionStore`` as it happens.
///
/// Outbound QoS 1/2 messages are identified by a sequence number the client assigns when it accepts them (packet
/// identifiers are assigned only when a message is sent, and reused afterwards).
public enum MQTTSessionRecord: Sendable, Equatable {
    /// A QoS 1/2 message was accepted for publishing.
    case accepted(sequence: UInt64, message: MQTTMessage)
    /// The message was sent with this packet identifier.
    case sent(sequence: UInt64, packetIdentifier: UInt16)
    /// PUBREC arrived for the QoS 2 message: from now on only PUBREL is resent.
    case released(sequence: UInt64)
    /// The handshake completed (PUBACK, PUBCOMP, or a failure reason code): the message is no longer stored.
    case completed(sequence: UInt64)
    /// The broker lost the session: the message goes back to the queue and its packet identifier is forgotten.
    case unsent(sequence: UInt64)
    /// An inbound QoS 2 PUBLISH with this packet identifier and message digest (FNV-1a of topic and payload) was
    /// delivered; resends of the same message are dropped until PUBREL.
    case inboundReceived(UInt16, digest: UInt64)
    /// PUBREL arrived for the inbound packet identifier.
    case inboundReleased(UInt16)
    /// The broker lost the session: every inbound packet identifier is forgotten.
    case inboundCleared
}

/// The session state a store holds: what a restarted client resumes from.
public struct MQTTStoredSession: Sendable, Equatable {
    /// An outbound QoS 1/2 message not yet completed.
    public struct Outbound: Sendable, Equatable {
        /// The client's sequence number (acceptance order).
        public var sequence: UInt64
        /// The message.
        public var message: MQTTMessage
        /// The packet identifier it was sent with, if it was sent.
        public var packetIdentifier: UInt16?
        /// Whether PUBREC arrived (QoS 2): only PUBREL remains to be sent.
        public var released: Bool
    }

    /// Outbound messages by sequence number.
    public var outbound: [UInt64: Outbound] = [:]
    /// Inbound QoS 2 packet identifiers delivered and awaiting PUBREL, with their message digests.
    public var inbound: [UInt16: UInt64] = [:]
    /// The highest sequence number seen.
    public var lastSequence: UInt64 = 0

    /// An empty session.
    public init() {}

    /// Outbound messages in acceptance order.
    public var outboundInOrder: [Outbound] { outbound.values.sorted { $0.sequence < $1.sequence } }

    /// Applies one record.
    public mutating func apply(_ record: MQTTSessionRecord) {
        switch record {
        case .accepted(let sequence, let message):
            outbound[sequence] = Outbound(sequence: sequence, message: message, packetIdentifier: nil, released: false)
            lastSequence = max(lastSequence, sequence)
        case .sent(let sequence, let packetIdentifier):
            outbound[sequence]?.packetIdentifier = packetIdentifier
        case .released(let sequence):
            outbound[sequence]?.released = true
        case .completed(let sequence):
            outbound[sequence] = nil
        case .unsent(let sequence):
            outbound[sequence]?.packetIdentifier = nil
            outbound[sequence]?.released = false
        case .inboundReceived(let identifier, let digest):
            inbound[identifier] = digest
        case .inboundReleased(let identifier):
            inbound[identifier] = nil
        case .inboundCleared:
            inbound.removeAll()
        }
    }

    /// The records that recreate this session from nothing.
    public var records: [MQTTSessionRecord] {
        var result: [MQTTSessionRecord] = []
        for entry in outboundInOrder {
            result.append(.accepted(sequence: entry.sequence, message: entry.message))
            if let id = entry.packetIdentifier { result.append(.sent(sequence: entry.sequence, packetIdentifier: id)) }
            if entry.released { result.append(.released(sequence: entry.sequence)) }
        }
        for (id, digest) in inbound.sorted(by: { $0.key < $1.key }) {
            result.append(.inboundReceived(id, digest: digest))
        }
        return result
    }
}

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
    private let lock = MQTTLock()
    private var session = MQTTStoredSession()

    /// Creates an empty store.
    public init() {}

    public func load() throws -> MQTTStoredSession { lock.withLock { session } }

    public func append(_ records: [MQTTSessionRecord]) {
        lock.withLock { for record in records { session.apply(record) } }
    }

    public var needsSync: Bool { false }

    public func sync() throws {}

    public func reset() throws { lock.withLock { session = MQTTStoredSession() } }

    /// A copy of the current state.
    public var snapshot: MQTTStoredSession { lock.withLock { session } }
}
