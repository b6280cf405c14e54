import MQTTCodec
import Synchronization

/// The messages of one subscription, as an `AsyncSequence` with a bounded buffer.
///
/// The client appends every received message whose topic matches one of the stream's filters. When the buffer
/// holds `capacity` messages, or `byteCapacity` bytes of topics and payloads, the client stops reading from the
/// socket until the consumer has taken the buffer below half of both, so a slow consumer slows the broker down
/// instead of growing memory. The reader checks the buffer after every 64 KiB of messages it decodes, so the
/// buffer exceeds `byteCapacity` by at most that and one message. The iterator takes buffered messages in batches,
/// so reading a message costs no lock in the common case.
///
/// The sequence ends (returns `nil`) after `unsubscribe` or `disconnect()`, and throws when the client gives up
/// on the connection or the broker refuses the subscription after a reconnect.
public final class MQTTSubscriptionStream: AsyncSequence, Sendable {
    public typealias Element = MQTTMessage

    /// The subscriptions this stream was created with.
    public let subscriptions: [MQTTSubscription]
    /// MQTT 5 SUBSCRIBE properties (sent again when the client re-subscribes).
    public let properties: MQTTProperties
    let filters: [String]
    let buffer: MQTTMessageBuffer
    private let granted = Mutex<[MQTTReasonCode]>([])

    init(subscriptions: [MQTTSubscription], properties: MQTTProperties, capacity: Int, byteCapacity: Int) {
        self.subscriptions = subscriptions
        self.properties = properties
        self.filters = subscriptions.map(\.topicFilter)
        self.buffer = MQTTMessageBuffer(capacity: capacity, byteCapacity: byteCapacity)
    }

    /// Messages buffered and not yet taken by the iterator (a batch the iterator holds is not counted).
    public var bufferedCount: Int { buffer.counts.messages }
    /// Topic and payload bytes of the buffered messages.
    public var bufferedBytes: Int { buffer.counts.bytes }

    /// The reason codes of the last SUBACK for this stream (granted QoS per filter).
    public var reasonCodes: [MQTTReasonCode] {
        get { granted.withLock { $0 } }
        set { granted.withLock { $0 = newValue } }
    }

    /// Whether a message on `topic` belongs to this stream.
    func matches(_ topic: String) -> Bool {
        for filter in filters where MQTTTopic.matches(topic: topic, filter: filter) { return true }
        return false
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer) }

    /// Reads the stream's messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let buffer: MQTTMessageBuffer
        var batch: [MQTTMessage] = []
        var index = 0

        /// Whether `next()` will return a message without waiting (messages of the current batch are left); a
        /// consumer that buffers output can flush when this is `false`.
        public var hasBufferedMessages: Bool { index < batch.count }

        /// The next message if one is already buffered, without waiting or suspending; `nil` when `next()` would
        /// have to wait. A consumer that handles messages in batches takes one with `next()`, then the rest of
        /// the batch with this, saving a suspension point per message.
        public mutating func nextIfBuffered() -> MQTTMessage? {
            guard index < batch.count else { return nil }
            let message = batch[index]
            index += 1
            return message
        }

        /// The next message; `nil` when the stream has ended.
        public mutating func next() async throws -> MQTTMessage? {
            if index < batch.count {
                let message = batch[index]
                index += 1
                return message
            }
            batch.removeAll(keepingCapacity: true)
            index = 0
            try await buffer.take(into: &batch)
            if batch.isEmpty { return nil }
            index = 1
            return batch[0]
        }
    }
}

/// The shared buffer behind a ``MQTTSubscriptionStream``: producer (the client's reader) and consumer meet here.
final class MQTTMessageBuffer: @unchecked Sendable {
    private struct State {
        var messages: [MQTTMessage] = []
        var bytes = 0
        var consumer: UnsafeContinuation<Void, any Error>?
        var producer: UnsafeContinuation<Void, Never>?
        var ended = false
        var failure: MQTTClientError?
    }

    let capacity: Int
    let byteCapacity: Int
    private let state = Mutex(State())

    init(capacity: Int, byteCapacity: Int = Int.max) {
        self.capacity = capacity
        self.byteCapacity = byteCapacity
    }

    /// The bytes a message takes in the buffer, as counted against `byteCapacity`.
    static func size(of message: MQTTMessage) -> Int { message.payload.count + message.topic.utf8.count }

    /// Buffered messages and bytes.
    var counts: (messages: Int, bytes: Int) { state.withLock { ($0.messages.count, $0.bytes) } }

    private func isFull(_ state: State) -> Bool { state.messages.count >= capacity || state.bytes >= byteCapacity }

    /// Appends messages; returns whether the buffer is now at or above capacity (in messages or bytes).
    @discardableResult
    func append(_ message: MQTTMessage) -> Bool {
        let (consumer, full) = state.withLock { state -> (UnsafeContinuation<Void, any Error>?, Bool) in
            if state.ended { return (nil, false) }
            state.messages.append(message)
            state.bytes += MQTTMessageBuffer.size(of: message)
            let consumer = state.consumer
            state.consumer = nil
            return (consumer, isFull(state))
        }
        consumer?.resume()
        return full
    }

    /// Whether the buffer is at or above capacity.
    var isFull: Bool { state.withLock { !$0.ended && isFull($0) } }

    /// Waits until the buffer has drained below half its capacity in messages and in bytes (or ended, or the task
    /// is cancelled).
    func waitForSpace() async {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.ended || Task.isCancelled { return true }
                    if state.messages.count < max(1, capacity / 2) && state.bytes < max(1, byteCapacity / 2) {
                        return true
                    }
                    state.producer = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state -> UnsafeContinuation<Void, Never>? in
                let producer = state.producer
                state.producer = nil
                return producer
            }?.resume()
        }
    }

    /// Moves every buffered message into `batch`, waiting for one if there are none; leaves `batch` empty at the end.
    func take(into batch: inout [MQTTMessage]) async throws {
        while true {
            var producer: UnsafeContinuation<Void, Never>?
            var failure: MQTTClientError?
            let done = state.withLock { state -> Bool in
                if !state.messages.isEmpty {
                    swap(&batch, &state.messages)
                    state.bytes = 0
                    producer = state.producer
                    state.producer = nil
                    return true
                }
                if state.ended {
                    failure = state.failure
                    state.failure = nil
                    return true
                }
                return false
            }
            producer?.resume()
            if let failure { throw failure }
            if done { return }
            try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                    let ready = state.withLock { state -> Bool in
                        if !state.messages.isEmpty || state.ended { return true }
                        if Task.isCancelled { return true }
                        state.consumer = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                state.withLock { state -> UnsafeContinuation<Void, any Error>? in
                    let consumer = state.consumer
                    state.consumer = nil
                    return consumer
                }?.resume(throwing: CancellationError())
            }
            try Task.checkCancellation()
        }
    }

    /// Ends the stream: the consumer gets the buffered messages, then `nil` (or `failure`).
    func finish(_ failure: MQTTClientError? = nil) {
        let (consumer, producer) = state.withLock {
            state -> (UnsafeContinuation<Void, any Error>?, UnsafeContinuation<Void, Never>?) in
            if state.ended { return (nil, nil) }
            state.ended = true
            state.failure = failure
            let result = (state.consumer, state.producer)
            state.consumer = nil
            state.producer = nil
            return result
        }
        consumer?.resume()
        producer?.resume()
    }

    var isFinished: Bool { state.withLock { $0.ended } }
}
