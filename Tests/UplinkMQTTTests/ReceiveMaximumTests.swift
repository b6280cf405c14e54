import Foundation
import MQTTCodec
import Synchronization
import Testing
import UplinkMQTT
import UplinkMQTTNIO

/// The broker's Receive Maximum (MQTT 5, §3.2.2.3.3) bounds how many of our QoS 1/2 PUBLISHes are unacknowledged
/// at once, whatever the client's own maximum.
///
/// No timing is involved: each check point is a packet the client sends after whatever the window let out. The
/// SUBSCRIBE the client sends after its five publishes closes the first window; after that, with each PUBACK the
/// fake broker sends a QoS 1 PUBLISH of its own, and the client's PUBACK for it closes the window that PUBACK
/// opened (the client handles packets in order and sends in the order it decides).
@Suite("The broker's Receive Maximum bounds what the client sends")
struct ReceiveMaximumTests {
    @Test("receiveMaximum(2), five QoS 1 publishes: two before the first PUBACK, one more after each")
    func brokerReceiveMaximumBoundsInflight() async throws {
        let broker = try await MQTTFakeBroker()
        let log = ReceiveMaximumLog()
        try await mqttWithTimeout(20, "Receive Maximum exchange") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await broker.serve { peer in try await Self.broker(&peer, log: log) } }
                group.addTask { try await Self.client(port: broker.port) }
                try await group.waitForAll()
            }
        }
        #expect(
            log.entries == [
                "PUBLISH 1", "PUBLISH 2", "SUBSCRIBE", "PUBACK 1", "PUBLISH 3", "PUBACK 2", "PUBLISH 4", "PUBACK 3",
                "PUBLISH 5", "PUBACK 4", "PUBACK 5",
            ])
    }

    /// Connects, publishes five QoS 1 messages without waiting, subscribes (the check point), waits for every
    /// PUBACK and disconnects. The client's own maximum (100) is far above the broker's.
    private static func client(port: Int) async throws {
        var configuration = MQTTTestClient.configuration("receive-maximum", version: .v5)
        configuration.reconnect = .disabled
        configuration.connectTimeout = .seconds(5)
        configuration.maximumInflight = 100
        let client = try MQTTClient(
            configuration: configuration, transport: try MQTTNIOTransport(host: "127.0.0.1", port: port))
        let markers = MQTTCollector(try await client.subscribe(to: "marker", qos: .atLeastOnce))
        defer { markers.cancel() }
        try await client.connect()
        for index in 1...5 {
            try await client.enqueue(MQTTMessage(topic: "t", string: "\(index)", qos: .atLeastOnce))
        }
        _ = try await client.subscribe(to: "after-five")
        try await client.flush()
        await client.disconnect()
    }

    /// The fake broker's side: announces Receive Maximum 2 and logs what arrives between its check points.
    private static func broker(_ peer: inout MQTTFakePeer, log: ReceiveMaximumLog) async throws {
        var properties = MQTTProperties()
        properties.append(.receiveMaximum(2))
        try await peer.accept(ConnAckPacket(properties: properties))
        let first = try await peer.expect("SUBSCRIBE marker") { packet -> SubscribePacket? in
            if case .subscribe(let subscribe) = packet { return subscribe } else { return nil }
        }
        try await peer.send(
            .suback(SubAckPacket(packetIdentifier: first.packetIdentifier, reasonCodes: [.grantedQoS1])))

        var identifiers: [UInt16] = []
        // The first window: everything up to the SUBSCRIBE the client sends after its five publishes.
        while true {
            guard let packet = try await peer.receive() else {
                throw MQTTTestSetupError(description: "the client closed before its second SUBSCRIBE")
            }
            if case .publish(let publish) = packet {
                log.append("PUBLISH \(String(decoding: publish.payload, as: UTF8.self))")
                if let id = publish.packetIdentifier { identifiers.append(id) }
            } else if case .subscribe(let subscribe) = packet {
                log.append("SUBSCRIBE")
                try await peer.send(
                    .suback(SubAckPacket(packetIdentifier: subscribe.packetIdentifier, reasonCodes: [.grantedQoS0])))
                break
            }
        }
        // Then each PUBACK, followed by a QoS 1 PUBLISH of ours whose PUBACK closes the window. After the last
        // PUBACK the client has nothing left to send: it disconnects, and whatever it sent before is logged.
        for index in 0..<5 {
            guard index < identifiers.count else {
                throw MQTTTestSetupError(
                    description: "only \(identifiers.count) PUBLISHes to acknowledge: \(log.entries)")
            }
            try await peer.send(.puback(PublishAckPacket(packetIdentifier: identifiers[index])))
            log.append("PUBACK \(index + 1)")
            if index == 4 { break }
            let marker = UInt16(1000 + index)
            try await peer.send(
                .publish(PublishPacket(topic: "marker", payload: [], qos: .atLeastOnce, packetIdentifier: marker)))
            while true {
                guard let packet = try await peer.receive() else {
                    throw MQTTTestSetupError(description: "the client closed before acknowledging \(marker)")
                }
                if case .publish(let publish) = packet {
                    log.append("PUBLISH \(String(decoding: publish.payload, as: UTF8.self))")
                    if let id = publish.packetIdentifier { identifiers.append(id) }
                } else if case .puback(let ack) = packet, ack.packetIdentifier == marker {
                    break
                }
            }
        }
        for packet in try await peer.drain() {
            if case .publish(let publish) = packet {
                log.append("PUBLISH \(String(decoding: publish.payload, as: UTF8.self))")
            }
        }
    }
}

/// What the fake broker saw, in order.
private final class ReceiveMaximumLog: @unchecked Sendable {
    private let lock = Mutex(())
    private var items: [String] = []

    func append(_ entry: String) { lock.withLock { _ in items.append(entry) } }
    var entries: [String] { lock.withLock { _ in items } }
}
