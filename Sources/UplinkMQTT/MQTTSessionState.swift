import MQTTCodec

/// The MQTT session as a state machine: packet identifiers, the QoS 1/2 handshakes both ways, the in-flight window,
/// the queue of unsent messages, topic aliases and subscriptions.
///
/// It does no I/O: packets to send are appended to ``out``, durable changes to ``journal``, and calls to resume or
/// messages to deliver to a ``MQTTSessionEffects``. The client runs it under its lock and does the rest.
///
/// Session rules (MQTT-4.4.0-1 and §4.3): unacknowledged PUBLISH packets (with DUP set) and PUBREL packets are
/// resent only after a reconnect with Session Present = 1, with their original packet identifiers and in their
/// original order. With Session Present = 0 the broker has no state: inbound QoS 2 identifiers are forgotten,
/// QoS 2 messages already acknowledged by PUBREC complete (the broker owns them), every other in-flight message
/// goes back to the front of the queue to be sent again as a new message (at least once is kept for QoS 1; for
/// QoS 2 a broker that lost its session may deliver such a message twice), and every subscription is sent again.
struct MQTTSessionState {
    enum Phase { case offline, connecting, online }

    let version: MQTTProtocolVersion
    let configuration: MQTTClientConfiguration
    /// Whether durable records are collected (a session store is attached).
    let journaling: Bool

    var phase = Phase.offline
    /// Bytes to send, in order.
    var out: [UInt8] = []
    /// Durable changes not yet handed to the store.
    var journal: [MQTTSessionRecord] = []

    // Limits from CONNACK.
    private(set) var window: Int
    private(set) var serverMaximumPacketSize = Int.max
    private(set) var serverMaximumQoS = MQTTQoS.exactlyOnce
    private(set) var serverRetainAvailable = true
    private var serverTopicAliasMaximum: UInt16 = 0
    private var aliases: [[UInt8]: UInt16] = [:]  // keyed by the topic's UTF-8 bytes, not canonical equivalence
    private var inboundAliases: [UInt16: String] = [:]

    // Outbound.
    private(set) var lastSequence: UInt64 = 0
    private var lastPacketIdentifier: UInt16 = 0
    private(set) var inflight: [UInt16: MQTTOutboundEntry] = [:]
    private(set) var queue = MQTTEntryQueue()

    // Inbound QoS 2 packet identifiers delivered, awaiting PUBREL, with the digest of their message.
    private(set) var inbound: [UInt16: UInt64] = [:]

    // Subscriptions.
    private(set) var streams: [MQTTSubscriptionStream] = []
    private var awaitingConnection: [(MQTTSubscriptionStream, UnsafeContinuation<[MQTTReasonCode], any Error>?)] = []
    private var unsubscribeOnConnect: [String] = []
    private var operations: [UInt16: MQTTPendingOperation] = [:]

    /// Calls failed where no effects were at hand (a SUBSCRIBE/UNSUBSCRIBE with no free packet identifier); the
    /// client takes them with ``takeDeferredEffects(into:)``.
    private var deferred = MQTTSessionEffects()

    /// Moves the effects of calls failed outside an event into `effects`.
    mutating func takeDeferredEffects(into effects: inout MQTTSessionEffects) {
        guard !deferred.operations.isEmpty || !deferred.finishedStreams.isEmpty else { return }
        effects.operations.append(contentsOf: deferred.operations)
        effects.finishedStreams.append(contentsOf: deferred.finishedStreams)
        deferred = MQTTSessionEffects()
    }

    /// A PINGREQ is outstanding.
    private(set) var pingOutstanding = false
    /// The broker exceeded our Receive Maximum on this connection (reported once).
    private var receiveMaximumOverrunReported = false

    init(configuration: MQTTClientConfiguration, journaling: Bool) {
        self.version = configuration.version
        self.configuration = configuration
        self.journaling = journaling
        self.window = configuration.effectiveMaximumInflight
    }

    /// Restores the state a store kept: sent messages become in flight with their packet identifiers, the others
    /// are queued, in acceptance order.
    mutating func restore(_ stored: MQTTStoredSession) {
        lastSequence = max(lastSequence, stored.lastSequence)
        inbound = stored.inbound
        for item in stored.outboundInOrder {
            let entry = MQTTOutboundEntry(
                sequence: item.sequence, message: item.message, waiter: nil,
                acknowledgementTimeout: configuration.acknowledgementTimeout)
            entry.released = item.released
            if let id = item.packetIdentifier, inflight[id] == nil {
                entry.packetIdentifier = id
                inflight[id] = entry
            } else {
                queue.append(entry)
            }
        }
    }

