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
    /// For a received QoS 1/2 message, the packet identifier the broker sent it with (mosquitto_sub's `%m`); `nil`
    /// otherwise. Not part of equality: the same message keeps its identity whatever identifier carried it.
    public var packetIdentifier: UInt16?

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
        self.packetIdentifier = nil
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

    /// Equal when topic (as UTF-8 bytes), payload, QoS, retain flag and properties are (the packet identifier is not compared).
    public static func == (lhs: MQTTMessage, rhs: MQTTMessage) -> Bool {
        lhs.topic.utf8.elementsEqual(rhs.topic.utf8) && lhs.payload == rhs.payload && lhs.qos == rhs.qos
            && lhs.retain == rhs.retain
            && lhs.properties == rhs.properties
    }

    /// Hashes what ``==`` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(Array(topic.utf8))
        hasher.combine(payload)
        hasher.combine(qos)
        hasher.combine(retain)
        hasher.combine(properties)
    }
}
