import MQTTCodec
import Testing

@testable import UplinkMQTT

/// `MQTTSessionState` fed packets directly, as coreMQTT's tests feed its state machine: packets in, packets out (its
/// `out` bytes, decoded), the journal and the effects. No sockets, no client, no clock but the one the session reads.
@Suite("MQTT session state machine: packets in, packets, journal and effects out")
struct SessionStateTests {
    /// A session online after CONNACK, its CONNECT taken out of `out`.
    static func online(
        _ version: MQTTProtocolVersion, connack: ConnAckPacket = ConnAckPacket(),
        adjust: (inout MQTTClientConfiguration) -> Void = { _ in }
    ) throws -> MQTTSessionState {
        var configuration = MQTTClientConfiguration(clientIdentifier: "state", version: version, cleanStart: false)
        adjust(&configuration)
        var session = MQTTSessionState(configuration: configuration, journaling: true)
        try session.beginConnect()
        session.out.removeAll()
        var effects = MQTTSessionEffects()
        session.didConnect(connack, effects: &effects)
        return session
    }

    /// Decodes and empties the session's output.
    static func sent(_ session: inout MQTTSessionState) throws -> [MQTTPacket] {
        var decoder = MQTTFrameDecoder(version: session.version)
        decoder.append(session.out)
        session.out.removeAll()
        var packets: [MQTTPacket] = []
        while let packet = try decoder.next() { packets.append(packet) }
        return packets
    }

    static func publish(_ session: inout MQTTSessionState, _ text: String, qos: MQTTQoS, topic: String = "t")
        throws -> MQTTOutboundEntry
    {
        var effects = MQTTSessionEffects()
        let entry = MQTTOutboundEntry(
            sequence: session.nextSequence(), message: MQTTMessage(topic: topic, string: text, qos: qos), waiter: nil)
        #expect(try session.submit(entry, effects: &effects))
        return entry
    }

    /// Submits a QoS 1 PUBLISH whose acknowledgement is due 1 ms after; the PUBLISHes that went out.
    static func submitOverdue(_ session: inout MQTTSessionState, effects: inout MQTTSessionEffects) throws
        -> [PublishPacket]
    {
        let entry = MQTTOutboundEntry(
            sequence: session.nextSequence(), message: MQTTMessage(topic: "t", string: "x", qos: .atLeastOnce),
            waiter: nil, acknowledgementTimeout: .milliseconds(1))
        _ = try session.submit(entry, effects: &effects)
        return publishes(try sent(&session))
    }

    static func publishes(_ packets: [MQTTPacket]) -> [PublishPacket] {
        packets.compactMap { if case .publish(let p) = $0 { return p } else { return nil } }
    }

    @Test(
        "after a reconnect with Session Present: unacknowledged PUBLISHes resent in order with DUP and their ids",
        arguments: MQTTVersions.all)
    func resendOrder(version: MQTTProtocolVersion) throws {
        var session = try Self.online(version)
        for text in ["a", "b", "c"] { _ = try Self.publish(&session, text, qos: .atLeastOnce) }
        let first = Self.publishes(try Self.sent(&session))
        #expect(first.map(\.dup) == [false, false, false])
        var effects = MQTTSessionEffects()
        // "b" is acknowledged; the connection drops; the broker kept the session.
        try session.handle(.puback(PublishAckPacket(packetIdentifier: first[1].packetIdentifier!)), effects: &effects)
        session.connectionLost(.connectionClosed(nil, reasonString: nil), effects: &effects)
        #expect(session.out.isEmpty)
        try session.beginConnect()
        session.out.removeAll()
        session.journal.removeAll()
        session.didConnect(ConnAckPacket(sessionPresent: true), effects: &effects)
        let resent = Self.publishes(try Self.sent(&session))
        #expect(resent.map { String(decoding: $0.payload, as: UTF8.self) } == ["a", "c"])
        #expect(resent.map(\.dup) == [true, true])
        #expect(resent.map(\.packetIdentifier) == [first[0].packetIdentifier, first[2].packetIdentifier])
        #expect(session.journal.isEmpty, "a resend changes nothing durable")
    }