    /// Number of accepted messages not yet completed.
    var pendingCount: Int { inflight.count + queue.count }

    /// Messages dropped by the ``MQTTQueueOverflowPolicy/dropOldest`` policy since the client was created.
    private(set) var droppedCount = 0

    // MARK: - Connection

    /// Starts a connection attempt and writes CONNECT into ``out``.
    mutating func beginConnect() throws(MQTTClientError) {
        phase = .connecting
        out.removeAll(keepingCapacity: true)
        var properties = MQTTProperties()
        if version == .v5 {
            if configuration.sessionExpiryInterval != 0 {
                properties.append(.sessionExpiryInterval(configuration.sessionExpiryInterval))
            }
            if configuration.receiveMaximum != 65_535 {
                properties.append(.receiveMaximum(configuration.receiveMaximum))
            }
            if configuration.maximumPacketSize < MQTTFrameDecoder.protocolMaximumPacketSize {
                properties.append(.maximumPacketSize(UInt32(clamping: configuration.maximumPacketSize)))
            }
            if configuration.inboundTopicAliasMaximum > 0 {
                properties.append(.topicAliasMaximum(configuration.inboundTopicAliasMaximum))
            }
            for (name, value) in configuration.userProperties {
                properties.append(.userProperty(name: name, value: value))
            }
        }
        let connect = ConnectPacket(
            clientIdentifier: configuration.clientIdentifier,
            cleanStart: configuration.cleanStart,
            keepAlive: configuration.keepAlive,
            username: configuration.username,
            password: configuration.password,
            will: configuration.will,
            properties: properties
        )
        do {
            try MQTTPacket.connect(connect).encode(version: version, into: &out)
        } catch {
            throw .invalidArgument("cannot encode CONNECT: \(error)")
        }
    }

    /// Takes the broker's CONNACK (a success): applies its limits, resends or resets the session, re-subscribes.
    mutating func didConnect(_ connack: ConnAckPacket, effects: inout MQTTSessionEffects) {
        phase = .online
        pingOutstanding = false
        receiveMaximumOverrunReported = false
        let properties = connack.properties
        let serverReceiveMaximum = Int(properties.receiveMaximum ?? 65_535)
        window = max(1, min(configuration.effectiveMaximumInflight, serverReceiveMaximum, 65_000))
        serverMaximumPacketSize = properties.maximumPacketSize.map { Int($0) } ?? Int.max
        serverMaximumQoS = properties.maximumQoS ?? .exactlyOnce
        serverRetainAvailable = properties.retainAvailable ?? true
        serverTopicAliasMaximum =
            version == .v5 && configuration.useTopicAliases ? (properties.topicAliasMaximum ?? 0) : 0
        aliases.removeAll()
        inboundAliases.removeAll()

        let resumed = inflight.values.sorted { $0.sequence < $1.sequence }
        if connack.sessionPresent {
            for entry in resumed {
                if entry.released, let id = entry.packetIdentifier {
                    emit(.pubrel(PublishAckPacket(packetIdentifier: id)))
                } else {
                    _ = encodePublish(entry, dup: true, effects: &effects)
                }
                startAcknowledgementTimer(entry)
            }
        } else {
            var requeued: [MQTTOutboundEntry] = []
            inflight.removeAll()
            for entry in resumed {
                if entry.released {
                    complete(entry, .success(.success), effects: &effects)
                } else {
                    entry.packetIdentifier = nil
                    record(.unsent(sequence: entry.sequence))
                    requeued.append(entry)
                }
            }
            queue.prepend(requeued)
            if !inbound.isEmpty {
                inbound.removeAll()
                record(.inboundCleared)
            }
        }

        var subscribed = Set<ObjectIdentifier>()
        let waiting = awaitingConnection
        awaitingConnection.removeAll()
        for (stream, waiter) in waiting {
            subscribed.insert(ObjectIdentifier(stream))
            sendSubscribe(stream, waiter: waiter)
        }
        if !connack.sessionPresent {
            for stream in streams where !subscribed.contains(ObjectIdentifier(stream)) {
                sendSubscribe(stream, waiter: nil)
            }
        }
        if !unsubscribeOnConnect.isEmpty {
            let filters = unsubscribeOnConnect
            unsubscribeOnConnect.removeAll()
            sendUnsubscribe(filters, stream: nil, waiter: nil)
        }
        pump(effects: &effects)
        takeDeferredEffects(into: &effects)
    }

