import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO

/// What the client resends after a lost connection, seen on the wire by a fake broker that serves two connections:
/// the first breaks with a QoS 1 PUBLISH unacknowledged and a QoS 2 exchange at PUBREL; the second answers CONNACK
/// with Session Present = 1 or 0.
@Suite("session resume on the wire: what is resent after a reconnect, per Session Present")
struct SessionResumeTests {
    private static func publish(_ packet: MQTTPacket) -> PublishPacket? {
        if case .publish(let publish) = packet { return publish } else { return nil }
    }

    /// First connection: SUBSCRIBE (acknowledged), PUBLISH QoS 1 (no PUBACK), PUBLISH QoS 2 (PUBREC), PUBREL;
    /// then the connection drops. Returns the two packet ids.
    private static func breakFirstConnection(_ peer: inout MQTTFakePeer) async throws -> (UInt16, UInt16) {
        try await peer.accept()
        let subscribe = try await peer.expect("SUBSCRIBE") { if case .subscribe(let s) = $0 { s } else { nil } }
        try await peer.send(
            .suback(SubAckPacket(packetIdentifier: subscribe.packetIdentifier, reasonCodes: [.grantedQoS1])))
        let first = try await peer.expect("PUBLISH QoS 1") { publish($0).flatMap { $0.qos == .atLeastOnce ? $0 : nil } }
        let second = try await peer.expect("PUBLISH QoS 2") {
            publish($0).flatMap { $0.qos == .exactlyOnce ? $0 : nil }
        }
        let firstID = try #require(first.packetIdentifier)
        let secondID = try #require(second.packetIdentifier)
        try await peer.send(.pubrec(PublishAckPacket(packetIdentifier: secondID)))
        _ = try await peer.expect("PUBREL \(secondID)") {
            if case .pubrel(let a) = $0, a.packetIdentifier == secondID { a } else { nil }
        }
        return (firstID, secondID)
    }

    private static func client(port: Int, version: MQTTProtocolVersion) throws -> MQTTClient {
        try MQTTTestClient.make(
            MQTTTestClient.id("resume"), port: port, version: version, cleanStart: false, sessionExpiry: 300)
    }

    /// Subscribes, enqueues the QoS 1 and QoS 2 messages, and waits (with a deadline) until both completed.
    private static func runClient(port: Int, version: MQTTProtocolVersion) async throws {
        let client = try client(port: port, version: version)
        _ = try await client.subscribe(to: "resume/in", qos: .atLeastOnce)
        try await client.connect()
        try await client.enqueue(MQTTMessage(topic: "resume/1", string: "one", qos: .atLeastOnce))
        try await client.enqueue(MQTTMessage(topic: "resume/2", string: "two", qos: .exactlyOnce))
        try await client.flush()
        #expect(client.pendingMessageCount == 0)
        await client.disconnect()
    }

    @Test(
        "Session Present = 1: the PUBLISH again with DUP and its packet id, then the PUBREL; no re-SUBSCRIBE",
        arguments: [MQTTProtocolVersion.v5, .v3_1_1])
    func sessionPresent(version: MQTTProtocolVersion) async throws {
        let broker = try await MQTTFakeBroker()
        let seen = MQTTLockedBox<[String]>([])
        try await mqttWithTimeout(20, "resume with Session Present = 1") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let ids = MQTTLockedBox<(UInt16, UInt16)>((0, 0))
                    try await broker.serve(connections: 2) { index, peer in
                        if index == 0 {
                            ids.value = try await Self.breakFirstConnection(&peer)
                            return
                        }
                        let (publishID, releaseID) = ids.value
                        let connect = try await peer.expect("CONNECT") {
                            if case .connect(let c) = $0 { c } else { nil }
                        }
                        seen.value.append("clean start \(connect.cleanStart)")
                        try await peer.send(.connack(ConnAckPacket(sessionPresent: true)))
                        let again = try await peer.expect("the PUBLISH again") { Self.publish($0) }
                        seen.value.append(
                            "PUBLISH \(again.topic) dup \(again.dup) same id \(again.packetIdentifier == publishID)")
                        let release = try await peer.expect("PUBREL") { if case .pubrel(let a) = $0 { a } else { nil } }
                        seen.value.append("PUBREL same id \(release.packetIdentifier == releaseID)")
                        try await peer.send(.puback(PublishAckPacket(packetIdentifier: publishID)))
                        try await peer.send(.pubcomp(PublishAckPacket(packetIdentifier: releaseID)))
                        for packet in try await peer.drain() { seen.value.append("then \(packet.packetType)") }
                    }
                }
                group.addTask { try await Self.runClient(port: broker.port, version: version) }
                try await group.waitForAll()
            }
        }
        #expect(
            seen.value == [
                "clean start false", "PUBLISH resume/1 dup true same id true", "PUBREL same id true",
                "then \(MQTTPacketType.disconnect)",
            ])
    }

    @Test(
        "Session Present = 0: SUBSCRIBE again, the QoS 1 message as a new PUBLISH; the PUBREC'd QoS 2 one is not resent",
        arguments: [MQTTProtocolVersion.v5, .v3_1_1])
    func sessionLost(version: MQTTProtocolVersion) async throws {
        let broker = try await MQTTFakeBroker()
        let seen = MQTTLockedBox<[String]>([])
        try await mqttWithTimeout(20, "resume with Session Present = 0") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await broker.serve(connections: 2) { index, peer in
                        if index == 0 {
                            _ = try await Self.breakFirstConnection(&peer)
                            return
                        }
                        try await peer.accept(ConnAckPacket(sessionPresent: false))
                        while let packet = try await peer.receive() {
                            switch packet {
                            case .subscribe(let subscribe):
                                seen.value.append("SUBSCRIBE \(subscribe.subscriptions.map(\.topicFilter))")
                                try await peer.send(
                                    .suback(
                                        SubAckPacket(
                                            packetIdentifier: subscribe.packetIdentifier, reasonCodes: [.grantedQoS1])))
                            case .publish(let publish):
                                seen.value.append(
                                    "PUBLISH \(publish.topic) QoS \(publish.qos.rawValue) dup \(publish.dup)")
                                if let id = publish.packetIdentifier {
                                    try await peer.send(.puback(PublishAckPacket(packetIdentifier: id)))
                                }
                            case .disconnect:
                                seen.value.append("DISCONNECT")
                            default:
                                seen.value.append("\(packet.packetType)")
                            }
                        }
                    }
                }
                group.addTask { try await Self.runClient(port: broker.port, version: version) }
                try await group.waitForAll()
            }
        }
        #expect(seen.value.sorted() == ["DISCONNECT", "PUBLISH resume/1 QoS 1 dup false", "SUBSCRIBE [\"resume/in\"]"])
        #expect(seen.value.last == "DISCONNECT")
    }
}