    @Test(
        "after a reconnect without a session: in-flight messages go back to the queue as new messages (journal: unsent)"
    )
    func sessionLost() throws {
        var session = try Self.online(.v5)
        let entry = try Self.publish(&session, "a", qos: .atLeastOnce)
        _ = try Self.sent(&session)
        var effects = MQTTSessionEffects()
        session.connectionLost(.connectionClosed(nil, reasonString: nil), effects: &effects)
        try session.beginConnect()
        session.out.removeAll()
        session.journal.removeAll()
        session.didConnect(ConnAckPacket(sessionPresent: false), effects: &effects)
        #expect(session.journal.first == .unsent(sequence: entry.sequence))
        let resent = Self.publishes(try Self.sent(&session))
        #expect(resent.count == 1)
        #expect(resent.first?.dup == false)
    }

    @Test("Receive Maximum 2 from the broker: the third message waits for a PUBACK, then goes out")
    func receiveMaximum() throws {
        var properties = MQTTProperties()
        properties.append(.receiveMaximum(2))
        var session = try Self.online(.v5, connack: ConnAckPacket(properties: properties))
        for text in ["1", "2", "3"] { _ = try Self.publish(&session, text, qos: .atLeastOnce) }
        let out = Self.publishes(try Self.sent(&session))
        #expect(out.map { String(decoding: $0.payload, as: UTF8.self) } == ["1", "2"])
        #expect(session.queue.count == 1)
        var effects = MQTTSessionEffects()
        try session.handle(.puback(PublishAckPacket(packetIdentifier: out[0].packetIdentifier!)), effects: &effects)
        #expect(Self.publishes(try Self.sent(&session)).map { String(decoding: $0.payload, as: UTF8.self) } == ["3"])
        #expect(effects.queueSpaceFreed)
    }

    @Test("QoS 2 across a reconnect: after PUBREC only PUBREL is resent (journal: released), PUBCOMP completes")
    func qos2Reconnect() throws {
        var session = try Self.online(.v5)
        let entry = try Self.publish(&session, "two", qos: .exactlyOnce)
        let id = try #require(Self.publishes(try Self.sent(&session)).first?.packetIdentifier)
        var effects = MQTTSessionEffects()
        session.journal.removeAll()
        try session.handle(.pubrec(PublishAckPacket(packetIdentifier: id)), effects: &effects)
        #expect(session.journal == [.released(sequence: entry.sequence)])
        #expect(try Self.sent(&session) == [.pubrel(PublishAckPacket(packetIdentifier: id))])
        session.connectionLost(.connectionClosed(nil, reasonString: nil), effects: &effects)
        try session.beginConnect()
        session.out.removeAll()
        session.didConnect(ConnAckPacket(sessionPresent: true), effects: &effects)
        #expect(try Self.sent(&session) == [.pubrel(PublishAckPacket(packetIdentifier: id))])
        session.journal.removeAll()
        try session.handle(.pubcomp(PublishAckPacket(packetIdentifier: id)), effects: &effects)
        #expect(session.journal == [.completed(sequence: entry.sequence)])
        #expect(session.pendingCount == 0)
        #expect(effects.drained)
    }