    /// The connection ended: pending subscribe/unsubscribe calls fail; messages stay for the next connection.
    mutating func connectionLost(_ error: MQTTClientError, effects: inout MQTTSessionEffects) {
        phase = .offline
        pingOutstanding = false
        out.removeAll(keepingCapacity: true)
        let pending = operations.sorted { $0.key < $1.key }
        operations.removeAll()
        for (_, operation) in pending {
            switch operation.kind {
            case .subscribe(let stream):
                if let waiter = operation.waiter {
                    effects.operations.append((waiter, .failure(error)))
                    removeStream(stream)
                    effects.finishedStreams.append((stream, error))
                } else {
                    awaitingConnection.append((stream, nil))
                }
            case .unsubscribe(let filters, let stream):
                if let waiter = operation.waiter { effects.operations.append((waiter, .failure(error))) }
                unsubscribeOnConnect.append(contentsOf: filters)
                if let stream { effects.finishedStreams.append((stream, nil)) }
            }
        }
    }

    /// The client stops: every waiting call fails with `error`, every stream ends. Accepted messages stay in the
    /// session (and the store) for a later connection.
    mutating func shutdown(_ error: MQTTClientError, effects: inout MQTTSessionEffects) {
        connectionLost(error, effects: &effects)
        for entry in inflight.values {
            if let waiter = entry.waiter { effects.publishes.append((waiter, .failure(error))) }
            entry.waiter = nil
        }
        var kept: [MQTTOutboundEntry] = []
        for entry in queue.removeAll() {
            if let waiter = entry.waiter { effects.publishes.append((waiter, .failure(error))) }
            entry.waiter = nil
            if entry.sequence != 0 { kept.append(entry) }
        }
        queue.prepend(kept)
        for (stream, waiter) in awaitingConnection {
            if let waiter { effects.operations.append((waiter, .failure(error))) }
            _ = stream
        }
        awaitingConnection.removeAll()
        let ending = error == .clientStopped ? nil : error
        for stream in streams { effects.finishedStreams.append((stream, ending)) }
        streams.removeAll()
        effects.queueSpaceFreed = true
    }

    // MARK: - Publishing

    /// The next sequence number for an accepted QoS 1/2 message.
    mutating func nextSequence() -> UInt64 {
        lastSequence += 1
        return lastSequence
    }

    /// Whether a new message must wait for room in the queue (it would be queued and the queue is full).
    func queueIsFull(for qos: MQTTQoS) -> Bool {
        if phase == .online && (qos == .atMostOnce || (queue.isEmpty && inflight.count < window)) { return false }
        return queue.count >= configuration.maximumQueuedMessages
    }

    /// Checks a message against the broker's limits known from CONNACK.
    func checkServerLimits(_ message: MQTTMessage) throws(MQTTClientError) {
        guard phase == .online else { return }
        if message.qos > serverMaximumQoS {
            throw .invalidArgument("the broker accepts at most QoS \(serverMaximumQoS.rawValue)")
        }
        if message.retain && !serverRetainAvailable { throw .invalidArgument("the broker does not support retain") }
        if serverMaximumPacketSize != Int.max {
            let estimate = message.topic.utf8.count + message.payload.count + 16
            if estimate + 64 > serverMaximumPacketSize || !message.properties.isEmpty {
                let packet = PublishPacket(
                    topic: message.topic, payload: message.payload, qos: message.qos, retain: message.retain,
                    packetIdentifier: message.qos == .atMostOnce ? nil : 1, properties: message.properties)
                let size = (try? MQTTEncoder.encode(.publish(packet), version: version).count) ?? Int.max
                if size > serverMaximumPacketSize {
                    throw .packetTooLarge(size: size, maximum: serverMaximumPacketSize)
                }
            }
        }
    }

