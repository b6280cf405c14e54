import MQTTCodec

/// What the broker said when it accepted the connection.
public struct MQTTConnectResult: Sendable, Equatable {
    /// Whether the broker resumed a stored session.
    public var sessionPresent: Bool
    /// CONNACK properties (MQTT 5): limits, assigned client id, server keep alive...
    public var properties: MQTTProperties
    /// The client identifier in use (the assigned one, if the broker assigned it).
    public var clientIdentifier: String
}
