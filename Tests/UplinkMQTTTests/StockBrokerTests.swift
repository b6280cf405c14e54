import Foundation
import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO
import UplinkTestSupport

/// The client against brokers as they come: mosquitto with its stock configuration, and the in-flight window the
/// client keeps when the broker does not say (MQTT 3.1.1) or says (MQTT 5 Receive Maximum) how much it takes.
@Suite("stock brokers: the in-flight window, and no message lost to a default mosquitto", .serialized)
struct StockBrokerTests {
    /// Regression (issue 14): MQTT 3.1.1 has no Receive Maximum; the client kept up to 100 QoS 1/2 messages in flight
    /// and a default mosquitto (`max_inflight_messages 20`) discarded the excess while answering PUBREC: 200 of
    /// 1,000 QoS 2 messages arrived.
    @Test(
        "1,000 messages from `uplink mqtt pub -l` to a default mosquitto: every one arrives",
        arguments: [("311", MQTTQoS.atLeastOnce), ("311", .exactlyOnce), ("5", .atLeastOnce), ("5", .exactlyOnce)])
    func linesToDefaultMosquitto(version: String, qos: MQTTQoS) async throws {
        let total = 1_000
        let uplink = try MQTTTools.uplink()
        let folder = try MQTTScratch("stock")
        let broker = try await Mosquitto()
        let counter = try await MQTTCountingSubscriber(port: broker.port, qos: qos, filter: "stock/lines")
        try folder.write("input", (0..<total).map(String.init).joined(separator: "\n") + "\n")
        let run = try await MQTTChild.run(
            uplink,
            [
                "mqtt", "pub", "-h", "127.0.0.1", "-p", "\(broker.port)", "-V", version, "-t", "stock/lines", "-q",
                "\(qos.rawValue)", "-l",
            ],
            in: folder, name: "pub", timeout: 60, stdin: folder.path("input"))
        #expect(run.status == 0, "\(run.err)")
        // Everything the broker accepted is on its way; wait for it, then for quiet, and count.
        try? await counter.waitForAll(total, seconds: 20)
        try await counter.waitForQuiet()
        counter.check(total: total, qos: qos)
        await counter.client.disconnect()
        await broker.stop()
    }

    /// The window, seen from the broker's side: a fake broker acknowledges nothing until a QoS 0 marker, published
    /// after the QoS 1 messages, arrives; the QoS 1 PUBLISHes before the marker are what the client kept in flight.
    @Test(
        "in flight: 20 in MQTT 3.1.1 by default, 100 or the broker's Receive Maximum in MQTT 5, maximumInflight when set",
        arguments: [
            (MQTTProtocolVersion.v3_1_1, nil as Int?, nil as UInt16?, 20),
            (.v3_1_1, 5, nil, 5),
            (.v3_1_1, 150, nil, 150),
            (.v5, nil, nil, 100),
            (.v5, nil, 20, 20),
            (.v5, 50, 10, 10),
            (.v5, 7, 20, 7),
        ])
    func inflightWindow(
        version: MQTTProtocolVersion, maximumInflight: Int?, brokerReceiveMaximum: UInt16?, expected: Int
    ) async throws {
        let total = 200
        let broker = try await MQTTFakeBroker()
        let seenBefore = MQTTLockedBox<Int>(-1)
        let serving = Task {
            try await broker.serve { peer in
                var properties = MQTTProperties()
                if let brokerReceiveMaximum { properties.append(.receiveMaximum(brokerReceiveMaximum)) }
                try await peer.accept(ConnAckPacket(properties: version == .v5 ? properties : MQTTProperties()))
                var held: [UInt16] = []
                var before: Int?
                var acknowledged = 0
                while acknowledged < total, let packet = try await peer.receive() {
                    guard case .publish(let publish) = packet else { continue }
                    guard let id = publish.packetIdentifier else {
                        before = held.count
                        for id in held { try await peer.send(.puback(PublishAckPacket(packetIdentifier: id))) }
                        acknowledged += held.count
                        held.removeAll()
                        continue
                    }
                    if before == nil {
                        held.append(id)
                    } else {
                        try await peer.send(.puback(PublishAckPacket(packetIdentifier: id)))
                        acknowledged += 1
                    }
                }
                _ = try await peer.drain()
                seenBefore.value = before ?? -1
            }
        }
        let seen = try await mqttWithTimeout(20, "the exchange with the fake broker") {
            let client = try MQTTTestClient.make("window", port: broker.port, version: version) {
                $0.maximumInflight = maximumInflight
                $0.reconnect = .disabled
            }
            try await client.connect()
            for index in 0..<total {
                try await client.enqueue(MQTTMessage(topic: "w", string: "\(index)", qos: .atLeastOnce))
            }
            try await client.publish(MQTTMessage(topic: "w", string: "marker", qos: .atMostOnce))
            try await client.flush()
            await client.disconnect()
            try await serving.value
            return seenBefore.value
        }
        #expect(seen == expected)
    }