    /// Accepts a message: sends it now if the window allows, otherwise queues it (applying the overflow policy).
    /// Returns `false` when the policy is ``MQTTQueueOverflowPolicy/wait`` and the queue is full.
    mutating func submit(_ entry: MQTTOutboundEntry, effects: inout MQTTSessionEffects) throws(MQTTClientError) -> Bool
    {
        let qos = entry.message.qos
        if queueIsFull(for: qos) {
            switch configuration.queueOverflowPolicy {
            case .reject: throw .queueFull
            case .wait: return false
            case .dropOldest:
                if let oldest = queue.popFirst() {
                    if oldest.sequence != 0 { record(.completed(sequence: oldest.sequence)) }
                    if let waiter = oldest.waiter { effects.publishes.append((waiter, .failure(.droppedFromQueue))) }
                    oldest.waiter = nil
                    droppedCount += 1
                    effects.droppedTopics.append(oldest.message.topic)
                }
            }
        }
        if qos != .atMostOnce { record(.accepted(sequence: entry.sequence, message: entry.message)) }
        if phase == .online && (qos == .atMostOnce || (queue.isEmpty && inflight.count < window)) {
            send(entry, effects: &effects)
        } else {
            queue.append(entry)
        }
        return true
    }

    /// Sends queued messages while the window has room.
    mutating func pump(effects: inout MQTTSessionEffects) {
        guard phase == .online else { return }
        var moved = false
        while let first = queue.first?.message.qos,
            first == .atMostOnce || (inflight.count < window && hasFreePacketIdentifier)
        {
            guard let entry = queue.popFirst() else { break }
            moved = true
            send(entry, effects: &effects)
        }
        if moved { effects.queueSpaceFreed = true }
        if inflight.isEmpty && queue.isEmpty { effects.drained = true }
    }

    private mutating func send(_ entry: MQTTOutboundEntry, effects: inout MQTTSessionEffects) {
        if entry.message.qos > serverMaximumQoS {
            fail(
                entry, .invalidArgument("the broker accepts at most QoS \(serverMaximumQoS.rawValue)"),
                effects: &effects)
            return
        }
        if entry.message.qos == .atMostOnce {
            if !encodePublish(entry, dup: false, effects: &effects) {
                if let waiter = entry.waiter { effects.publishes.append((waiter, .failure(lastEncodeError))) }
            } else if let waiter = entry.waiter {
                effects.publishes.append((waiter, .success(.success)))
            }
            entry.waiter = nil
            return
        }
        guard let id = allocatePacketIdentifier() else {
            // Every packet identifier is in use: the message waits at the front of the queue for a PUBACK/PUBCOMP
            // (or a SUBACK/UNSUBACK) to free one.
            queue.prepend([entry])
            return
        }
        entry.packetIdentifier = id
        if encodePublish(entry, dup: false, effects: &effects) {
            inflight[id] = entry
            startAcknowledgementTimer(entry)
            record(.sent(sequence: entry.sequence, packetIdentifier: id))
        } else {
            entry.packetIdentifier = nil
            fail(entry, lastEncodeError, effects: &effects)
        }
    }

    private var lastEncodeError = MQTTClientError.invalidArgument("cannot encode PUBLISH")

    /// Encodes a PUBLISH for the entry into ``out``; uses (and assigns) a topic alias when the broker allows.
    private mutating func encodePublish(
        _ entry: MQTTOutboundEntry, dup: Bool, effects: inout MQTTSessionEffects
    ) -> Bool {
        let message = entry.message
        var packet = PublishPacket(
            topic: message.topic, payload: message.payload, qos: message.qos, retain: message.retain, dup: dup,
            packetIdentifier: entry.packetIdentifier, properties: message.properties)
        var newAlias: UInt16?
        if serverTopicAliasMaximum > 0 {
            if let alias = aliases[Array(message.topic.utf8)] {
                packet.topic = ""
                packet.properties.append(.topicAlias(alias))
            } else if aliases.count < Int(serverTopicAliasMaximum) {
                let alias = UInt16(aliases.count + 1)
                newAlias = alias
                packet.properties.append(.topicAlias(alias))
            }
        }
        let start = out.count
        do {
            try MQTTEncoder.encode(packet, version: version, into: &out)
        } catch {
            lastEncodeError = .invalidArgument("cannot encode PUBLISH: \(error)")
            return false
        }
        let size = out.count - start
        if size > serverMaximumPacketSize {
            out.removeSubrange(start...)
            lastEncodeError = .packetTooLarge(size: size, maximum: serverMaximumPacketSize)
            return false
        }
        if let newAlias { aliases[Array(message.topic.utf8)] = newAlias }
        return true
    }

