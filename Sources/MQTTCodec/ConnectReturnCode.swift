/// An MQTT 3.1.1 CONNACK return code (§3.2.2.3 of 3.1.1).
///
/// ``ConnAckPacket`` stores an ``MQTTReasonCode`` for both versions; these codes map one to one onto the
/// MQTT 5 reason codes with the same meaning, which is how a 3.1.1 CONNACK is encoded and decoded.
public enum MQTTConnectReturnCode: UInt8, Sendable, Equatable, Hashable {
    /// 0x00 Connection accepted.
    case accepted = 0
    /// 0x01 The server does not support the requested protocol level.
    case unacceptableProtocolVersion = 1
    /// 0x02 The client identifier is correct UTF-8 but not allowed by the server.
    case identifierRejected = 2
    /// 0x03 The MQTT service is unavailable.
    case serverUnavailable = 3
    /// 0x04 The user name or password is malformed.
    case badUserNameOrPassword = 4
    /// 0x05 The client is not authorized to connect.
    case notAuthorized = 5

    /// The MQTT 5 reason code with the same meaning.
    public var reasonCode: MQTTReasonCode {
        switch self {
        case .accepted: return .success
        case .unacceptableProtocolVersion: return .unsupportedProtocolVersion
        case .identifierRejected: return .clientIdentifierNotValid
        case .serverUnavailable: return .serverUnavailable
        case .badUserNameOrPassword: return .badUserNameOrPassword
        case .notAuthorized: return .notAuthorized
        }
    }

    /// The 3.1.1 return code for an MQTT 5 reason code, or `nil` when 3.1.1 has no equivalent.
    public init?(reasonCode: MQTTReasonCode) {
        switch reasonCode.rawValue {
        case 0x00: self = .accepted
        case 0x84: self = .unacceptableProtocolVersion
        case 0x85: self = .identifierRejected
        case 0x88: self = .serverUnavailable
        case 0x86: self = .badUserNameOrPassword
        case 0x87: self = .notAuthorized
        default: return nil
        }
    }
}