    @Test("-M/--max-inflight: 1 to 65535, anything else refused with a clear message and exit 64, no trap")
    func maxInflightOption() async throws {
        let uplink = try MQTTTools.uplink()
        let folder = try MQTTScratch("stock")
        let port = try TestPorts.free()
        for (index, value) in ["0", "-1", "65536", "99999999999999999999999", "many"].enumerated() {
            let run = try await MQTTChild.run(
                uplink,
                ["mqtt", "pub", "-h", "127.0.0.1", "-p", "\(port)", "-t", "t", "-m", "x", "--max-inflight", value],
                in: folder, name: "bad\(index)")
            #expect(run.status == 64, "\(value): \(run.status) \(run.err)")
            #expect(run.err.contains("max-inflight"), "\(value): \(run.err)")
            #expect(!run.err.contains("Fatal error"), "\(value): \(run.err)")
        }
    }

    @Test("-M reaches the wire: the Receive Maximum in CONNECT (MQTT 5), and a default mosquitto gets every message")
    func maxInflightOnTheWire() async throws {
        let uplink = try MQTTTools.uplink()
        let folder = try MQTTScratch("stock")
        let fake = try await MQTTFakeBroker()
        let announced = MQTTLockedBox<UInt16?>(nil)
        let serving = Task {
            try await fake.serve { peer in
                guard case .connect(let connect)? = try await peer.receive() else { return }
                try await peer.send(.connack(ConnAckPacket()))
                _ = try await peer.drain()
                announced.value = connect.properties.receiveMaximum
            }
        }
        let run = try await MQTTChild.run(
            uplink, ["mqtt", "pub", "-h", "127.0.0.1", "-p", "\(fake.port)", "-t", "t", "-m", "x", "-M", "7"],
            in: folder, name: "announced", timeout: 20)
        #expect(run.status == 0, "\(run.err)")
        try await mqttWithTimeout(10, "the fake broker") { try await serving.value }
        #expect(announced.value == 7)

        let broker = try await Mosquitto()
        let counter = try await MQTTCountingSubscriber(port: broker.port, qos: .exactlyOnce, filter: "stock/m")
        try folder.write("input", (0..<300).map(String.init).joined(separator: "\n") + "\n")
        for version in ["311", "5"] {
            let run = try await MQTTChild.run(
                uplink,
                [
                    "mqtt", "pub", "-h", "127.0.0.1", "-p", "\(broker.port)", "-V", version, "-t", "stock/m", "-q", "2",
                    "-l", "-M", "3",
                ],
                in: folder, name: "pub\(version)", timeout: 60, stdin: folder.path("input"))
            #expect(run.status == 0, "\(run.err)")
        }
        try? await counter.waitForAll(300, seconds: 20)
        try await counter.waitForQuiet()
        #expect(counter.numbers.count == 600)
        #expect(Set(counter.numbers) == Set(0..<300))
        await counter.client.disconnect()
        await broker.stop()
    }
}