    /// The next free packet identifier after the last one given; `nil` when all 65,535 are in use (QoS 1/2
    /// messages in flight and SUBSCRIBE/UNSUBSCRIBE awaiting their acknowledgement): one pass, never a spin.
    private mutating func allocatePacketIdentifier() -> UInt16? {
        if inflight.count + operations.count >= Int(UInt16.max) { return nil }
        for _ in 0..<Int(UInt16.max) {
            lastPacketIdentifier = lastPacketIdentifier == UInt16.max ? 1 : lastPacketIdentifier + 1
            if inflight[lastPacketIdentifier] == nil && operations[lastPacketIdentifier] == nil {
                return lastPacketIdentifier
            }
        }
        return nil
    }

    /// Whether a packet identifier is free for a new QoS 1/2 message or operation.
    var hasFreePacketIdentifier: Bool { inflight.count + operations.count < Int(UInt16.max) }

    private func startAcknowledgementTimer(_ entry: MQTTOutboundEntry) {
        entry.acknowledgementDeadline = entry.acknowledgementTimeout.map { .now + $0 }
    }

    /// Handles acknowledgements overdue at `now` (messages sent with an acknowledgement timeout). MQTT 3.1.1: sends
    /// each such PUBLISH again with DUP and its packet identifier (PUBREL for a QoS 2 message past PUBREC) and starts
    /// its timer again; returns `nil`. MQTT 5 forbids resending on the same connection (MQTT-4.4.0-1): returns the
    /// packet identifier of an overdue message, and the client closes the connection to resend after reconnecting.
    mutating func expireAcknowledgements(now: ContinuousClock.Instant, effects: inout MQTTSessionEffects) -> UInt16? {
        guard phase == .online else { return nil }
        let overdue = inflight.values.filter { entry in entry.acknowledgementDeadline.map { $0 <= now } ?? false }
            .sorted { $0.sequence < $1.sequence }
        guard let first = overdue.first else { return nil }
        if version == .v5 {
            for entry in overdue { entry.acknowledgementDeadline = nil }
            return first.packetIdentifier
        }
        for entry in overdue {
            if entry.released, let id = entry.packetIdentifier {
                emit(.pubrel(PublishAckPacket(packetIdentifier: id)))
            } else {
                _ = encodePublish(entry, dup: true, effects: &effects)
            }
            startAcknowledgementTimer(entry)
        }
        return nil
    }

    private mutating func complete(
        _ entry: MQTTOutboundEntry, _ result: Result<MQTTReasonCode, MQTTClientError>,
        effects: inout MQTTSessionEffects
    ) {
        record(.completed(sequence: entry.sequence))
        if let waiter = entry.waiter { effects.publishes.append((waiter, result)) }
        entry.waiter = nil
    }

    private mutating func fail(_ entry: MQTTOutboundEntry, _ error: MQTTClientError, effects: inout MQTTSessionEffects)
    {
        if entry.sequence != 0 { record(.completed(sequence: entry.sequence)) }
        if let waiter = entry.waiter { effects.publishes.append((waiter, .failure(error))) }
        entry.waiter = nil
    }

    // MARK: - Subscriptions

    /// Adds a stream; sends SUBSCRIBE now when online, otherwise after the next CONNACK.
    mutating func subscribe(_ stream: MQTTSubscriptionStream, waiter: UnsafeContinuation<[MQTTReasonCode], any Error>?)
    {
        streams.append(stream)
        if phase == .online {
            sendSubscribe(stream, waiter: waiter)
        } else {
            awaitingConnection.append((stream, waiter))
        }
    }

    /// Removes a stream; returns the filters no other stream uses, to unsubscribe from.
    mutating func removeStream(_ stream: MQTTSubscriptionStream) {
        streams.removeAll { $0 === stream }
        awaitingConnection.removeAll { $0.0 === stream }
    }

    /// Removes the stream and unsubscribes from its filters that no other stream uses. Returns `false` when no
    /// UNSUBSCRIBE is needed right now (the stream is finished by the caller).
    mutating func unsubscribe(
        _ stream: MQTTSubscriptionStream, waiter: UnsafeContinuation<[MQTTReasonCode], any Error>
    ) -> Bool {
        removeStream(stream)
        let stillUsed = Set(streams.flatMap(\.filters))
        let filters = stream.filters.filter { !stillUsed.contains($0) }
        if filters.isEmpty { return false }
        if phase == .online {
            sendUnsubscribe(filters, stream: stream, waiter: waiter)
            return true
        }
        unsubscribeOnConnect.append(contentsOf: filters)
        return false
    }

