/// The control packet type held in the upper four bits of the fixed header (§2.1.2).
public enum MQTTPacketType: UInt8, Sendable, Equatable, Hashable {
    /// Client request to connect to the server.
    case connect = 1
    /// Connect acknowledgment.
    case connack = 2
    /// Publish message.
    case publish = 3
    /// Publish acknowledgment (QoS 1).
    case puback = 4
    /// Publish received (QoS 2, part 1).
    case pubrec = 5
    /// Publish release (QoS 2, part 2).
    case pubrel = 6
    /// Publish complete (QoS 2, part 3).
    case pubcomp = 7
    /// Subscribe request.
    case subscribe = 8
    /// Subscribe acknowledgment.
    case suback = 9
    /// Unsubscribe request.
    case unsubscribe = 10
    /// Unsubscribe acknowledgment.
    case unsuback = 11
    /// Ping request.
    case pingreq = 12
    /// Ping response.
    case pingresp = 13
    /// Disconnect notification.
    case disconnect = 14
    /// Authentication exchange (MQTT 5 only).
    case auth = 15

    /// The fixed-header flag bits (lower nibble) this type must carry; `nil` for PUBLISH, whose flags vary.
    public var requiredFlags: UInt8? {
        switch self {
        case .publish: return nil
        case .pubrel, .subscribe, .unsubscribe: return 0b0010
        default: return 0
        }
    }

    /// Whether this packet type exists in the given protocol version (AUTH is MQTT 5 only).
    public func exists(in version: MQTTProtocolVersion) -> Bool {
        self != .auth || version == .v5
    }
}
