import MQTTCodec

/// An outbound message the session is responsible for, from acceptance to the end of its QoS handshake.
///
/// Every mutable field is read and written only under the client's lock (a cancelled `publish` takes its `waiter`
/// back under it), hence `@unchecked Sendable`.
final class MQTTOutboundEntry: @unchecked Sendable {
    /// Acceptance order; 0 for QoS 0 messages, which are never stored. Set when the session accepts the message.
    var sequence: UInt64
    let message: MQTTMessage
    /// How long to wait for the acknowledgement before sending again (`nil`: no limit).
    let acknowledgementTimeout: Duration?
    /// When the acknowledgement is overdue (set each time the message is sent, with an acknowledgement timeout).
    var acknowledgementDeadline: ContinuousClock.Instant?
    /// Set when the message is sent (QoS 1/2); kept across reconnects while the session is present.
    var packetIdentifier: UInt16?
    /// PUBREC arrived (QoS 2): only PUBREL is left.
    var released = false
    /// The waiting `publish` call, if any (`enqueue` does not wait).
    var waiter: UnsafeContinuation<MQTTReasonCode, any Error>?

    init(
        sequence: UInt64, message: MQTTMessage, waiter: UnsafeContinuation<MQTTReasonCode, any Error>?,
        acknowledgementTimeout: Duration? = nil
    ) {
        self.sequence = sequence
        self.message = message
        self.waiter = waiter
        self.acknowledgementTimeout = acknowledgementTimeout
    }
}

/// A FIFO of entries with O(1) push, pop and push-front, without per-operation allocation in steady state.
struct MQTTEntryQueue {
    private var storage: [MQTTOutboundEntry?] = []
    private var head = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }

    mutating func append(_ entry: MQTTOutboundEntry) { storage.append(entry) }

    /// The first entry, if any.
    var first: MQTTOutboundEntry? { head < storage.count ? storage[head] : nil }

    mutating func popFirst() -> MQTTOutboundEntry? {
        guard head < storage.count else { return nil }
        let entry = storage[head]
        storage[head] = nil
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return entry
    }

    /// Puts entries back in front, keeping their order.
    mutating func prepend(_ entries: [MQTTOutboundEntry]) {
        guard !entries.isEmpty else { return }
        var rebuilt: [MQTTOutboundEntry?] = entries
        rebuilt.append(contentsOf: storage[head...])
        storage = rebuilt
        head = 0
    }

    mutating func removeAll() -> [MQTTOutboundEntry] {
        let entries = storage[head...].compactMap { $0 }
        storage.removeAll()
        head = 0
        return entries
    }
}
