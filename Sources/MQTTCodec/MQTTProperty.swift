/// The Payload Format Indicator property value (§3.3.2.3.2).
public enum MQTTPayloadFormatIndicator: UInt8, Sendable, Equatable, Hashable {
    /// 0: the payload is unspecified bytes.
    case unspecified = 0
    /// 1: the payload is UTF-8 encoded character data.
    case utf8 = 1
}

/// One MQTT 5 property with its typed value (§2.2.2.2).
///
/// Byte-valued flags that the spec restricts to 0 or 1 are `Bool`s. Values the spec forbids (a Receive Maximum,
/// Topic Alias, Maximum Packet Size or Subscription Identifier of 0, a Maximum QoS of 2, a Response Topic with
/// wildcards) are rejected by both encoder and decoder as a protocol error.
public enum MQTTProperty: Sendable, Equatable, Hashable {
    /// 0x01 Payload Format Indicator.
    case payloadFormatIndicator(MQTTPayloadFormatIndicator)
    /// 0x02 Message Expiry Interval in seconds.
    case messageExpiryInterval(UInt32)
    /// 0x03 Content Type (MIME type or application defined).
    case contentType(String)
    /// 0x08 Response Topic (a topic name).
    case responseTopic(String)
    /// 0x09 Correlation Data.
    case correlationData([UInt8])
    /// 0x0B Subscription Identifier, 1...268,435,455.
    case subscriptionIdentifier(UInt32)
    /// 0x11 Session Expiry Interval in seconds.
    case sessionExpiryInterval(UInt32)
    /// 0x12 Assigned Client Identifier.
    case assignedClientIdentifier(String)
    /// 0x13 Server Keep Alive in seconds.
    case serverKeepAlive(UInt16)
    /// 0x15 Authentication Method.
    case authenticationMethod(String)
    /// 0x16 Authentication Data.
    case authenticationData([UInt8])
    /// 0x17 Request Problem Information.
    case requestProblemInformation(Bool)
    /// 0x18 Will Delay Interval in seconds.
    case willDelayInterval(UInt32)
    /// 0x19 Request Response Information.
    case requestResponseInformation(Bool)
    /// 0x1A Response Information.
    case responseInformation(String)
    /// 0x1C Server Reference.
    case serverReference(String)
    /// 0x1F Reason String.
    case reasonString(String)
    /// 0x21 Receive Maximum, 1...65,535.
    case receiveMaximum(UInt16)
    /// 0x22 Topic Alias Maximum.
    case topicAliasMaximum(UInt16)
    /// 0x23 Topic Alias, 1...65,535.
    case topicAlias(UInt16)
    /// 0x24 Maximum QoS, 0 or 1.
    case maximumQoS(MQTTQoS)
    /// 0x25 Retain Available.
    case retainAvailable(Bool)
    /// 0x26 User Property; may repeat, order is preserved.
    case userProperty(name: String, value: String)
    /// 0x27 Maximum Packet Size in bytes, at least 1.
    case maximumPacketSize(UInt32)
    /// 0x28 Wildcard Subscription Available.
    case wildcardSubscriptionAvailable(Bool)
    /// 0x29 Subscription Identifier Available.
    case subscriptionIdentifierAvailable(Bool)
    /// 0x2A Shared Subscription Available.
    case sharedSubscriptionAvailable(Bool)

    /// The property identifier.
    public var identifier: MQTTPropertyIdentifier {
        switch self {
        case .payloadFormatIndicator: return .payloadFormatIndicator
        case .messageExpiryInterval: return .messageExpiryInterval
        case .contentType: return .contentType
        case .responseTopic: return .responseTopic
        case .correlationData: return .correlationData
        case .subscriptionIdentifier: return .subscriptionIdentifier
        case .sessionExpiryInterval: return .sessionExpiryInterval
        case .assignedClientIdentifier: return .assignedClientIdentifier
        case .serverKeepAlive: return .serverKeepAlive
        case .authenticationMethod: return .authenticationMethod
        case .authenticationData: return .authenticationData
        case .requestProblemInformation: return .requestProblemInformation
        case .willDelayInterval: return .willDelayInterval
        case .requestResponseInformation: return .requestResponseInformation
        case .responseInformation: return .responseInformation
        case .serverReference: return .serverReference
        case .reasonString: return .reasonString
        case .receiveMaximum: return .receiveMaximum
        case .topicAliasMaximum: return .topicAliasMaximum
        case .topicAlias: return .topicAlias
        case .maximumQoS: return .maximumQoS
        case .retainAvailable: return .retainAvailable
        case .userProperty: return .userProperty
        case .maximumPacketSize: return .maximumPacketSize
        case .wildcardSubscriptionAvailable: return .wildcardSubscriptionAvailable
        case .subscriptionIdentifierAvailable: return .subscriptionIdentifierAvailable
        case .sharedSubscriptionAvailable: return .sharedSubscriptionAvailable
        }
    }

    /// Whether the value is one the spec permits (see the type documentation).
    public var hasValidValue: Bool {
        switch self {
        case .subscriptionIdentifier(let v): return v >= 1 && Int(v) <= VariableByteInteger.maxValue
        case .receiveMaximum(let v), .topicAlias(let v): return v != 0
        case .maximumPacketSize(let v): return v != 0
        case .maximumQoS(let q): return q != .exactlyOnce
        case .responseTopic(let t): return MQTTTopic.isValidTopicName(t)
        default: return true
        }
    }
}
