import Logging
import MQTTCodec
import Synchronization

/// An MQTT 3.1.1 / 5.0 client over any ``MQTTTransport``.
///
/// ```swift
/// let client = MQTTClient(configuration: .init(clientIdentifier: "sensor-1"), transport: transport)
/// try await client.connect()
/// let messages = try await client.subscribe(to: "commands/#", qos: .atLeastOnce)
/// try await client.publish(MQTTMessage(topic: "telemetry", string: "21.5", qos: .atLeastOnce))
/// for try await message in messages { ... }
/// try await client.disconnect()
/// ```
///
/// The client reconnects by itself (``MQTTReconnectPolicy``), keeps QoS 1/2 messages until their handshake
/// completes, in memory or in a ``MQTTSessionStore`` that survives a crash, and queues messages while offline
/// (``MQTTQueueOverflowPolicy``). Its state sits behind one lock and is driven by ``MQTTSessionState``; one task per
/// connection reads (many packets per read), one writes (every packet queued since the last write in one send),
/// one keeps the connection alive.
public final class MQTTClient: Sendable {
    /// The configuration.
    public let configuration: MQTTClientConfiguration
    let transport: any MQTTTransport
    let store: (any MQTTSessionStore)?
    let core: Mutex<MQTTClientCore>
    var logger: Logger { configuration.logger }

    /// Bytes of unsent output above which QoS 0 publishers wait for the writer.
    static let outputHighWater = 64 * 1024

    /// Creates a client. With a `store`, the session it holds (unfinished QoS 1/2 messages, inbound QoS 2
    /// identifiers) is restored and resent after the first connection with a present session.
    public init(
        configuration: MQTTClientConfiguration, transport: any MQTTTransport, store: (any MQTTSessionStore)? = nil
    ) throws(MQTTClientError) {
        try configuration.validate()
        var configuration = configuration
        if let aws = configuration.awsIoT {
            configuration.reconnect.minimumDelay = max(configuration.reconnect.minimumDelay, aws.minimumConnectInterval)
        }
        self.configuration = configuration
        self.transport = transport
        self.store = store
        var session = MQTTSessionState(configuration: configuration, journaling: store != nil)
        if let store {
            do {
                session.restore(try store.load())
            } catch let error as MQTTClientError {
                throw error
            } catch {
                throw .sessionStore("\(error)")
            }
        }
        core = Mutex(MQTTClientCore(session: session))
    }

    // MARK: - Connecting

    /// Connects (and keeps reconnecting after losses, per the reconnect policy). Returns the broker's answer.
    ///
    /// Throws ``MQTTClientError/connectionRefused(_:reasonString:)`` when the broker refuses (bad credentials, not
    /// authorized...) and ``MQTTClientError/transportFailed(_:)`` when it cannot be reached, after
    /// ``MQTTReconnectPolicy/initialConnectAttempts`` attempts.
    ///
    /// Cancelling the calling task ends the wait at once with `CancellationError`; the client goes on connecting
    /// (within ``MQTTReconnectPolicy/initialConnectAttempts``) until ``disconnect(reason:)``.
    @discardableResult
    public func connect() async throws -> MQTTConnectResult {
        var start = false
        let result = try await cancellableWait {
            (core, id, continuation: UnsafeContinuation<MQTTConnectResult, any Error>) -> Result<
                MQTTConnectResult, any Error
            >? in
            if case .online = core.lifecycle, let result = core.connectResult { return .success(result) }
            if case .stopping = core.lifecycle { return .failure(MQTTClientError.clientStopped) }
            core.connectWaiters.append(id, continuation)
            if case .idle = core.lifecycle {
                core.lifecycle = .connecting
                core.everConnected = false
                start = true
            }
            return nil
        } afterRegistering: {
            if start {
                let task = Task(executorPreference: configuration.taskExecutor) { await self.run() }
                core.withLock { $0.runTask = task }
            }
        } cancel: { core, id in
            core.connectWaiters.remove(id)
        }
        return result
    }

