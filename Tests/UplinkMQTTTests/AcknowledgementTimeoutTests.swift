import Foundation
import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO

/// A broker that answers PINGREQ but never PUBACKs left `publish` waiting forever (issue 12). With an acknowledgement
/// timeout the message is sent again: on the same connection with DUP in MQTT 3.1.1, after a reconnect in MQTT 5
/// (AWS IoT Device Advisor's `MQTT_Publish_Retry_No_Puback`). A real broker cannot be told to stall: the fake one.
@Suite("acknowledgement timeout: a PUBLISH never acknowledged is sent again", .timeLimit(.minutes(1)))
struct AcknowledgementTimeoutTests {
    @Test("MQTT 3.1.1: resent on the same connection with DUP and the same packet identifier")
    func sameConnection() async throws {
        let seen = try await withFakeBroker({ peer in
            try await peer.accept()
            var publishes: [PublishPacket] = []
            while let packet = try await peer.receive() {
                switch packet {
                case .pingreq: try await peer.send(.pingresp)
                case .publish(let publish):
                    publishes.append(publish)
                    if publishes.count == 2, let id = publish.packetIdentifier {
                        try await peer.send(.puback(PublishAckPacket(packetIdentifier: id)))
                    }
                case .disconnect: return publishes.map { .publish($0) }
                default: break
                }
            }
            return publishes.map { .publish($0) }
        }) { port in
            let client = try hostileClient(port: port, version: .v3_1_1) { $0.keepAlive = 1 }
            try await client.connect()
            let code = try await client.publish(
                MQTTMessage(topic: "t", string: "x", qos: .atLeastOnce), acknowledgementTimeout: .seconds(1))
            #expect(code == .success)
            #expect(client.isConnected)
            await client.disconnect()
        }
        let publishes = seen.compactMap { if case .publish(let p) = $0 { return p } else { return nil } }
        try #require(publishes.count == 2, "\(seen)")
        #expect(publishes[0].dup == false)
        #expect(publishes[1].dup == true)
        #expect(publishes[0].packetIdentifier != nil)
        #expect(publishes[1].packetIdentifier == publishes[0].packetIdentifier)
        #expect(publishes[1].payload == Array("x".utf8))
    }

    @Test("MQTT 5: the client reconnects and resends with DUP and the same packet identifier (session present)")
    func reconnectAndResend() async throws {
        let broker = try await MQTTFakeBroker()
        let seen = MQTTLockedBox<[[PublishPacket]]>([[], []])
        try await mqttWithTimeout(30, "acknowledgement timeout exchange") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await broker.serve(connections: 2) { index, peer in
                        try await peer.accept(ConnAckPacket(sessionPresent: index == 1))
                        // Sends may fail: the client closes the first connection when the acknowledgement is
                        // overdue, possibly just as a PINGRESP goes out (keep alive and timeout are both 1 s), and a
                        // thrown error would end the serving before the second connection.
                        while let packet = try? await peer.receive() {
                            switch packet {
                            case .pingreq: try? await peer.send(.pingresp)
                            case .publish(let publish):
                                seen.value[index].append(publish)
                                if index == 1, let id = publish.packetIdentifier {
                                    try? await peer.send(.puback(PublishAckPacket(packetIdentifier: id)))
                                }
                            case .disconnect: return
                            default: break
                            }
                        }
                    }
                }
                group.addTask {
                    let client = try MQTTTestClient.make(
                        MQTTTestClient.id("ack"), port: broker.port, version: .v5, cleanStart: false,
                        sessionExpiry: 60
                    ) {
                        $0.keepAlive = 1
                        $0.acknowledgementTimeout = .seconds(1)
                    }
                    try await client.connect()
                    let code = try await client.publish(MQTTMessage(topic: "t", string: "x", qos: .atLeastOnce))
                    #expect(code == .success)
                    #expect(client.lastConnectionError.map { "\($0)" }?.contains("acknowledgement") == true)
                    await client.disconnect()
                }
                try await group.waitForAll()
            }
        }
        let first = seen.value[0]
        let second = seen.value[1]
        try #require(first.count == 1 && second.count == 1, "\(seen.value)")
        #expect(first[0].dup == false)
        #expect(second[0].dup == true)
        #expect(second[0].packetIdentifier == first[0].packetIdentifier)
    }

    @Test("without a timeout (the default) nothing is resent on the same connection")
    func offByDefault() async throws {
        let seen = try await withFakeBroker({ peer in
            try await peer.accept()
            var packets: [MQTTPacket] = []
            while let packet = try await peer.receive() {
                if case .pingreq = packet { try await peer.send(.pingresp) }
                if case .disconnect = packet { break }
                packets.append(packet)
            }
            return packets
        }) { port in
            let client = try hostileClient(port: port, version: .v3_1_1) { $0.keepAlive = 1 }
            try await client.connect()
            try await client.enqueue(MQTTMessage(topic: "t", string: "x", qos: .atLeastOnce))
            try await Task.sleep(for: .milliseconds(2500))
            #expect(client.pendingMessageCount == 1)
            await client.disconnect()
        }
        #expect(seen.filter { if case .publish = $0 { return true } else { return false } }.count == 1)
    }
}