    /// Unsubscribes from `filters` whatever the streams (filters of a persistent session made by an earlier process).
    /// Returns `false` when offline: the UNSUBSCRIBE goes out after the next connection and the caller returns.
    mutating func unsubscribe(
        filters: [String], waiter: UnsafeContinuation<[MQTTReasonCode], any Error>
    ) -> Bool {
        if phase == .online {
            sendUnsubscribe(filters, stream: nil, waiter: waiter)
            return true
        }
        unsubscribeOnConnect.append(contentsOf: filters)
        return false
    }

    private mutating func sendSubscribe(
        _ stream: MQTTSubscriptionStream, waiter: UnsafeContinuation<[MQTTReasonCode], any Error>?
    ) {
        guard let id = allocatePacketIdentifier() else {
            removeStream(stream)
            if let waiter { deferred.operations.append((waiter, .failure(.packetIdentifiersExhausted))) }
            deferred.finishedStreams.append((stream, .packetIdentifiersExhausted))
            return
        }
        let packet = SubscribePacket(
            packetIdentifier: id, subscriptions: stream.subscriptions, properties: stream.properties)
        operations[id] = MQTTPendingOperation(
            kind: .subscribe(stream), waiter: waiter, deadline: .now + configuration.operationTimeout)
        emit(.subscribe(packet))
    }

    private mutating func sendUnsubscribe(
        _ filters: [String], stream: MQTTSubscriptionStream?, waiter: UnsafeContinuation<[MQTTReasonCode], any Error>?
    ) {
        guard let id = allocatePacketIdentifier() else {
            if let waiter { deferred.operations.append((waiter, .failure(.packetIdentifiersExhausted))) }
            if let stream { deferred.finishedStreams.append((stream, nil)) }
            return
        }
        operations[id] = MQTTPendingOperation(
            kind: .unsubscribe(filters, stream), waiter: waiter, deadline: .now + configuration.operationTimeout)
        emit(.unsubscribe(UnsubscribePacket(packetIdentifier: id, topicFilters: filters)))
    }

    /// Fails SUBSCRIBE/UNSUBSCRIBE calls whose acknowledgment is overdue.
    mutating func expireOperations(now: ContinuousClock.Instant, effects: inout MQTTSessionEffects) {
        for (id, operation) in operations where operation.deadline <= now {
            operations[id] = nil
            let what: String
            switch operation.kind {
            case .subscribe(let stream):
                what = "SUBACK"
                removeStream(stream)
                effects.finishedStreams.append((stream, .timeout(what)))
            case .unsubscribe(_, let stream):
                what = "UNSUBACK"
                if let stream { effects.finishedStreams.append((stream, nil)) }
            }
            if let waiter = operation.waiter { effects.operations.append((waiter, .failure(.timeout(what)))) }
        }
    }

    // MARK: - Keep alive and disconnect

    /// Writes PINGREQ.
    mutating func ping() {
        emit(.pingreq)
        pingOutstanding = true
    }

    /// Writes DISCONNECT with a reason code (the code is dropped in 3.1.1).
    mutating func disconnect(_ reason: MQTTReasonCode = .normalDisconnection) {
        emit(.disconnect(DisconnectPacket(reasonCode: reason)))
    }

    // MARK: - Inbound packets

