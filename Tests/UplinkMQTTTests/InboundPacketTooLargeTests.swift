import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO

/// A 1 MiB message with the default `maximumPacketSize` (1 MiB including the fixed header) never reached the
/// subscriber, and nothing told the application: the frame decoder refused it and the client reconnected silently
/// (issue 12). Against a stock mosquitto: MQTT 3.1.1 sends the message, the client closes with a typed error the
/// application reads; MQTT 5 announces our maximum in CONNECT, so mosquitto does not send it at all.
@Suite("an inbound message above maximumPacketSize, against mosquitto", .timeLimit(.minutes(1)))
struct InboundPacketTooLargeTests {
    @Test("MQTT 3.1.1: the connection closes with inboundPacketTooLarge (lastConnectionError); the client reconnects")
    func tooLarge311() async throws {
        let broker = try await Mosquitto()
        let subscriber = try MQTTTestClient.make(MQTTTestClient.id("big-sub"), port: broker.port, version: .v3_1_1)
        try await subscriber.connect()
        let stream = try await subscriber.subscribe(to: "big/#", qos: .atMostOnce)
        let collector = MQTTCollector(stream)
        let publisher = try MQTTTestClient.make(MQTTTestClient.id("big-pub"), port: broker.port, version: .v3_1_1)
        try await publisher.connect()
        try await publisher.publish(
            MQTTMessage(topic: "big/one", payload: [UInt8](repeating: 0x61, count: 1 << 20), qos: .atMostOnce))
        try await mqttEventually("the subscriber refuses the packet") { subscriber.lastConnectionError != nil }
        guard case .inboundPacketTooLarge(let size, let maximum)? = subscriber.lastConnectionError else {
            Issue.record("expected inboundPacketTooLarge, got \(String(describing: subscriber.lastConnectionError))")
            return
        }
        #expect(maximum == 1 << 20)
        #expect(size > 1 << 20, "\(size)")
        #expect("\(subscriber.lastConnectionError!)".contains("maximumPacketSize"))
        try await mqttEventually("the subscriber reconnects") { subscriber.isConnected }
        #expect(collector.count == 0)
        await publisher.disconnect()
        await subscriber.disconnect()
        await broker.stop()
    }
}
