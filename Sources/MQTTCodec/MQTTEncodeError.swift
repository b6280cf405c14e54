/// Why a packet value cannot be encoded.
public enum MQTTEncodeError: Error, Sendable, Equatable, Hashable {
    /// A UTF-8 string is longer than 65,535 bytes.
    case stringTooLong(length: Int)
    /// Binary data is longer than 65,535 bytes.
    case binaryDataTooLong(length: Int)
    /// A UTF-8 string contains U+0000, which MQTT forbids.
    case nullCharacterInString
    /// The remaining length would exceed 268,435,455 bytes.
    case packetTooLarge(remainingLength: Int)
    /// A packet identifier is missing or 0 where a non-zero one is required.
    case missingPacketIdentifier(packetType: MQTTPacketType)
    /// A QoS 0 PUBLISH carries a packet identifier.
    case unexpectedPacketIdentifier
    /// A QoS 0 PUBLISH has DUP set.
    case dupWithQoS0
    /// A topic name contains `+`, `#` or U+0000, or is longer than 65,535 bytes.
    case invalidTopicName
    /// A topic name is empty (allowed only in MQTT 5 with a Topic Alias); also an empty will topic.
    case emptyTopicName
    /// A SUBSCRIBE or UNSUBSCRIBE topic filter is invalid.
    case invalidTopicFilter
    /// SUBSCRIBE/UNSUBSCRIBE without topic filters, or SUBACK/UNSUBACK (MQTT 5) without reason codes.
    case emptyPayload(packetType: MQTTPacketType)
    /// A property is not allowed in this packet or in will properties.
    case propertyNotAllowed(MQTTPropertyIdentifier, context: MQTTPropertyContext)
    /// A property that may appear only once appears more than once.
    case duplicateProperty(MQTTPropertyIdentifier, context: MQTTPropertyContext)
    /// A property holds a value the spec forbids.
    case invalidPropertyValue(MQTTPropertyIdentifier, context: MQTTPropertyContext)
    /// Authentication Data is present without an Authentication Method.
    case authenticationDataWithoutMethod(context: MQTTPropertyContext)
    /// A reason code is not allowed in this packet type, or has no MQTT 3.1.1 equivalent.
    case invalidReasonCode(packetType: MQTTPacketType, code: MQTTReasonCode)
    /// The packet type does not exist in the requested protocol version (AUTH in 3.1.1).
    case packetTypeNotSupported(MQTTPacketType, version: MQTTProtocolVersion)
    /// MQTT 3.1.1 forbids a password without a user name.
    case passwordWithoutUsername
    /// A shared subscription sets No Local.
    case noLocalOnSharedSubscription
    /// A value passed to ``VariableByteInteger/encode(_:into:)`` is outside 0...268,435,455.
    case valueOutOfRange
    /// CONNACK sets Session Present together with a failure code.
    case sessionPresentWithFailure
}