    /// Waits on a continuation that `register` files under an identifier (or answers at once with a result), and
    /// that `cancel` takes back when the calling task is cancelled: the call then throws `CancellationError` at once.
    /// `register` runs under the lock; a task already cancelled is not registered.
    func cancellableWait<T: Sendable>(
        _ register: (inout MQTTClientCore, UInt64, UnsafeContinuation<T, any Error>) -> Result<T, any Error>?,
        afterRegistering: () -> Void = {},
        cancel: @escaping @Sendable (inout MQTTClientCore, UInt64) -> UnsafeContinuation<T, any Error>?
    ) async throws -> T {
        let id = core.withLock { $0.newWaiterID() }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<T, any Error>) in
                let immediate = core.withLock { core -> Result<T, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    return register(&core, id, continuation)
                }
                if let immediate { continuation.resume(with: immediate) }
                afterRegistering()
            }
        } onCancel: {
            core.withLock { cancel(&$0, id) }?.resume(throwing: CancellationError())
        }
    }

    /// Sends DISCONNECT (after everything already queued for the socket), waits (at most 1 s) for the broker to close
    /// the connection, so that nothing it still sends is answered with a TCP reset that would make it drop our last
    /// packets, closes the connection and stops reconnecting. Waiting calls fail with ``MQTTClientError/clientStopped``; subscription streams end. Accepted
    /// QoS 1/2 messages stay in the session store. Use ``flush()`` first to wait for them.
    public func disconnect(reason: MQTTReasonCode = .normalDisconnection) async {
        let (task, writer, graceful) = core.withLock {
            core -> (Task<Void, Never>?, UnsafeContinuation<Void, Never>?, Bool) in
            switch core.lifecycle {
            case .idle, .stopping: return (core.runTask, nil, false)
            case .online:
                core.lifecycle = .stopping
                core.session.disconnect(reason)
                core.closeAfterFlush = .clientStopped
                return (core.runTask, core.takeWriter(), true)
            case .connecting, .reconnecting:
                core.lifecycle = .stopping
                return (core.runTask, nil, false)
            }
        }
        writer?.resume()
        guard let task else { return }
        if graceful {
            // The writer puts DISCONNECT on the wire and ends the connection; stop regardless after 2 s.
            let watchdog = Task {
                try? await Task.sleep(for: .seconds(2))
                task.cancel()
            }
            await task.value
            watchdog.cancel()
        } else {
            task.cancel()
            await task.value
        }
    }

    /// Why the last connection, or connection attempt, ended (`nil` before the first): a refused or lost
    /// connection the client recovered from by reconnecting shows here, such as
    /// ``MQTTClientError/inboundPacketTooLarge(size:maximum:)`` or ``MQTTClientError/writeStalled(_:)``.
    public var lastConnectionError: MQTTClientError? { core.withLock { $0.lastConnectionError } }

    /// Whether the client is connected right now.
    public var isConnected: Bool {
        core.withLock { if case .online = $0.lifecycle { return true } else { return false } }
    }

    /// Number of accepted messages whose handshake has not completed (in flight or queued).
    public var pendingMessageCount: Int { core.withLock { $0.session.pendingCount } }

    /// Number of queued messages dropped by the ``MQTTQueueOverflowPolicy/dropOldest`` policy (each also logged at
    /// `warning` with its topic, and failed with ``MQTTClientError/droppedFromQueue`` if `publish` waits for it).
    public var droppedMessageCount: Int { core.withLock { $0.session.droppedCount } }

    /// Number of received QoS 2 messages delivered and acknowledged with PUBREC whose PUBREL has not arrived.
    public var inboundQoS2Count: Int { core.withLock { $0.session.inbound.count } }

    /// Waits until the broker has released (PUBREL, answered with PUBCOMP) every received QoS 2 message held now, so
    /// that their handshakes complete before a ``disconnect(reason:)``; messages that arrive meanwhile are not waited
    /// for. Returns `false` if that did not happen within `timeout` or the connection is not up.
    public func waitForInboundReleases(timeout: Duration) async -> Bool {
        let held = core.withLock { $0.session.inbound }
        if held.isEmpty { return true }
        let deadline = ContinuousClock.now + timeout
        while true {
            let (pending, online) = core.withLock { core -> (Bool, Bool) in
                let online: Bool
                if case .online = core.lifecycle { online = true } else { online = false }
                // The same identifier with another digest is a new message: the held one was released.
                return (held.contains { core.session.inbound[$0.key] == $0.value }, online)
            }
            if !pending { return true }
            if !online || ContinuousClock.now >= deadline { return false }
            do { try await Task.sleep(for: .milliseconds(5)) } catch { return false }
        }
    }

    // MARK: - Publishing

    /// Publishes a message and returns when its QoS handshake completes: at once for QoS 0 (once queued for the
    /// socket), at PUBACK for QoS 1, at PUBCOMP for QoS 2. Returns the broker's reason code (MQTT 5; `.success`
    /// otherwise); throws ``MQTTClientError/publishRejected(_:reasonString:)`` for a failure code.
    ///
    /// While offline the message is queued (QoS 1/2 also stored) and sent after reconnecting.
    ///
    /// `acknowledgementTimeout` (default ``MQTTClientConfiguration/acknowledgementTimeout``; `nil`: none) bounds the
    /// wait for PUBACK/PUBREC/PUBCOMP: when it runs out, MQTT 3.1.1 sends the PUBLISH again with DUP and the same
    /// packet identifier on the same connection; MQTT 5, which forbids that, closes the connection and resends
    /// after reconnecting. Each resend starts the timeout again.
    ///
    /// Cancelling the calling task ends the wait at once with `CancellationError`. A message already accepted
    /// (the task was not cancelled before the call) stays in the session and is still delivered, as if
    /// ``enqueue(_:)``d: ``flush()`` waits for it and ``pendingMessageCount`` counts it.
    @discardableResult
    public func publish(_ message: MQTTMessage, acknowledgementTimeout: Duration? = nil) async throws
        -> MQTTReasonCode
    {
        try validate(message)
        if let acknowledgementTimeout, acknowledgementTimeout <= .zero {
            throw MQTTClientError.invalidArgument("acknowledgementTimeout must be positive")
        }
        if message.qos == .atMostOnce {
            try await publishAtMostOnce(message)
            return .success
        }
        try await reserveQueueSpace(for: message.qos)
        let entry = MQTTOutboundEntry(
            sequence: 0, message: message, waiter: nil,
            acknowledgementTimeout: acknowledgementTimeout ?? configuration.acknowledgementTimeout)
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<MQTTReasonCode, any Error>) in
                var effects = MQTTSessionEffects()
                var failure: (any Error)?
                let writer = core.withLock { core -> UnsafeContinuation<Void, Never>? in
                    if Task.isCancelled {
                        failure = CancellationError()
                        return nil
                    }
                    if case .stopping = core.lifecycle {
                        failure = MQTTClientError.clientStopped
                        return nil
                    }
                    do throws(MQTTClientError) {
                        try core.session.checkServerLimits(message)
                        entry.sequence = core.session.nextSequence()
                        entry.waiter = continuation
                        _ = try core.session.submit(entry, effects: &effects)
                    } catch {
                        entry.waiter = nil
                        failure = error
                        return nil
                    }
                    flushJournal(&core)
                    return core.takeWriterIfOutput()
                }
                if let failure { continuation.resume(throwing: failure) }
                writer?.resume()
                finish(&effects)
            }
        } onCancel: {
            core.withLock { _ -> UnsafeContinuation<MQTTReasonCode, any Error>? in
                let waiter = entry.waiter
                entry.waiter = nil
                return waiter
            }?.resume(throwing: CancellationError())
        }
    }

    /// Publishes `message` without waiting for its handshake: returns once the client accepted it (stored, for
    /// QoS 1/2 with a store, and sent or queued). Waits while the queue is full with the
    /// ``MQTTQueueOverflowPolicy/wait`` policy. Use ``flush()`` to wait for every accepted message.
    public func enqueue(_ message: MQTTMessage) async throws {
        try validate(message)
        if message.qos == .atMostOnce {
            try await publishAtMostOnce(message)
            return
        }
        try await reserveQueueSpace(for: message.qos)
        var effects = MQTTSessionEffects()
        let writer = try core.withLock { core throws(MQTTClientError) -> UnsafeContinuation<Void, Never>? in
            if case .stopping = core.lifecycle { throw .clientStopped }
            try core.session.checkServerLimits(message)
            let entry = MQTTOutboundEntry(
                sequence: core.session.nextSequence(), message: message, waiter: nil,
                acknowledgementTimeout: configuration.acknowledgementTimeout)
            _ = try core.session.submit(entry, effects: &effects)
            flushJournal(&core)
            return core.takeWriterIfOutput()
        }
        writer?.resume()
        finish(&effects)
    }

    /// Waits until every accepted QoS 1/2 message has completed its handshake. Cancelling the calling task ends the
    /// wait at once with `CancellationError` (the messages stay in the session).
    public func flush() async throws {
        try await cancellableWait {
            (core, id, continuation: UnsafeContinuation<Void, any Error>) -> Result<Void, any Error>? in
            if core.session.pendingCount == 0 { return .success(()) }
            core.flushWaiters.append(id, continuation)
            return nil
        } cancel: { core, id in
            core.flushWaiters.remove(id)
        }
    }

    private func publishAtMostOnce(_ message: MQTTMessage) async throws {
        while true {
            var effects = MQTTSessionEffects()
            var mustWait = false
            let writer = try core.withLock { core throws(MQTTClientError) -> UnsafeContinuation<Void, Never>? in
                if case .stopping = core.lifecycle { throw .clientStopped }
                if core.session.out.count >= MQTTClient.outputHighWater {
                    mustWait = true
                    return nil
                }
                try core.session.checkServerLimits(message)
                let entry = MQTTOutboundEntry(sequence: 0, message: message, waiter: nil)
                if try !core.session.submit(entry, effects: &effects) {
                    mustWait = true
                    return nil
                }
                return core.takeWriterIfOutput()
            }
            writer?.resume()
            finish(&effects)
            if !mustWait { return }
            try await waitForSpace()
        }
    }

    /// With the ``MQTTQueueOverflowPolicy/wait`` policy, waits while a new message would find the queue full.
    private func reserveQueueSpace(for qos: MQTTQoS) async throws {
        guard configuration.queueOverflowPolicy == .wait else { return }
        while core.withLock({ $0.session.queueIsFull(for: qos) }) {
            try await waitForSpace()
        }
    }

    /// Waits until the writer drained the output or the queue shrank; a cancelled task stops waiting at once.
    private func waitForSpace() async throws {
        try await cancellableWait {
            (core, id, continuation: UnsafeContinuation<Void, any Error>) -> Result<Void, any Error>? in
            if case .stopping = core.lifecycle { return .failure(MQTTClientError.clientStopped) }
            core.spaceWaiters.append(id, continuation)
            return nil
        } cancel: { core, id in
            core.spaceWaiters.remove(id)
        }
    }

    private func validate(_ message: MQTTMessage) throws(MQTTClientError) {
        guard MQTTTopic.isValidTopicName(message.topic) else {
            throw .invalidArgument("invalid topic name: \"\(message.topic)\"")
        }
        if message.properties.contains(.topicAlias) {
            throw .invalidArgument("topic aliases are managed by the client (useTopicAliases)")
        }
        if let aws = configuration.awsIoT { try aws.validate(publish: message) }
    }

    // MARK: - Subscribing

    /// Subscribes and returns the stream of matching messages.
    ///
    /// Connected: sends SUBSCRIBE and returns at SUBACK (throws ``MQTTClientError/subscribeRejected(_:)`` when
    /// every filter is refused). Before the first ``connect()``: registers the stream and returns at once; the
    /// SUBSCRIBE goes out right after CONNACK, so messages of a resumed session are not missed. Reconnecting:
    /// waits for the next connection.
    ///
    /// A full stream (`bufferSize` messages or `bufferBytes` bytes; defaults ``MQTTClientConfiguration/subscriptionBufferSize``
    /// and ``MQTTClientConfiguration/subscriptionBufferBytes``) stops the socket being read (backpressure),
    /// acknowledgements included: read the stream in a task other than one waiting in `publish` or `flush`.
    public func subscribe(
        to subscriptions: [MQTTSubscription], properties: MQTTProperties = MQTTProperties(), bufferSize: Int? = nil,
        bufferBytes: Int? = nil
    ) async throws -> MQTTSubscriptionStream {
        guard !subscriptions.isEmpty else { throw MQTTClientError.invalidArgument("no topic filters") }
        if let bufferSize, bufferSize < 1 { throw MQTTClientError.invalidArgument("bufferSize must be at least 1") }
        if let bufferBytes, bufferBytes < 1 { throw MQTTClientError.invalidArgument("bufferBytes must be at least 1") }
        for subscription in subscriptions where !MQTTTopic.isValidTopicFilter(subscription.topicFilter) {
            throw MQTTClientError.invalidArgument("invalid topic filter: \"\(subscription.topicFilter)\"")
        }
        if let aws = configuration.awsIoT { try aws.validate(subscribe: subscriptions) }
        let stream = MQTTSubscriptionStream(
            subscriptions: subscriptions, properties: properties,
            capacity: bufferSize ?? configuration.subscriptionBufferSize,
            byteCapacity: bufferBytes ?? configuration.subscriptionBufferBytes)
        let codes = try await withUnsafeThrowingContinuation {
            (continuation: UnsafeContinuation<[MQTTReasonCode], any Error>) in
            var effects = MQTTSessionEffects()
            let (writer, immediate) = core.withLock {
                core -> (UnsafeContinuation<Void, Never>?, Result<[MQTTReasonCode], MQTTClientError>?) in
                switch core.lifecycle {
                case .stopping: return (nil, .failure(.clientStopped))
                case .idle:
                    core.session.subscribe(stream, waiter: nil)
                    return (nil, .success([]))
                case .connecting, .reconnecting, .online:
                    core.session.subscribe(stream, waiter: continuation)
                    core.session.takeDeferredEffects(into: &effects)
                    return (core.takeWriterIfOutput(), nil)
                }
            }
            writer?.resume()
            if let immediate { continuation.resume(with: immediate) }
            finish(&effects)
        }
        if !codes.isEmpty { stream.reasonCodes = codes }
        return stream
    }

    /// Subscribes to one filter.
    public func subscribe(to filter: String, qos: MQTTQoS = .atMostOnce) async throws -> MQTTSubscriptionStream {
        try await subscribe(to: [MQTTSubscription(topicFilter: filter, qos: qos)])
    }

    /// Unsubscribes from the stream's filters (those no other stream uses) and ends the stream once the broker
    /// acknowledged. Offline, the UNSUBSCRIBE is sent after the next connection.
    public func unsubscribe(_ stream: MQTTSubscriptionStream) async throws {
        _ = try await withUnsafeThrowingContinuation {
            (continuation: UnsafeContinuation<[MQTTReasonCode], any Error>) in
            var effects = MQTTSessionEffects()
            let (writer, sent) = core.withLock { core -> (UnsafeContinuation<Void, Never>?, Bool) in
                let sent = core.session.unsubscribe(stream, waiter: continuation)
                core.session.takeDeferredEffects(into: &effects)
                return (core.takeWriterIfOutput(), sent)
            }
            writer?.resume()
            finish(&effects)
            if !sent {
                stream.buffer.finish()
                continuation.resume(returning: [])
            }
        }
    }

    /// Unsubscribes from topic filters, whether or not a stream of this client subscribed to them (mosquitto_sub's
    /// `-U`: filters kept by a persistent session). Connected: returns the UNSUBACK's reason codes (MQTT 5; empty in
    /// 3.1.1). Offline: the UNSUBSCRIBE is sent after the next connection and this returns at once, with no codes.
    @discardableResult
    public func unsubscribe(from filters: [String]) async throws -> [MQTTReasonCode] {
        guard !filters.isEmpty else { throw MQTTClientError.invalidArgument("no topic filters") }
        for filter in filters where !MQTTTopic.isValidTopicFilter(filter) {
            throw MQTTClientError.invalidArgument("invalid topic filter: \"\(filter)\"")
        }
        return try await withUnsafeThrowingContinuation {
            (continuation: UnsafeContinuation<[MQTTReasonCode], any Error>) in
            var effects = MQTTSessionEffects()
            let (writer, sent, stopped) = core.withLock { core -> (UnsafeContinuation<Void, Never>?, Bool, Bool) in
                if case .stopping = core.lifecycle { return (nil, false, true) }
                let sent = core.session.unsubscribe(filters: filters, waiter: continuation)
                core.session.takeDeferredEffects(into: &effects)
                return (core.takeWriterIfOutput(), sent, false)
            }
            writer?.resume()
            finish(&effects)
            if stopped {
                continuation.resume(throwing: MQTTClientError.clientStopped)
            } else if !sent {
                continuation.resume(returning: [])
            }
        }
    }

    // MARK: - Internals shared with the connection loop

    func flushJournal(_ core: inout MQTTClientCore) {
        guard !core.session.journal.isEmpty else { return }
        store?.append(core.session.journal)
        core.session.journal.removeAll(keepingCapacity: true)
    }

    /// Resumes calls and wakes waiters after a state change (outside the lock).
    func finish(_ effects: inout MQTTSessionEffects) {
        if effects.isEmpty { return }
        for topic in effects.droppedTopics {
            logger.warning(
                "MQTT queue full: dropped the oldest queued message (dropOldest policy)",
                metadata: ["topic": "\(topic)"])
        }
        effects.droppedTopics.removeAll()
        effects.completeCalls()
        if effects.queueSpaceFreed || effects.drained {
            let (space, flushed) = core.withLock {
                core -> ([UnsafeContinuation<Void, any Error>], [UnsafeContinuation<Void, any Error>]) in
                let space = effects.queueSpaceFreed ? core.spaceWaiters.takeAll() : []
                var flushed: [UnsafeContinuation<Void, any Error>] = []
                if core.session.pendingCount == 0 { flushed = core.flushWaiters.takeAll() }
                return (space, flushed)
            }
            for waiter in space { waiter.resume() }
            for waiter in flushed { waiter.resume() }
            effects.queueSpaceFreed = false
            effects.drained = false
        }
    }
}

