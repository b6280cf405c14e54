/// The MQTT protocol revision spoken on a connection, identified by its CONNECT protocol level.
public enum MQTTProtocolVersion: UInt8, Sendable, Equatable, Hashable {
    /// MQTT 3.1.1 (protocol level 4).
    case v3_1_1 = 4
    /// MQTT 5.0 (protocol level 5).
    case v5 = 5

    /// The protocol level byte sent in CONNECT.
    public var protocolLevel: UInt8 { rawValue }

    /// Whether this version carries properties and reason codes (MQTT 5).
    public var isV5: Bool { self == .v5 }
}