    /// Handles one packet from the broker. Throws ``MQTTClientError/protocolViolation(_:_:)`` when the broker
    /// breaks the protocol, and ``MQTTClientError/connectionClosed(_:reasonString:)`` for its DISCONNECT.
    mutating func handle(_ packet: MQTTPacket, effects: inout MQTTSessionEffects) throws(MQTTClientError) {
        switch packet {
        case .publish(let publish):
            try receive(publish, effects: &effects)
        case .puback(let ack):
            guard let entry = inflight[ack.packetIdentifier] else { return }  // unknown: ignored
            inflight[ack.packetIdentifier] = nil
            guard entry.message.qos == .atLeastOnce else {
                // A PUBACK for a QoS 2 PUBLISH: the broker took the message at QoS 1 (RabbitMQ's MQTT plugin, which
                // has no QoS 2, does). Closing the connection made the client send it again after every reconnect,
                // each copy delivered: the publish fails instead, the message taken once.
                complete(
                    entry,
                    .failure(
                        .publishRejected(
                            .qosNotSupported,
                            reasonString:
                                "the broker answered a QoS 2 PUBLISH with PUBACK: it took the message at QoS 1"
                        )), effects: &effects)
                pump(effects: &effects)
                return
            }
            if ack.reasonCode == .quotaExceeded && requeueAfterQuota(entry) { return }
            complete(entry, result(ack), effects: &effects)
            pump(effects: &effects)
        case .pubrec(let ack):
            guard let entry = inflight[ack.packetIdentifier] else {
                emit(.pubrel(PublishAckPacket(packetIdentifier: ack.packetIdentifier, reasonCode: notFound)))
                return
            }
            guard entry.message.qos == .exactlyOnce else {
                throw .protocolViolation(.protocolError, "PUBREC for QoS 1 packet identifier \(ack.packetIdentifier)")
            }
            if ack.reasonCode.isFailure {
                inflight[ack.packetIdentifier] = nil
                if ack.reasonCode == .quotaExceeded && requeueAfterQuota(entry) { return }
                complete(entry, result(ack), effects: &effects)
                pump(effects: &effects)
                return
            }
            if !entry.released {
                entry.released = true
                record(.released(sequence: entry.sequence))
            }
            emit(.pubrel(PublishAckPacket(packetIdentifier: ack.packetIdentifier)))
            startAcknowledgementTimer(entry)
        case .pubcomp(let ack):
            guard let entry = inflight[ack.packetIdentifier] else { return }
            guard entry.message.qos == .exactlyOnce, entry.released else {
                throw .protocolViolation(.protocolError, "PUBCOMP before PUBREC for \(ack.packetIdentifier)")
            }
            inflight[ack.packetIdentifier] = nil
            complete(entry, .success(ack.reasonCode), effects: &effects)
            pump(effects: &effects)
        case .pubrel(let ack):
            if inbound.removeValue(forKey: ack.packetIdentifier) != nil {
                record(.inboundReleased(ack.packetIdentifier))
                emit(.pubcomp(PublishAckPacket(packetIdentifier: ack.packetIdentifier)))
            } else {
                emit(.pubcomp(PublishAckPacket(packetIdentifier: ack.packetIdentifier, reasonCode: notFound)))
            }
        case .suback(let ack):
            guard let operation = operations[ack.packetIdentifier] else { return }
            guard case .subscribe(let stream) = operation.kind else {
                throw .protocolViolation(.protocolError, "SUBACK for UNSUBSCRIBE \(ack.packetIdentifier)")
            }
            guard ack.reasonCodes.count == stream.subscriptions.count else {
                throw .protocolViolation(
                    .protocolError,
                    "SUBACK with \(ack.reasonCodes.count) codes for \(stream.subscriptions.count) filters")
            }
            operations[ack.packetIdentifier] = nil
            stream.reasonCodes = ack.reasonCodes
            if ack.reasonCodes.allSatisfy(\.isFailure) {
                removeStream(stream)
                effects.finishedStreams.append((stream, .subscribeRejected(ack.reasonCodes)))
                if let waiter = operation.waiter {
                    effects.operations.append((waiter, .failure(.subscribeRejected(ack.reasonCodes))))
                }
            } else if let waiter = operation.waiter {
                effects.operations.append((waiter, .success(ack.reasonCodes)))
            }
            pump(effects: &effects)
        case .unsuback(let ack):
            guard let operation = operations[ack.packetIdentifier] else { return }
            guard case .unsubscribe(let filters, let stream) = operation.kind else {
                throw .protocolViolation(.protocolError, "UNSUBACK for SUBSCRIBE \(ack.packetIdentifier)")
            }
            if version == .v5 && ack.reasonCodes.count != filters.count {
                throw .protocolViolation(
                    .protocolError, "UNSUBACK with \(ack.reasonCodes.count) codes for \(filters.count) filters")
            }
            operations[ack.packetIdentifier] = nil
            if let stream { effects.finishedStreams.append((stream, nil)) }
            if let waiter = operation.waiter { effects.operations.append((waiter, .success(ack.reasonCodes))) }
            pump(effects: &effects)
        case .pingresp:
            pingOutstanding = false
        case .disconnect(let disconnect):
            throw .connectionClosed(disconnect.reasonCode, reasonString: disconnect.properties.reasonString)
        case .connack:
            throw .protocolViolation(.protocolError, "a second CONNACK")
        case .auth:
            throw .protocolViolation(.protocolError, "AUTH without an authentication method")
        case .connect, .subscribe, .unsubscribe, .pingreq:
            throw .protocolViolation(.protocolError, "\(packet.packetType) sent by the server")
        }
    }

    private var notFound: MQTTReasonCode { version == .v5 ? .packetIdentifierNotFound : .success }

