/// Why a byte stream is not a valid MQTT control packet.
///
/// Offsets count from the first byte of the packet (the fixed header byte). ``disconnectReasonCode`` gives the
/// MQTT 5 reason code to send in DISCONNECT (or CONNACK, before a connection is accepted) for each error.
public enum MQTTDecodeError: Error, Sendable, Equatable, Hashable {
    /// The remaining length uses more than four bytes or a non-minimal encoding.
    case malformedRemainingLength
    /// A variable byte integer inside the packet (property length, Subscription Identifier) is malformed.
    case malformedVariableByteInteger(packetType: MQTTPacketType, offset: Int)
    /// Packet type 0, or 15 (AUTH) in MQTT 3.1.1.
    case reservedPacketType(UInt8)
    /// The fixed header flag bits are wrong for the type (PUBREL, SUBSCRIBE, UNSUBSCRIBE need 0b0010, others 0).
    case invalidFixedHeaderFlags(packetType: MQTTPacketType, flags: UInt8)
    /// A QoS field holds 3: PUBLISH fixed header (offset 0), will QoS, or subscription options.
    case invalidQoS(packetType: MQTTPacketType, offset: Int)
    /// A PUBLISH has the DUP flag set with QoS 0.
    case dupWithQoS0
    /// A packet identifier that must be non-zero is 0.
    case zeroPacketIdentifier(packetType: MQTTPacketType)
    /// A topic name (PUBLISH topic or will topic) contains `+` or `#`.
    case invalidTopicName(packetType: MQTTPacketType, offset: Int)
    /// A topic name is empty: PUBLISH without a Topic Alias, any PUBLISH in 3.1.1, or a will topic.
    case emptyTopicName(packetType: MQTTPacketType)
    /// A topic filter in SUBSCRIBE or UNSUBSCRIBE is empty or misuses wildcards or the `$share/` form.
    case invalidTopicFilter(packetType: MQTTPacketType, offset: Int)
    /// A UTF-8 string is not well-formed UTF-8 (including overlong forms and surrogates).
    case invalidUTF8(packetType: MQTTPacketType, offset: Int)
    /// A UTF-8 string contains U+0000.
    case nullCharacter(packetType: MQTTPacketType, offset: Int)
    /// A property identifier is not defined by MQTT 5.
    case invalidPropertyIdentifier(packetType: MQTTPacketType, identifier: UInt8, offset: Int)
    /// A property is not allowed in this packet (or in will properties).
    case propertyNotAllowed(MQTTPropertyIdentifier, context: MQTTPropertyContext)
    /// A property that may appear only once appears again.
    case duplicateProperty(MQTTPropertyIdentifier, context: MQTTPropertyContext)
    /// A property holds a value the spec forbids (e.g. Receive Maximum 0, Maximum QoS 2, a flag byte above 1).
    case invalidPropertyValue(MQTTPropertyIdentifier, context: MQTTPropertyContext)
    /// Authentication Data is present without an Authentication Method.
    case authenticationDataWithoutMethod(context: MQTTPropertyContext)
    /// The property length runs past the end of the packet.
    case propertyLengthExceedsPacket(packetType: MQTTPacketType, offset: Int)
    /// A property value runs past the end of the property list.
    case propertyTruncated(MQTTPropertyIdentifier, context: MQTTPropertyContext, offset: Int)
    /// A field runs past the end of the packet given by the remaining length.
    case truncated(packetType: MQTTPacketType, offset: Int)
    /// Bytes are left after the last field of the packet (or, for one-shot decoding, after the packet).
    case trailingBytes(packetType: MQTTPacketType, count: Int)
    /// One-shot decoding was given fewer bytes than the packet needs.
    case incompletePacket(expected: Int, available: Int)
    /// The packet (fixed header plus remaining length) is larger than the configured maximum.
    case packetTooLarge(size: Int, maximum: Int)
    /// The CONNECT protocol name is not "MQTT".
    case invalidProtocolName
    /// The CONNECT protocol level is neither 4 (3.1.1) nor 5 (5.0).
    case unsupportedProtocolLevel(UInt8)
    /// The reserved bit 0 of the CONNECT flags is set.
    case reservedConnectFlag
    /// Will QoS or Will Retain is set while the Will Flag is 0.
    case invalidWillFlags
    /// MQTT 3.1.1 CONNECT sets the Password Flag without the User Name Flag.
    case passwordWithoutUsername
    /// Reserved bits of the CONNACK acknowledge flags are set.
    case invalidConnAckFlags(UInt8)
    /// CONNACK sets Session Present together with a failure code.
    case sessionPresentWithFailure
    /// A reason code (or 3.1.1 return code) is not allowed in this packet type.
    case invalidReasonCode(packetType: MQTTPacketType, code: UInt8)
    /// SUBSCRIBE or UNSUBSCRIBE has no topic filters, or SUBACK or MQTT 5 UNSUBACK has no reason codes.
    case emptyPayload(packetType: MQTTPacketType)
    /// Subscription options have reserved bits set (bits 2-7 in 3.1.1, bits 6-7 in 5.0).
    case invalidSubscriptionOptions(offset: Int, options: UInt8)
    /// Subscription options have Retain Handling 3.
    case invalidRetainHandling(offset: Int)
    /// A shared subscription sets No Local.
    case noLocalOnSharedSubscription(offset: Int)
    /// A packet only a client sends (CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ), read by a client's decoder
    /// (``MQTTFrameDecoder/nextFromServer()``).
    case unexpectedPacketType(MQTTPacketType)

    /// The MQTT 5 reason code a receiver should send in DISCONNECT (or CONNACK) for this error.
    public var disconnectReasonCode: MQTTReasonCode {
        switch self {
        case .packetTooLarge:
            return .packetTooLarge
        case .invalidProtocolName, .unsupportedProtocolLevel:
            return .unsupportedProtocolVersion
        case .invalidPropertyValue(let identifier, _):
            return identifier == .topicAlias ? .topicAliasInvalid : .protocolError
        case .zeroPacketIdentifier, .emptyTopicName, .propertyNotAllowed, .duplicateProperty,
            .authenticationDataWithoutMethod, .sessionPresentWithFailure, .invalidReasonCode, .emptyPayload,
            .invalidRetainHandling, .noLocalOnSharedSubscription, .unexpectedPacketType:
            return .protocolError
        case .malformedRemainingLength, .malformedVariableByteInteger, .reservedPacketType, .invalidFixedHeaderFlags,
            .invalidQoS, .dupWithQoS0, .invalidTopicName, .invalidTopicFilter, .invalidUTF8, .nullCharacter,
            .invalidPropertyIdentifier, .propertyLengthExceedsPacket, .propertyTruncated, .truncated,
            .trailingBytes, .incompletePacket, .reservedConnectFlag, .invalidWillFlags, .passwordWithoutUsername,
            .invalidConnAckFlags, .invalidSubscriptionOptions:
            return .malformedPacket
        }
    }
}
