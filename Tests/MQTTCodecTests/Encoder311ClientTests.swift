import CodecTestSupport
import MQTTCodec
import Testing

/// `MQTTEncoder.encode311(...)`, the client's 3.1.1 entries: the same bytes, and the same errors, as the general
/// encoder with version 3.1.1, for every packet a client sends.
@Suite(.timeLimit(.minutes(1))) struct Encoder311ClientTests {
    /// The general encoder's result and the 3.1.1 entry's, each appended to a buffer that already holds bytes.
    func compare(
        _ packet: MQTTPacket, _ entry: (inout [UInt8]) throws(MQTTEncodeError) -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let prefix: [UInt8] = [0xAA, 0x55]
        var general = prefix
        var generalError: MQTTEncodeError?
        do { try MQTTEncoder.encode(packet, version: .v3_1_1, into: &general) } catch { generalError = error }
        var client = prefix
        var clientError: MQTTEncodeError?
        do { try entry(&client) } catch { clientError = error }
        #expect(client == general, sourceLocation: sourceLocation)
        #expect(clientError == generalError, sourceLocation: sourceLocation)
    }

    @Test func connectAsTheGeneralEncoder() {
        for version in [MQTTProtocolVersion.v3_1_1, .v5] {
            let packet = Samples.connect(version)
            compare(.connect(packet)) { (out) throws(MQTTEncodeError) in
                try MQTTEncoder.encode311(connect: packet, into: &out)
            }
        }
        let device = ConnectPacket(clientIdentifier: "fw-0001", cleanStart: false, keepAlive: 30)
        compare(.connect(device)) { (out) throws(MQTTEncodeError) in
            try MQTTEncoder.encode311(connect: device, into: &out)
        }
        let passwordOnly = ConnectPacket(clientIdentifier: "x", password: [1])
        compare(.connect(passwordOnly)) { (out) throws(MQTTEncodeError) in
            try MQTTEncoder.encode311(connect: passwordOnly, into: &out)
        }
    }

    @Test("the CONNECT of a device (no will, user name or password): the general encoder's bytes and errors")
    func deviceConnectAsTheGeneralEncoder() {
        for (identifier, clean, keepAlive) in [
            ("fw-0001", false, UInt16(30)), ("", true, 0), ("x", true, .max),
            (String(repeating: "é", count: 20), false, 60),
            ("a\u{0}b", false, 30),  // NUL in a string: refused
            (String(repeating: "c", count: 65_536), false, 30),  // longer than a string can be: refused
        ] {
            let packet = ConnectPacket(clientIdentifier: identifier, cleanStart: clean, keepAlive: keepAlive)
            compare(.connect(packet)) { (out) throws(MQTTEncodeError) in
                try MQTTEncoder.encode311Connect(
                    clientIdentifier: identifier, cleanSession: clean, keepAlive: keepAlive, into: &out)
            }
        }
    }

    @Test("a SUBSCRIBE to one filter: the general encoder's bytes and errors")
    func singleSubscribeAsTheGeneralEncoder() {
        for (identifier, filter, qos) in [
            (UInt16(1), "devices/fw-0001/commands", MQTTQoS.atLeastOnce), (.max, "#", .atMostOnce),
            (7, "a/+/c", .exactlyOnce), (0, "a", .atLeastOnce),  // packet identifier 0: refused
            (2, "a/#/b", .atMostOnce), (3, "", .atMostOnce),  // invalid and empty filters: refused
            (4, String(repeating: "f", count: 65_536), .atMostOnce),
        ] {
            let packet = SubscribePacket(
                packetIdentifier: identifier, subscriptions: [MQTTSubscription(topicFilter: filter, qos: qos)])
            compare(.subscribe(packet)) { (out) throws(MQTTEncodeError) in
                try MQTTEncoder.encode311Subscribe(
                    packetIdentifier: identifier, topicFilter: filter, qos: qos, into: &out)
            }
        }
    }

    @Test func connectKnownBytes() throws {
        var out: [UInt8] = []
        try MQTTEncoder.encode311(
            connect: ConnectPacket(clientIdentifier: "x", cleanStart: true, keepAlive: 30), into: &out)
        #expect(out == hex("10 0d 00 04 4d 51 54 54 04 02 00 1e 00 01 78"))
    }

    @Test func publishAsTheGeneralEncoder() {
        var packets = [Samples.publish(.v3_1_1), Samples.publish(.v5)]
        packets.append(PublishPacket(topic: "devices/fw-0001/telemetry", payload: Array("{}".utf8)))
        packets.append(
            PublishPacket(
                topic: "t", payload: Array(repeating: 7, count: 2_000), qos: .atLeastOnce,
                packetIdentifier: 1))
        packets.append(PublishPacket(topic: "t", dup: true))  // DUP at QoS 0
        packets.append(PublishPacket(topic: "t", qos: .atLeastOnce))  // no packet identifier
        packets.append(PublishPacket(topic: "a/+", qos: .atMostOnce))  // a wildcard in a topic name
        packets.append(PublishPacket(topic: "", properties: [.topicAlias(1)]))  // empty: only MQTT 5 allows it
        packets.append(
            PublishPacket(topic: "r", payload: [1, 2], qos: .atLeastOnce, retain: true, dup: true, packetIdentifier: 9))
        packets.append(PublishPacket(topic: "t", qos: .atMostOnce, packetIdentifier: 3))  // an identifier at QoS 0
        packets.append(PublishPacket(topic: "t", qos: .atLeastOnce, packetIdentifier: 0))
        packets.append(PublishPacket(topic: "a\u{0}b"))  // NUL in the topic
        for packet in packets {
            compare(.publish(packet)) { (out) throws(MQTTEncodeError) in
                try MQTTEncoder.encode311(publish: packet, into: &out)
            }
            // From the fields, as the device client publishes: the same bytes and errors (properties are dropped
            // either way; an empty topic is refused, as 3.1.1 has no topic alias).
            compare(.publish(packet)) { (out) throws(MQTTEncodeError) in
                try MQTTEncoder.encode311Publish(
                    topic: packet.topic, payload: packet.payload, qos: packet.qos, retain: packet.retain,
                    dup: packet.dup,
                    packetIdentifier: packet.packetIdentifier, into: &out)
            }
        }
    }

    @Test func pubackAsTheGeneralEncoder() {
        for packet in [
            Samples.ack(.v3_1_1, code: .success), Samples.ack(.v5, code: .noMatchingSubscribers),
            PublishAckPacket(packetIdentifier: 0),
        ] {
            compare(.puback(packet)) { (out) throws(MQTTEncodeError) in
                try MQTTEncoder.encode311(puback: packet, into: &out)
            }
        }
    }

    @Test func subscribeAsTheGeneralEncoder() {
        for packet in [
            Samples.subscribe(.v3_1_1), Samples.subscribe(.v5),
            SubscribePacket(packetIdentifier: 1, subscriptions: []),
            SubscribePacket(
                packetIdentifier: 0, subscriptions: [MQTTSubscription(topicFilter: "a", qos: .atLeastOnce)]),
            SubscribePacket(
                packetIdentifier: 2, subscriptions: [MQTTSubscription(topicFilter: "a/#/b", qos: .atMostOnce)]),
        ] {
            compare(.subscribe(packet)) { (out) throws(MQTTEncodeError) in
                try MQTTEncoder.encode311(subscribe: packet, into: &out)
            }
        }
    }

    @Test func unsubscribeAsTheGeneralEncoder() {
        for packet in [
            Samples.unsubscribe(.v3_1_1), Samples.unsubscribe(.v5),
            UnsubscribePacket(packetIdentifier: 3, topicFilters: []),
        ] {
            compare(.unsubscribe(packet)) { (out) throws(MQTTEncodeError) in
                try MQTTEncoder.encode311(unsubscribe: packet, into: &out)
            }
        }
    }

    @Test func disconnectAndPingreqAsTheGeneralEncoder() {
        for packet in [Samples.disconnect(.v3_1_1), Samples.disconnect(.v5)] {
            compare(.disconnect(packet)) { (out) throws(MQTTEncodeError) in
                try MQTTEncoder.encode311(disconnect: packet, into: &out)
            }
        }
        compare(.pingreq) { (out) throws(MQTTEncodeError) in MQTTEncoder.encode311Pingreq(into: &out) }
    }
}
