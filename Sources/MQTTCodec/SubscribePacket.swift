/// SUBSCRIBE: a request for one or more subscriptions (§3.8).
public struct SubscribePacket: Sendable, Equatable, Hashable {
    /// Packet identifier (non-zero).
    public var packetIdentifier: UInt16
    /// The requested subscriptions; at least one.
    public var subscriptions: [MQTTSubscription]
    /// Properties (MQTT 5: one Subscription Identifier, User Property; dropped when encoding 3.1.1).
    public var properties: MQTTProperties

    /// Creates a SUBSCRIBE packet.
    public init(
        packetIdentifier: UInt16,
        subscriptions: [MQTTSubscription],
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.packetIdentifier = packetIdentifier
        self.subscriptions = subscriptions
        self.properties = properties
    }
}

extension SubscribePacket {
    static func decode(from reader: inout ByteReader, version: MQTTProtocolVersion) throws(MQTTDecodeError)
        -> SubscribePacket
    {
        let packetIdentifier = try reader.readPacketIdentifier()
        var properties = MQTTProperties()
        if version == .v5 {
            properties = try MQTTProperties.decode(from: &reader, context: .subscribe)
        }
        if reader.isAtEnd { throw .emptyPayload(packetType: .subscribe) }
        var subscriptions: [MQTTSubscription] = []
        while !reader.isAtEnd {
            let filterOffset = reader.offset
            let filter = try reader.readString()
            guard MQTTTopic.isValidTopicFilter(filter) else {
                throw .invalidTopicFilter(packetType: .subscribe, offset: filterOffset)
            }
            let optionsOffset = reader.offset
            let byte = try reader.readUInt8()
            let reservedMask: UInt8 = version == .v5 ? 0xC0 : 0xFC
            if byte & reservedMask != 0 { throw .invalidSubscriptionOptions(offset: optionsOffset, options: byte) }
            guard let qos = MQTTQoS(rawValue: byte & 0x03) else {
                throw .invalidQoS(packetType: .subscribe, offset: optionsOffset)
            }
            guard let retainHandling = MQTTRetainHandling(rawValue: (byte >> 4) & 0x03) else {
                throw .invalidRetainHandling(offset: optionsOffset)
            }
            let noLocal = byte & 0x04 != 0
            if noLocal && MQTTTopic.isSharedSubscription(filter) {
                throw .noLocalOnSharedSubscription(offset: optionsOffset)
            }
            let options = MQTTSubscriptionOptions(
                qos: qos,
                noLocal: noLocal,
                retainAsPublished: byte & 0x08 != 0,
                retainHandling: retainHandling
            )
            subscriptions.append(MQTTSubscription(topicFilter: filter, options: options))
        }
        return SubscribePacket(packetIdentifier: packetIdentifier, subscriptions: subscriptions, properties: properties)
    }

    // Always inlined: a caller with a constant version keeps only its code (MQTTEncoder.encode311).
    @inline(__always)
    func encode(version: MQTTProtocolVersion, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        guard packetIdentifier != 0 else { throw .missingPacketIdentifier(packetType: .subscribe) }
        guard !subscriptions.isEmpty else { throw .emptyPayload(packetType: .subscribe) }
        var remaining = 2
        var propertiesLength = 0
        if version == .v5 {
            propertiesLength = try properties.encodedBodyLength(context: .subscribe)
            remaining += MQTTProperties.sectionLength(bodyLength: propertiesLength)
        }
        for subscription in subscriptions {
            remaining += try EncodingSize.topicFilter(subscription.topicFilter) + 1
            if version == .v5 && subscription.options.noLocal
                && MQTTTopic.isSharedSubscription(subscription.topicFilter)
            {
                throw .noLocalOnSharedSubscription
            }
        }
        let headerSize = try EncodingSize.fixedHeader(remainingLength: remaining)
        buffer.writeFixedHeader(.subscribe, flags: 0b0010, remainingLength: remaining, headerSize: headerSize)
        buffer.writeUInt16(packetIdentifier)
        if version == .v5 { properties.write(into: &buffer, bodyLength: propertiesLength) }
        for subscription in subscriptions {
            buffer.writeString(subscription.topicFilter)
            buffer.append(subscription.options.encoded(version: version))
        }
    }
}

extension SubscribePacket {
    /// The bytes of a 3.1.1 SUBSCRIBE to one filter, written without making the packet: what
    /// ``encode(version:into:)`` writes for a packet with that one subscription.
    static func encode311(packetIdentifier: UInt16, topicFilter: String, qos: MQTTQoS, into buffer: inout [UInt8])
        throws(MQTTEncodeError)
    {
        guard packetIdentifier != 0 else { throw .missingPacketIdentifier(packetType: .subscribe) }
        let remaining = 2 + (try EncodingSize.topicFilter(topicFilter)) + 1
        let headerSize = try EncodingSize.fixedHeader(remainingLength: remaining)
        buffer.writeFixedHeader(.subscribe, flags: 0b0010, remainingLength: remaining, headerSize: headerSize)
        buffer.writeUInt16(packetIdentifier)
        buffer.writeString(topicFilter)
        buffer.append(qos.rawValue)
    }
}