/// The client's mutable state, guarded by its lock.
struct MQTTClientCore {
    enum Lifecycle {
        /// Not started, or stopped.
        case idle
        /// Trying to connect for `connect()`.
        case connecting
        /// Connected.
        case online
        /// Lost the connection; backing off or connecting again.
        case reconnecting
        /// `disconnect()` was called.
        case stopping
    }

    var session: MQTTSessionState
    var lifecycle = Lifecycle.idle
    var runTask: Task<Void, Never>?
    var everConnected = false
    var connectResult: MQTTConnectResult?
    var connectWaiters = MQTTWaiterList<MQTTConnectResult>()
    var spaceWaiters = MQTTWaiterList<Void>()
    var flushWaiters = MQTTWaiterList<Void>()
    private var lastWaiterID: UInt64 = 0
    var writer: UnsafeContinuation<Void, Never>?
    /// Set when a last packet (DISCONNECT) is queued: the writer ends the connection once output is empty.
    var closeAfterFlush: MQTTClientError?
    var closing = false
    var lastSend = ContinuousClock.now
    var lastReceive = ContinuousClock.now
    var pingSentAt: ContinuousClock.Instant?
    var readerPaused = false
    /// When the write in progress began (`nil`: the writer is not writing).
    var writeStartedAt: ContinuousClock.Instant?
    /// The reader, waiting for the writer to take the queued output (``MQTTClient/outputLimit``).
    var outputWaiter: UnsafeContinuation<Void, Never>?
    /// Why the last connection (or connection attempt) ended.
    var lastConnectionError: MQTTClientError?

    init(session: MQTTSessionState) { self.session = session }

    /// An identifier for a waiting call (see ``MQTTWaiterList``).
    mutating func newWaiterID() -> UInt64 {
        lastWaiterID += 1
        return lastWaiterID
    }

    mutating func takeWriter() -> UnsafeContinuation<Void, Never>? {
        let writer = self.writer
        self.writer = nil
        return writer
    }

    mutating func takeWriterIfOutput() -> UnsafeContinuation<Void, Never>? {
        session.out.isEmpty ? nil : takeWriter()
    }
}
