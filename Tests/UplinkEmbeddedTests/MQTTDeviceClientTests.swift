import MQTTCodec
import Testing
import UplinkEmbedded

/// The firmware's MQTT state machine on the host, fed the bytes a broker would send; its output decoded with the
/// shared codec.
@Suite("MQTT device client (the firmware's state machine)")
struct MQTTDeviceClientTests {
    static func packets(_ bytes: [UInt8]) throws -> [MQTTPacket] {
        var decoder = MQTTFrameDecoder(version: .v3_1_1)
        decoder.append(bytes)
        var packets: [MQTTPacket] = []
        while let packet = try decoder.next() { packets.append(packet) }
        return packets
    }

    static func bytes(_ packet: MQTTPacket) throws -> [UInt8] { try packet.encode(version: .v3_1_1) }

    static func connected(_ configure: (inout MQTTDeviceClient.Configuration) -> Void = { _ in }) throws
        -> MQTTDeviceClient
    {
        var configuration = MQTTDeviceClient.Configuration(clientIdentifier: "fw-1")
        configure(&configuration)
        var client = MQTTDeviceClient(configuration: configuration)
        try client.connect(now: 0)
        _ = client.takeOutput()
        let events = client.receive(try bytes(.connack(ConnAckPacket(returnCode: .accepted))), now: 1)
        #expect(events == [.connected(sessionPresent: false)])
        return client
    }

    @Test("CONNECT carries the id, keep alive and a persistent session; CONNACK connects")
    func connect() throws {
        var client = MQTTDeviceClient(configuration: .init(clientIdentifier: "fw-1"))
        try client.connect(now: 0)
        #expect(client.state == .connecting)
        guard case .connect(let connect)? = try Self.packets(client.takeOutput()).first else {
            Issue.record("no CONNECT")
            return
        }
        #expect(connect.clientIdentifier == "fw-1" && connect.keepAlive == 30 && !connect.cleanStart)
        let events = client.receive(try Self.bytes(.connack(ConnAckPacket(returnCode: .notAuthorized))), now: 1)
        #expect(events == [.refused(returnCode: 5)])
        #expect(client.state == .disconnected)
    }

