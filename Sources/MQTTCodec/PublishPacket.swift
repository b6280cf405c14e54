/// PUBLISH: an application message (§3.3).
public struct PublishPacket: Sendable, Equatable, Hashable {
    /// Topic name; may be empty in MQTT 5 when a Topic Alias property is present.
    public var topic: String
    /// Application payload.
    public var payload: [UInt8]
    /// Delivery QoS.
    public var qos: MQTTQoS
    /// Retain flag.
    public var retain: Bool
    /// Duplicate delivery flag; must be false for QoS 0.
    public var dup: Bool
    /// Packet identifier: non-zero for QoS 1 and 2, `nil` for QoS 0.
    public var packetIdentifier: UInt16?
    /// PUBLISH properties (MQTT 5 only; dropped when encoding 3.1.1).
    public var properties: MQTTProperties

    /// Creates a PUBLISH packet.
    public init(
        topic: String,
        payload: [UInt8] = [],
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        dup: Bool = false,
        packetIdentifier: UInt16? = nil,
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.dup = dup
        self.packetIdentifier = packetIdentifier
        self.properties = properties
    }
}

extension PublishPacket {
    // Always inlined: a caller with a constant version keeps only its code (MQTTDecoder.decodeServerBody).
    @inline(__always)
    static func decode(from reader: inout ByteReader, flags: UInt8, version: MQTTProtocolVersion)
        throws(MQTTDecodeError) -> PublishPacket
    {
        let fields = try decodeFields(from: &reader, flags: flags, version: version)
        return PublishPacket(
            topic: String(decoding: reader.bytes[fields.topic], as: UTF8.self),
            payload: reader.readRest(),
            qos: fields.qos,
            retain: flags & 0x01 != 0,
            dup: flags & 0x08 != 0,
            packetIdentifier: fields.packetIdentifier,
            properties: fields.properties
        )
    }

    /// Everything of a PUBLISH before its payload, checked: the topic's range in the reader's bytes, the QoS, the
    /// packet identifier and the properties (MQTT 5).
    @inline(__always)
    static func decodeFields(from reader: inout ByteReader, flags: UInt8, version: MQTTProtocolVersion)
        throws(MQTTDecodeError) -> (
            topic: Range<Int>, qos: MQTTQoS, packetIdentifier: UInt16?, properties: MQTTProperties
        )
    {
        // The fixed header flags were checked by the framing code (QoS 3, DUP with QoS 0).
        let qos = MQTTQoS(rawValue: (flags >> 1) & 0x03) ?? .atMostOnce
        let topicOffset = reader.offset
        let topicRange = try reader.readLengthPrefixedRange()
        try reader.validateUTF8(topicRange)
        for position in topicRange {
            let byte = reader.bytes[position]
            if byte == MQTTTopic.plus || byte == MQTTTopic.hash {
                throw .invalidTopicName(packetType: .publish, offset: topicOffset)
            }
        }
        let packetIdentifier = qos == .atMostOnce ? nil : try reader.readPacketIdentifier()
        var properties = MQTTProperties()
        if version == .v5 {
            properties = try MQTTProperties.decode(from: &reader, context: .publish)
        }
        if topicRange.isEmpty && (version == .v3_1_1 || !properties.contains(.topicAlias)) {
            throw .emptyTopicName(packetType: .publish)
        }
        return (topicRange, qos, packetIdentifier, properties)
    }

    // Always inlined: a caller with a constant version keeps only its code (MQTTEncoder.encode311).
    @inline(__always)
    func encode(version: MQTTProtocolVersion, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        try Self.encode(
            topic: topic, payload: payload, qos: qos, retain: retain, dup: dup, packetIdentifier: packetIdentifier,
            properties: version == .v5 ? properties : nil, into: &buffer)
    }

    /// The bytes of a 3.1.1 PUBLISH, written without making the packet: what ``encode(version:into:)`` writes for a
    /// packet with these fields (properties dropped).
    static func encode311(
        topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool, dup: Bool, packetIdentifier: UInt16?,
        into buffer: inout [UInt8]
    ) throws(MQTTEncodeError) {
        try encode(
            topic: topic, payload: payload, qos: qos, retain: retain, dup: dup, packetIdentifier: packetIdentifier,
            properties: nil, into: &buffer)
    }

    /// A PUBLISH from its fields; `properties` only in MQTT 5 (`nil`: 3.1.1). Always inlined: with `nil` constant
    /// (``encode311(topic:payload:qos:retain:dup:packetIdentifier:into:)``), none of the properties' code remains.
    @inline(__always)
    private static func encode(
        topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool, dup: Bool, packetIdentifier: UInt16?,
        properties: MQTTProperties?, into buffer: inout [UInt8]
    ) throws(MQTTEncodeError) {
        var remaining = try EncodingSize.topicName(topic, allowEmpty: properties?.contains(.topicAlias) ?? false)
        if qos == .atMostOnce {
            if dup { throw .dupWithQoS0 }
            if packetIdentifier != nil { throw .unexpectedPacketIdentifier }
        } else {
            guard let packetIdentifier, packetIdentifier != 0 else {
                throw .missingPacketIdentifier(packetType: .publish)
            }
            remaining += 2
        }
        var propertiesLength = 0
        if let properties {
            propertiesLength = try properties.encodedBodyLength(context: .publish)
            remaining += MQTTProperties.sectionLength(bodyLength: propertiesLength)
        }
        remaining += payload.count
        let headerSize = try EncodingSize.fixedHeader(remainingLength: remaining)
        var flags = qos.rawValue << 1
        if dup { flags |= 0x08 }
        if retain { flags |= 0x01 }
        buffer.writeFixedHeader(.publish, flags: flags, remainingLength: remaining, headerSize: headerSize)
        buffer.writeString(topic)
        if let packetIdentifier { buffer.writeUInt16(packetIdentifier) }
        if let properties { properties.write(into: &buffer, bodyLength: propertiesLength) }
        buffer.append(contentsOf: payload)
    }
}