    /// The broker refused a message with Quota Exceeded (0x97) while others were in flight: it accepts fewer
    /// messages at once than its Receive Maximum says (mosquitto does when a restored session holds QoS 2
    /// messages whose PUBREL will never come, and answers 0x97 instead of storing). The message is not lost: it
    /// goes back to the front of the queue, to be sent again with a new packet identifier when a message in flight
    /// completes, and the window shrinks to what the broker accepted. Refused with nothing else in flight, the
    /// quota is not about concurrency: the caller fails the message. Returns whether the message was requeued.
    private mutating func requeueAfterQuota(_ entry: MQTTOutboundEntry) -> Bool {
        guard !inflight.isEmpty else { return false }
        window = max(1, min(window, inflight.count))
        entry.packetIdentifier = nil
        record(.unsent(sequence: entry.sequence))
        queue.prepend([entry])
        return true
    }

    private func result(_ ack: PublishAckPacket) -> Result<MQTTReasonCode, MQTTClientError> {
        if ack.reasonCode.isFailure {
            return .failure(.publishRejected(ack.reasonCode, reasonString: ack.properties.reasonString))
        }
        return .success(ack.reasonCode)
    }

    private mutating func receive(_ publish: PublishPacket, effects: inout MQTTSessionEffects) throws(MQTTClientError) {
        var topic = publish.topic
        var properties = publish.properties
        if version == .v5, let alias = properties.topicAlias {
            guard alias <= configuration.inboundTopicAliasMaximum else {
                throw .protocolViolation(.topicAliasInvalid, "topic alias \(alias) above our maximum")
            }
            if topic.isEmpty {
                guard let known = inboundAliases[alias] else {
                    throw .protocolViolation(.protocolError, "unknown topic alias \(alias)")
                }
                topic = known
            } else {
                inboundAliases[alias] = topic
            }
            properties.removeAll(.topicAlias)
        }
        var message = MQTTMessage(
            topic: topic, payload: publish.payload, qos: publish.qos, retain: publish.retain, properties: properties)
        message.packetIdentifier = publish.packetIdentifier
        switch publish.qos {
        case .atMostOnce:
            effects.messages.append(message)
        case .atLeastOnce:
            guard let id = publish.packetIdentifier else { return }
            effects.messages.append(message)
            emit(.puback(PublishAckPacket(packetIdentifier: id)))
        case .exactlyOnce:
            guard let id = publish.packetIdentifier else { return }
            // Exactly once (MQTT-4.3.3-9): until PUBREL, a PUBLISH with the identifier of a held message is that
            // message again and is not delivered, DUP or not (mosquitto restored from its database sends a message
            // it had queued before the save with DUP = 0 and the identifier it had given it). One with another topic
            // or payload is a new message: the identifier was released by a PUBREL that never arrived (a broker
            // that restored older state after a crash), and dropping it would lose the message.
            let digest = MQTTSessionState.digest(topic: topic, payload: publish.payload)
            let known = inbound[id]
            if known != digest {
                // More unreleased QoS 2 messages than our Receive Maximum: the broker broke flow control (mosquitto
                // 2.0 does under load: it counts a QoS 2 message as in flight only until PUBREC). Closing with 0x93
                // would throw away everything the broker holds for a clean session, so the message is accepted:
                // the table is bounded by the 65,535 packet identifiers anyway. Reported once per connection.
                if version == .v5 && known == nil && inbound.count >= Int(configuration.receiveMaximum)
                    && !receiveMaximumOverrunReported
                {
                    receiveMaximumOverrunReported = true
                    effects.receiveMaximumOverrun = inbound.count + 1
                }
                inbound[id] = digest
                record(.inboundReceived(id, digest: digest))
                effects.messages.append(message)
            }
            emit(.pubrec(PublishAckPacket(packetIdentifier: id)))
        }
    }

    /// FNV-1a (64 bit) of topic and payload: stable across processes, so it can be stored.
    static func digest(topic: String, payload: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in topic.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        hash = (hash ^ 0xFF) &* 0x0000_0100_0000_01B3
        for byte in payload { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    // MARK: - Output

    private mutating func emit(_ packet: MQTTPacket) {
        // Control packets built here from valid values always encode; a failure would be a bug, so it is dropped
        // rather than crashing.
        try? MQTTEncoder.encode(packet, version: version, into: &out)
    }

    private mutating func record(_ record: MQTTSessionRecord) {
        if journaling { journal.append(record) }
    }
}