    @Test("QoS 1 stays in flight across a lost connection and goes out again with DUP; PUBACK ends it")
    func qos1Retry() throws {
        var client = try Self.connected()
        let first = try client.publish(topic: "t/1", payload: [1], qos: .atLeastOnce, now: 2)
        #expect(try Self.packets(client.takeOutput()).count == 1)
        client.connectionLost()
        // Published while disconnected: kept, sent after CONNACK without DUP.
        let second = try client.publish(topic: "t/1", payload: [2], qos: .atLeastOnce, now: 3)
        #expect(client.takeOutput().isEmpty)
        #expect(client.inFlightCount == 2)
        try client.connect(now: 4)
        _ = client.takeOutput()
        _ = client.receive(try Self.bytes(.connack(ConnAckPacket(sessionPresent: true, returnCode: .accepted))), now: 5)
        let resent = try Self.packets(client.takeOutput()).compactMap { packet -> PublishPacket? in
            if case .publish(let publish) = packet { return publish }
            return nil
        }
        #expect(resent.map(\.packetIdentifier) == [first, second])
        #expect(resent.map(\.dup) == [true, false])
        #expect(resent.map(\.payload) == [[1], [2]])
        let events = client.receive(
            try Self.bytes(.puback(PublishAckPacket(packetIdentifier: try #require(first)))), now: 6)
        #expect(events == [.published(packetIdentifier: try #require(first))])
        #expect(client.inFlightCount == 1)
    }

    @Test("SUBSCRIBE, SUBACK; an incoming QoS 1 message is acknowledged and its topic kept as bytes")
    func subscribeAndReceive() throws {
        var client = try Self.connected()
        let id = try client.subscribe(to: "cmd/#", now: 2)
        guard case .subscribe(let subscribe)? = try Self.packets(client.takeOutput()).first else {
            Issue.record("no SUBSCRIBE")
            return
        }
        #expect(subscribe.subscriptions.map(\.topicFilter) == ["cmd/#"])
        var events = client.receive(
            try Self.bytes(.suback(SubAckPacket(packetIdentifier: id, reasonCodes: [.grantedQoS1]))), now: 3)
        #expect(events == [.subscribed(packetIdentifier: id, granted: [1])])
        let topic = "cmd/cafe\u{301}"
        events = client.receive(
            try Self.bytes(
                .publish(PublishPacket(topic: topic, payload: [7], qos: .atLeastOnce, packetIdentifier: 42))), now: 4)
        #expect(events == [.message(topic: Array(topic.utf8), payload: [7], qos: 1)])
        #expect(try Self.packets(client.takeOutput()) == [.puback(PublishAckPacket(packetIdentifier: 42))])
    }

    @Test("PINGREQ after a quiet keep alive; no PINGRESP in time fails the connection")
    func keepAlive() throws {
        var client = try Self.connected { $0.keepAlive = 10 }
        #expect(client.tick(now: 5_000).isEmpty)
        #expect(client.takeOutput().isEmpty)
        #expect(client.tick(now: 10_001).isEmpty)
        #expect(try Self.packets(client.takeOutput()) == [.pingreq])
        #expect(client.receive(try Self.bytes(.pingresp), now: 10_500).isEmpty)
        _ = client.tick(now: 20_600)
        #expect(try Self.packets(client.takeOutput()) == [.pingreq])
        #expect(client.tick(now: 30_700) == [.failed(.noResponse(.pingresp))])
        #expect(client.state == .disconnected)
    }

    @Test("Bounds: in-flight limit, QoS 0 needs a connection, malformed bytes drop the connection")
    func bounds() throws {
        var client = try Self.connected { $0.maximumInFlight = 2 }
        try client.publish(topic: "a", payload: [], qos: .atLeastOnce, now: 2)
        try client.publish(topic: "a", payload: [], qos: .atLeastOnce, now: 2)
        #expect(throws: MQTTDeviceError.inFlightFull(2)) {
            try client.publish(topic: "a", payload: [], qos: .atLeastOnce, now: 2)
        }
        #expect(client.receive([0xF0, 0x00], now: 3) == [.failed(.malformed)])
        #expect(client.state == .disconnected)
        // A packet only a client sends is well formed but never comes from a broker.
        var other = try Self.connected()
        #expect(other.receive(try Self.bytes(.pingreq), now: 3) == [.failed(.unexpected(nil))])
        #expect(other.state == .disconnected)
        // Nor QoS 2 (the client never subscribes at QoS 2, and refuses to) or DISCONNECT (a 3.1.1 broker sends none).
        for packet in [
            MQTTPacket.publish(PublishPacket(topic: "t", payload: [1], qos: .exactlyOnce, packetIdentifier: 7)),
            .pubrec(PublishAckPacket(packetIdentifier: 1)), .disconnect(DisconnectPacket()),
        ] {
            var connected = try Self.connected()
            #expect(connected.receive(try Self.bytes(packet), now: 3) == [.failed(.unexpected(nil))])
            #expect(connected.state == .disconnected)
            #expect(connected.takeOutput().isEmpty)
        }
        #expect(throws: MQTTDeviceError.qos2Unsupported) { try other.subscribe(to: "t", qos: .exactlyOnce, now: 4) }
        #expect(throws: MQTTDeviceError.notConnected) { try client.publish(topic: "a", payload: [], now: 4) }
        // A QoS 1 message that cannot be encoded is refused at once, connected or not: it never waits in flight to fail
        // every reconnect.
        var offline = MQTTDeviceClient(configuration: .init(clientIdentifier: "x"))
        #expect(throws: MQTTDeviceError.encoding) {
            try offline.publish(topic: "a/+", payload: [], qos: .atLeastOnce, now: 0)
        }
        #expect(offline.inFlightCount == 0)
        var online = try Self.connected()
        #expect(throws: MQTTDeviceError.encoding) {
            try online.publish(topic: "a\u{0}", payload: [1], qos: .atLeastOnce, now: 5)
        }
        #expect(online.inFlightCount == 0)
        #expect(online.takeOutput().isEmpty)
        var waiting = MQTTDeviceClient(configuration: .init(clientIdentifier: "x"))
        try waiting.connect(now: 0)
        #expect(waiting.tick(now: 10_000) == [.failed(.noResponse(.connack))])
    }
}
