import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO

/// MQTT 5 message properties through mosquitto: what the publisher sets is what the subscriber gets.
@Suite("MQTT 5 message properties through mosquitto")
struct MessagePropertiesTests {
    @Test("user properties (ordered, repeated names), content type, response topic and correlation data arrive intact")
    func propertiesArrive() async throws {
        let broker = try await Mosquitto()
        let subscriber = try MQTTTestClient.make(MQTTTestClient.id("sub"), port: broker.port, version: .v5)
        let publisher = try MQTTTestClient.make(MQTTTestClient.id("pub"), port: broker.port, version: .v5) {
            $0.userProperties = [(name: "firmware", value: "1.4.2")]  // CONNECT: accepted by the broker
        }
        try await subscriber.connect()
        try await publisher.connect()
        let collector = MQTTCollector(try await subscriber.subscribe(to: "props/#", qos: .atLeastOnce))
        var properties = MQTTProperties()
        properties.userProperties = [
            (name: "device", value: "sensor-1"), (name: "unit", value: "°C"), (name: "unit", value: "kelvin"),
        ]
        properties.contentType = "application/json"
        properties.responseTopic = "props/replies/sensor-1"
        properties.correlationData = [0x00, 0xFF, 0x10]
        for qos in [MQTTQoS.atMostOnce, .atLeastOnce, .exactlyOnce] {
            try await publisher.publish(
                MQTTMessage(topic: "props/\(qos.rawValue)", string: "{}", qos: qos, properties: properties))
        }
        try await collector.waitFor(3)
        for message in collector.messages {
            let pairs = message.properties.userProperties.map { "\($0.name)=\($0.value)" }
            #expect(pairs == ["device=sensor-1", "unit=°C", "unit=kelvin"], "\(message.topic)")
            #expect(message.properties.contentType == "application/json")
            #expect(message.properties.responseTopic == "props/replies/sensor-1")
            #expect(message.properties.correlationData == [0x00, 0xFF, 0x10])
        }
        await publisher.disconnect()
        await subscriber.disconnect()
        await broker.stop()
    }
}
