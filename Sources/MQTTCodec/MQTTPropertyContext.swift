/// Where a property list appears: the packet type, or the will properties inside a CONNECT payload.
public enum MQTTPropertyContext: UInt8, Sendable, Equatable, Hashable {
    /// CONNECT variable header.
    case connect = 1
    /// CONNACK.
    case connack = 2
    /// PUBLISH.
    case publish = 3
    /// PUBACK.
    case puback = 4
    /// PUBREC.
    case pubrec = 5
    /// PUBREL.
    case pubrel = 6
    /// PUBCOMP.
    case pubcomp = 7
    /// SUBSCRIBE.
    case subscribe = 8
    /// SUBACK.
    case suback = 9
    /// UNSUBSCRIBE.
    case unsubscribe = 10
    /// UNSUBACK.
    case unsuback = 11
    /// DISCONNECT.
    case disconnect = 14
    /// AUTH.
    case auth = 15
    /// Will properties in the CONNECT payload.
    case will = 16

    /// The packet type that carries this property list.
    public var packetType: MQTTPacketType {
        switch self {
        case .connect, .will: return .connect
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
        case .disconnect: return .disconnect
        case .auth: return .auth
        }
    }

    var bit: UInt32 { 1 << UInt32(rawValue) }
}
