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

/// What ``MQTTFileSessionStore`` found damaged in its log when it opened it: records were skipped (their bytes
/// do not check), the records after them recovered, and the damaged file kept.
public struct MQTTSessionLogDamage: Sendable, Equatable {
    /// Bytes skipped in total.
    public var damagedBytes: Int
    /// Where in the log (byte offsets).
    public var damagedRanges: [Range<Int>]
    /// Records read after the first damaged range.
    public var recoveredRecords: Int
    /// The copy of the damaged log, kept next to it (0600).
    public var savedCopy: String
}
