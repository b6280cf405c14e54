/// UNSUBSCRIBE: a request to remove subscriptions (§3.10).
public struct UnsubscribePacket: Sendable, Equatable, Hashable {
    /// Packet identifier (non-zero).
    public var packetIdentifier: UInt16
    /// Topic filters to remove; at least one.
    public var topicFilters: [String]
    /// Properties (MQTT 5: User Property; dropped when encoding 3.1.1).
    public var properties: MQTTProperties

    /// Creates an UNSUBSCRIBE packet.
    public init(packetIdentifier: UInt16, topicFilters: [String], properties: MQTTProperties = MQTTProperties()) {
        self.packetIdentifier = packetIdentifier
        self.topicFilters = topicFilters
        self.properties = properties
    }
}

extension UnsubscribePacket {
    static func decode(from reader: inout ByteReader, version: MQTTProtocolVersion) throws(MQTTDecodeError)
        -> UnsubscribePacket
    {
        let packetIdentifier = try reader.readPacketIdentifier()
        var properties = MQTTProperties()
        if version == .v5 {
            properties = try MQTTProperties.decode(from: &reader, context: .unsubscribe)
        }
        if reader.isAtEnd { throw .emptyPayload(packetType: .unsubscribe) }
        var topicFilters: [String] = []
        while !reader.isAtEnd {
            let filterOffset = reader.offset
            let filter = try reader.readString()
            guard MQTTTopic.isValidTopicFilter(filter) else {
                throw .invalidTopicFilter(packetType: .unsubscribe, offset: filterOffset)
            }
            topicFilters.append(filter)
        }
        return UnsubscribePacket(packetIdentifier: packetIdentifier, topicFilters: topicFilters, properties: properties)
    }

    // Always inlined: a caller with a constant version keeps only its code (MQTTEncoder.encode311).
    @inline(__always)
    func encode(version: MQTTProtocolVersion, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        guard packetIdentifier != 0 else { throw .missingPacketIdentifier(packetType: .unsubscribe) }
        guard !topicFilters.isEmpty else { throw .emptyPayload(packetType: .unsubscribe) }
        var remaining = 2
        var propertiesLength = 0
        if version == .v5 {
            propertiesLength = try properties.encodedBodyLength(context: .unsubscribe)
            remaining += MQTTProperties.sectionLength(bodyLength: propertiesLength)
        }
        for filter in topicFilters { remaining += try EncodingSize.topicFilter(filter) }
        let headerSize = try EncodingSize.fixedHeader(remainingLength: remaining)
        buffer.writeFixedHeader(.unsubscribe, flags: 0b0010, remainingLength: remaining, headerSize: headerSize)
        buffer.writeUInt16(packetIdentifier)
        if version == .v5 { properties.write(into: &buffer, bodyLength: propertiesLength) }
        for filter in topicFilters { buffer.writeString(filter) }
    }
}
