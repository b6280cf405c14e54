import MQTTCodec

/// An application message, published or received.
public struct MQTTMessage: Sendable, Equatable, Hashable {
    /// Topic name.
    public var topic: String
    /// Payload bytes.
    public var payload: [UInt8]
    /// Quality of service.
    public var qos: MQTTQoS
    /// Retain flag.
    public var retain: Bool
    /// MQTT 5 properties (user properties, content type, expiry...); ignored in 3.1.1.
    public var properties: MQTTProperties

    /// Creates a message.
    public init(
        topic: String,
        payload: [UInt8],
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }

    /// Creates a message with a UTF-8 payload.
    public init(
        topic: String,
        string: String,
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.init(topic: topic, payload: Array(string.utf8), qos: qos, retain: retain, properties: properties)
    }

    /// The payload decoded as UTF-8 (invalid sequences replaced).
    public var payloadString: String { String(decoding: payload, as: UTF8.self) }
}
