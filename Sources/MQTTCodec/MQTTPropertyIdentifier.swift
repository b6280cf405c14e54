/// The wire format of an MQTT 5 property value (§1.5, §2.2.2.2).
public enum MQTTPropertyDataType: Sendable, Equatable, Hashable {
    /// A single byte.
    case byte
    /// A big-endian 16-bit integer.
    case twoByteInteger
    /// A big-endian 32-bit integer.
    case fourByteInteger
    /// A variable byte integer (1 to 4 bytes).
    case variableByteInteger
    /// A length-prefixed UTF-8 string.
    case utf8String
    /// Length-prefixed binary data.
    case binaryData
    /// Two length-prefixed UTF-8 strings (name, value).
    case utf8StringPair
}

/// The identifier byte of an MQTT 5 property (§2.2.2.2).
public enum MQTTPropertyIdentifier: UInt8, Sendable, Equatable, Hashable {
    /// 0x01 Payload Format Indicator (byte; PUBLISH, will).
    case payloadFormatIndicator = 0x01
    /// 0x02 Message Expiry Interval (four byte integer; PUBLISH, will).
    case messageExpiryInterval = 0x02
    /// 0x03 Content Type (UTF-8 string; PUBLISH, will).
    case contentType = 0x03
    /// 0x08 Response Topic (UTF-8 string; PUBLISH, will).
    case responseTopic = 0x08
    /// 0x09 Correlation Data (binary data; PUBLISH, will).
    case correlationData = 0x09
    /// 0x0B Subscription Identifier (variable byte integer; PUBLISH, SUBSCRIBE).
    case subscriptionIdentifier = 0x0B
    /// 0x11 Session Expiry Interval (four byte integer; CONNECT, CONNACK, DISCONNECT).
    case sessionExpiryInterval = 0x11
    /// 0x12 Assigned Client Identifier (UTF-8 string; CONNACK).
    case assignedClientIdentifier = 0x12
    /// 0x13 Server Keep Alive (two byte integer; CONNACK).
    case serverKeepAlive = 0x13
    /// 0x15 Authentication Method (UTF-8 string; CONNECT, CONNACK, AUTH).
    case authenticationMethod = 0x15
    /// 0x16 Authentication Data (binary data; CONNECT, CONNACK, AUTH).
    case authenticationData = 0x16
    /// 0x17 Request Problem Information (byte; CONNECT).
    case requestProblemInformation = 0x17
    /// 0x18 Will Delay Interval (four byte integer; will).
    case willDelayInterval = 0x18
    /// 0x19 Request Response Information (byte; CONNECT).
    case requestResponseInformation = 0x19
    /// 0x1A Response Information (UTF-8 string; CONNACK).
    case responseInformation = 0x1A
    /// 0x1C Server Reference (UTF-8 string; CONNACK, DISCONNECT).
    case serverReference = 0x1C
    /// 0x1F Reason String (UTF-8 string; acknowledgments, DISCONNECT, AUTH).
    case reasonString = 0x1F
    /// 0x21 Receive Maximum (two byte integer; CONNECT, CONNACK).
    case receiveMaximum = 0x21
    /// 0x22 Topic Alias Maximum (two byte integer; CONNECT, CONNACK).
    case topicAliasMaximum = 0x22
    /// 0x23 Topic Alias (two byte integer; PUBLISH).
    case topicAlias = 0x23
    /// 0x24 Maximum QoS (byte; CONNACK).
    case maximumQoS = 0x24
    /// 0x25 Retain Available (byte; CONNACK).
    case retainAvailable = 0x25
    /// 0x26 User Property (UTF-8 string pair; every packet with properties, repeatable).
    case userProperty = 0x26
    /// 0x27 Maximum Packet Size (four byte integer; CONNECT, CONNACK).
    case maximumPacketSize = 0x27
    /// 0x28 Wildcard Subscription Available (byte; CONNACK).
    case wildcardSubscriptionAvailable = 0x28
    /// 0x29 Subscription Identifier Available (byte; CONNACK).
    case subscriptionIdentifierAvailable = 0x29
    /// 0x2A Shared Subscription Available (byte; CONNACK).
    case sharedSubscriptionAvailable = 0x2A

    /// The wire format of the property value: the one table of formats, which the decoder reads values with and
    /// the encoder sizes fixed-size values by.
    public var dataType: MQTTPropertyDataType {
        switch self {
        case .payloadFormatIndicator, .requestProblemInformation, .requestResponseInformation, .maximumQoS,
            .retainAvailable, .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable,
            .sharedSubscriptionAvailable:
            return .byte
        case .serverKeepAlive, .receiveMaximum, .topicAliasMaximum, .topicAlias:
            return .twoByteInteger
        case .messageExpiryInterval, .sessionExpiryInterval, .willDelayInterval, .maximumPacketSize:
            return .fourByteInteger
        case .subscriptionIdentifier:
            return .variableByteInteger
        case .contentType, .responseTopic, .assignedClientIdentifier, .authenticationMethod,
            .responseInformation, .serverReference, .reasonString:
            return .utf8String
        case .correlationData, .authenticationData:
            return .binaryData
        case .userProperty:
            return .utf8StringPair
        }
    }

    /// Whether the property may appear in the given property list (§2.2.2.2 table).
    public func isAllowed(in context: MQTTPropertyContext) -> Bool {
        allowedContexts & context.bit != 0
    }

    /// Whether the property may appear more than once in the given property list.
    ///
    /// User Property may always repeat; Subscription Identifier may repeat only in PUBLISH.
    public func isRepeatable(in context: MQTTPropertyContext) -> Bool {
        switch self {
        case .userProperty: return true
        case .subscriptionIdentifier: return context == .publish
        default: return false
        }
    }

    private var allowedContexts: UInt32 {
        typealias C = MQTTPropertyContext
        switch self {
        case .payloadFormatIndicator, .messageExpiryInterval, .contentType, .responseTopic, .correlationData:
            return C.publish.bit | C.will.bit
        case .subscriptionIdentifier:
            return C.publish.bit | C.subscribe.bit
        case .sessionExpiryInterval:
            return C.connect.bit | C.connack.bit | C.disconnect.bit
        case .assignedClientIdentifier, .serverKeepAlive, .responseInformation, .maximumQoS, .retainAvailable,
            .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable, .sharedSubscriptionAvailable:
            return C.connack.bit
        case .authenticationMethod, .authenticationData:
            return C.connect.bit | C.connack.bit | C.auth.bit
        case .requestProblemInformation, .requestResponseInformation:
            return C.connect.bit
        case .willDelayInterval:
            return C.will.bit
        case .serverReference:
            return C.connack.bit | C.disconnect.bit
        case .reasonString:
            return C.connack.bit | C.puback.bit | C.pubrec.bit | C.pubrel.bit | C.pubcomp.bit | C.suback.bit
                | C.unsuback.bit | C.disconnect.bit | C.auth.bit
        case .receiveMaximum, .topicAliasMaximum, .maximumPacketSize:
            return C.connect.bit | C.connack.bit
        case .topicAlias:
            return C.publish.bit
        case .userProperty:
            return 0xFFFF_FFFF
        }
    }
}