    @Test("inbound QoS 2: delivered once, PUBREC; the same id and message again is not delivered; PUBREL → PUBCOMP")
    func inboundQoS2() throws {
        var session = try Self.online(.v5)
        var effects = MQTTSessionEffects()
        let publish = PublishPacket(topic: "in", payload: [1], qos: .exactlyOnce, packetIdentifier: 5)
        try session.handle(.publish(publish), effects: &effects)
        try session.handle(.publish(publish), effects: &effects)
        #expect(effects.messages.count == 1)
        #expect(
            try Self.sent(&session) == [
                .pubrec(PublishAckPacket(packetIdentifier: 5)), .pubrec(PublishAckPacket(packetIdentifier: 5)),
            ])
        try session.handle(.pubrel(PublishAckPacket(packetIdentifier: 5)), effects: &effects)
        #expect(try Self.sent(&session) == [.pubcomp(PublishAckPacket(packetIdentifier: 5))])
        #expect(session.journal.suffix(1) == [.inboundReleased(5)])
    }

    @Test("topic aliases: the first PUBLISH names the topic and sets the alias, the next sends only the alias")
    func topicAliases() throws {
        var properties = MQTTProperties()
        properties.append(.topicAliasMaximum(2))
        var session = try Self.online(.v5, connack: ConnAckPacket(properties: properties))
        _ = try Self.publish(&session, "1", qos: .atMostOnce, topic: "long/topic")
        _ = try Self.publish(&session, "2", qos: .atMostOnce, topic: "long/topic")
        let out = Self.publishes(try Self.sent(&session))
        #expect(out.map(\.topic) == ["long/topic", ""])
        #expect(out.map(\.properties.topicAlias) == [1, 1])
    }

    @Test("acknowledgement timeout, MQTT 3.1.1: the overdue PUBLISH goes out again with DUP and its id")
    func acknowledgementTimeout311() throws {
        var session = try Self.online(.v3_1_1) { $0.acknowledgementTimeout = .milliseconds(1) }
        var effects = MQTTSessionEffects()
        let first = try Self.submitOverdue(&session, effects: &effects)
        #expect(session.expireAcknowledgements(now: .now + .seconds(1), effects: &effects) == nil)
        let again = Self.publishes(try Self.sent(&session))
        #expect(again.count == 1)
        #expect(again.first?.dup == true)
        #expect(again.first?.packetIdentifier == first.first?.packetIdentifier)
    }

    @Test("acknowledgement timeout, MQTT 5: nothing resent on the connection; the overdue id is returned")
    func acknowledgementTimeout5() throws {
        var session = try Self.online(.v5)
        var effects = MQTTSessionEffects()
        let first = try Self.submitOverdue(&session, effects: &effects)
        #expect(
            session.expireAcknowledgements(now: .now + .seconds(1), effects: &effects) == first.first?.packetIdentifier)
        #expect(session.out.isEmpty)
    }

    /// `allocatePacketIdentifier` spun forever under the client's lock once all 65,535 identifiers were in use.
    @Test(
        "all 65,535 packet identifiers in use: a subscribe fails clearly, a publish waits for a free one",
        .timeLimit(.minutes(1)))
    func identifiersExhausted() async throws {
        let outcome = try await mqttWithTimeout(30, "allocation with every identifier in use") { () -> [String] in
            var properties = MQTTProperties()
            properties.append(.receiveMaximum(65_535))
            var session = try Self.online(.v5, connack: ConnAckPacket(properties: properties)) {
                $0.maximumInflight = 65_535
            }
            var effects = MQTTSessionEffects()
            _ = try Self.publish(&session, "first", qos: .atLeastOnce)
            var streams: [MQTTSubscriptionStream] = []
            for index in 0..<65_534 {
                let stream = MQTTSubscriptionStream(
                    subscriptions: [MQTTSubscription(topicFilter: "s/\(index)", qos: .atMostOnce)],
                    properties: MQTTProperties(), capacity: 1, byteCapacity: 1)
                session.subscribe(stream, waiter: nil)
                streams.append(stream)
            }
            var decoder = MQTTFrameDecoder(version: .v5)
            decoder.append(session.out)
            session.out.removeAll()
            var subscribeIDs: [UInt16] = []
            while let packet = try decoder.next() {
                if case .subscribe(let subscribe) = packet { subscribeIDs.append(subscribe.packetIdentifier) }
            }
            var log: [String] = ["subscribes: \(subscribeIDs.count)"]
            // One more subscribe: no identifier left.
            let extra = MQTTSubscriptionStream(
                subscriptions: [MQTTSubscription(topicFilter: "extra", qos: .atMostOnce)],
                properties: MQTTProperties(), capacity: 1, byteCapacity: 1)
            session.subscribe(extra, waiter: nil)
            session.takeDeferredEffects(into: &effects)
            log.append("extra: \(effects.finishedStreams.map { $0.1 == .packetIdentifiersExhausted })")
            // A publish waits in the queue...
            _ = try Self.publish(&session, "second", qos: .atLeastOnce)
            log.append("queued: \(session.queue.count), out: \(session.out.count)")
            // ...until a SUBACK frees an identifier.
            try session.handle(
                .suback(SubAckPacket(packetIdentifier: subscribeIDs[10], reasonCodes: [.grantedQoS0])),
                effects: &effects)
            let sent = Self.publishes(try Self.sent(&session))
            log.append(
                "sent: \(sent.map { String(decoding: $0.payload, as: UTF8.self) }) id \(sent.first?.packetIdentifier == subscribeIDs[10])"
            )
            return log
        }
        #expect(
            outcome == [
                "subscribes: 65534",
                "extra: [true]",
                "queued: 1, out: 0",
                "sent: [\"second\"] id true",
            ])
    }
}
