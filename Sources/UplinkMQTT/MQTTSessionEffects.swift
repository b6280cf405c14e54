import MQTTCodec

/// A SUBSCRIBE or UNSUBSCRIBE waiting for its acknowledgment.
struct MQTTPendingOperation {
    enum Kind {
        /// SUBSCRIBE for the stream (`waiter` is the `subscribe` call, or `nil` when re-subscribing).
        case subscribe(MQTTSubscriptionStream)
        /// UNSUBSCRIBE of these filters, finishing the stream when acknowledged.
        case unsubscribe([String], MQTTSubscriptionStream?)
    }

    let kind: Kind
    let waiter: UnsafeContinuation<[MQTTReasonCode], any Error>?
    let deadline: ContinuousClock.Instant
}

/// What the client must do after the state machine handled an event: the state machine itself does no I/O and
/// resumes no one.
struct MQTTSessionEffects {
    /// Publish calls to complete.
    var publishes: [(UnsafeContinuation<MQTTReasonCode, any Error>, Result<MQTTReasonCode, MQTTClientError>)] = []
    /// Subscribe and unsubscribe calls to complete.
    var operations: [(UnsafeContinuation<[MQTTReasonCode], any Error>, Result<[MQTTReasonCode], MQTTClientError>)] =
        []
    /// Streams to end.
    var finishedStreams: [(MQTTSubscriptionStream, MQTTClientError?)] = []
    /// Messages received, to route to the streams.
    var messages: [MQTTMessage] = []
    /// The queue of unsent messages shrank.
    var queueSpaceFreed = false
    /// Every accepted message completed.
    var drained = false
    /// The broker sent this many unreleased QoS 2 messages, more than our Receive Maximum (to log; not an error).
    var receiveMaximumOverrun: Int?
    /// Topics of queued messages the ``MQTTQueueOverflowPolicy/dropOldest`` policy dropped (to log: never silent).
    var droppedTopics: [String] = []

    var isEmpty: Bool {
        publishes.isEmpty && operations.isEmpty && finishedStreams.isEmpty && messages.isEmpty && !queueSpaceFreed
            && !drained && droppedTopics.isEmpty
    }

    /// Resumes the waiting calls and ends streams (everything but message routing).
    mutating func completeCalls() {
        for (continuation, result) in publishes {
            switch result {
            case .success(let code): continuation.resume(returning: code)
            case .failure(let error): continuation.resume(throwing: error)
            }
        }
        publishes.removeAll(keepingCapacity: true)
        for (continuation, result) in operations {
            switch result {
            case .success(let codes): continuation.resume(returning: codes)
            case .failure(let error): continuation.resume(throwing: error)
            }
        }
        operations.removeAll(keepingCapacity: true)
        for (stream, error) in finishedStreams { stream.buffer.finish(error) }
        finishedStreams.removeAll()
    }
}
