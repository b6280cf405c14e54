/// Any MQTT control packet of 3.1.1 or 5.0.
public enum MQTTPacket: Sendable, Equatable, Hashable {
    /// CONNECT.
    case connect(ConnectPacket)
    /// CONNACK.
    case connack(ConnAckPacket)
    /// PUBLISH.
    case publish(PublishPacket)
    /// PUBACK.
    case puback(PublishAckPacket)
    /// PUBREC.
    case pubrec(PublishAckPacket)
    /// PUBREL.
    case pubrel(PublishAckPacket)
    /// PUBCOMP.
    case pubcomp(PublishAckPacket)
    /// SUBSCRIBE.
    case subscribe(SubscribePacket)
    /// SUBACK.
    case suback(SubAckPacket)
    /// UNSUBSCRIBE.
    case unsubscribe(UnsubscribePacket)
    /// UNSUBACK.
    case unsuback(UnsubAckPacket)
    /// PINGREQ.
    case pingreq
    /// PINGRESP.
    case pingresp
    /// DISCONNECT.
    case disconnect(DisconnectPacket)
    /// AUTH (MQTT 5 only).
    case auth(AuthPacket)

    /// The control packet type.
    public var packetType: MQTTPacketType {
        switch self {
        case .connect: return .connect
        case .connack: return .connack
        case .publish: return .publish
        case .puback: return .puback
        case .pubrec: return .pubrec
        case .pubrel: return .pubrel
        case .pubcomp: return .pubcomp
        case .subscribe: return .subscribe
        case .suback: return .suback
        case .unsubscribe: return .unsubscribe
        case .unsuback: return .unsuback
        case .pingreq: return .pingreq
        case .pingresp: return .pingresp
        case .disconnect: return .disconnect
        case .auth: return .auth
        }
    }

    /// Encodes the packet for `version` into a new array.
    public func encode(version: MQTTProtocolVersion) throws(MQTTEncodeError) -> [UInt8] {
        var buffer: [UInt8] = []
        try MQTTEncoder.encode(self, version: version, into: &buffer)
        return buffer
    }

    /// Appends the encoded packet for `version` to `buffer`; on error `buffer` is left unchanged.
    public func encode(version: MQTTProtocolVersion, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        try MQTTEncoder.encode(self, version: version, into: &buffer)
    }
}
