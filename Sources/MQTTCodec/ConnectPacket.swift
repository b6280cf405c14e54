/// CONNECT: the first packet a client sends (§3.1).
///
/// The protocol level is not stored: the encoder writes the level of the version it is asked for, and the
/// decoder parses a CONNECT according to the level it carries (see ``MQTTFrameDecoder``).
public struct ConnectPacket: Sendable, Equatable, Hashable {
    /// The will message published by the server if the connection ends abnormally.
    public struct Will: Sendable, Equatable, Hashable {
        /// Will topic (a topic name, no wildcards).
        public var topic: String
        /// Will payload.
        public var payload: [UInt8]
        /// QoS used to publish the will.
        public var qos: MQTTQoS
        /// Whether the will is published as a retained message.
        public var retain: Bool
        /// Will properties (MQTT 5 only; dropped when encoding 3.1.1).
        public var properties: MQTTProperties

        /// Creates a will message.
        public init(
            topic: String,
            payload: [UInt8],
            qos: MQTTQoS = .atMostOnce,
            retain: Bool = false,
            properties: MQTTProperties = MQTTProperties()
        ) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
            self.properties = properties
        }
    }

    /// Client identifier; may be empty to ask the server to assign one.
    public var clientIdentifier: String
    /// Clean Start (MQTT 5) / Clean Session (3.1.1).
    public var cleanStart: Bool
    /// Keep alive interval in seconds; 0 disables keep alive.
    public var keepAlive: UInt16
    /// User name, if any.
    public var username: String?
    /// Password, if any (3.1.1 requires a user name with it).
    public var password: [UInt8]?
    /// Will message, if any.
    public var will: Will?
    /// CONNECT properties (MQTT 5 only; dropped when encoding 3.1.1).
    public var properties: MQTTProperties

    /// Creates a CONNECT packet.
    public init(
        clientIdentifier: String,
        cleanStart: Bool = true,
        keepAlive: UInt16 = 60,
        username: String? = nil,
        password: [UInt8]? = nil,
        will: Will? = nil,
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.clientIdentifier = clientIdentifier
        self.cleanStart = cleanStart
        self.keepAlive = keepAlive
        self.username = username
        self.password = password
        self.will = will
        self.properties = properties
    }
}

extension ConnectPacket {
    private enum Flag {
        static let reserved: UInt8 = 0x01
        static let cleanStart: UInt8 = 0x02
        static let will: UInt8 = 0x04
        static let willQoSShift: UInt8 = 3
        static let willRetain: UInt8 = 0x20
        static let password: UInt8 = 0x40
        static let username: UInt8 = 0x80
    }

    /// "MQTT" as a length-prefixed string.
    private static let protocolName: [UInt8] = [0x00, 0x04, 0x4D, 0x51, 0x54, 0x54]

    static func decode(from reader: inout ByteReader) throws(MQTTDecodeError) -> (ConnectPacket, MQTTProtocolVersion) {
        for expected in protocolName {
            guard try reader.readUInt8() == expected else { throw .invalidProtocolName }
        }
        let level = try reader.readUInt8()
        guard let version = MQTTProtocolVersion(rawValue: level) else { throw .unsupportedProtocolLevel(level) }
        let flagsOffset = reader.offset
        let flags = try reader.readUInt8()
        if flags & Flag.reserved != 0 { throw .reservedConnectFlag }
        let hasWill = flags & Flag.will != 0
        let willQoSBits = (flags >> Flag.willQoSShift) & 0x03
        let willRetain = flags & Flag.willRetain != 0
        if willQoSBits == 3 { throw .invalidQoS(packetType: .connect, offset: flagsOffset) }
        if !hasWill && (willQoSBits != 0 || willRetain) { throw .invalidWillFlags }
        let hasUsername = flags & Flag.username != 0
        let hasPassword = flags & Flag.password != 0
        if version == .v3_1_1 && hasPassword && !hasUsername { throw .passwordWithoutUsername }
        let keepAlive = try reader.readUInt16()
        let properties =
            version == .v5 ? try MQTTProperties.decode(from: &reader, context: .connect) : MQTTProperties()
        let clientIdentifier = try reader.readString()
        var will: Will?
        if hasWill {
            let willProperties =
                version == .v5 ? try MQTTProperties.decode(from: &reader, context: .will) : MQTTProperties()
            let topicOffset = reader.offset
            let topicRange = try reader.readLengthPrefixedRange()
            let topic = try reader.makeString(topicRange)
            if topicRange.isEmpty { throw .emptyTopicName(packetType: .connect) }
            if !MQTTTopic.isValidTopicName(topic) { throw .invalidTopicName(packetType: .connect, offset: topicOffset) }
            let payload = try reader.readBinary()
            will = Will(
                topic: topic,
                payload: payload,
                qos: MQTTQoS(rawValue: willQoSBits) ?? .atMostOnce,
                retain: willRetain,
                properties: willProperties
            )
        }
        let username = hasUsername ? try reader.readString() : nil
        let password = hasPassword ? try reader.readBinary() : nil
        try reader.expectEnd()
        let packet = ConnectPacket(
            clientIdentifier: clientIdentifier,
            cleanStart: flags & Flag.cleanStart != 0,
            keepAlive: keepAlive,
            username: username,
            password: password,
            will: will,
            properties: properties
        )
        return (packet, version)
    }

    // Always inlined: a caller with a constant version keeps only its code (MQTTEncoder.encode311).
    @inline(__always)
    func encode(version: MQTTProtocolVersion, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        let isV5 = version == .v5
        if !isV5 && password != nil && username == nil { throw .passwordWithoutUsername }
        var remaining = ConnectPacket.protocolName.count + 4
        var propertiesLength = 0
        if isV5 {
            propertiesLength = try properties.encodedBodyLength(context: .connect)
            remaining += MQTTProperties.sectionLength(bodyLength: propertiesLength)
        }
        remaining += try EncodingSize.string(clientIdentifier)
        var willPropertiesLength = 0
        if let will {
            if isV5 {
                willPropertiesLength = try will.properties.encodedBodyLength(context: .will)
                remaining += MQTTProperties.sectionLength(bodyLength: willPropertiesLength)
            }
            remaining += try EncodingSize.topicName(will.topic, allowEmpty: false)
            remaining += try EncodingSize.binary(will.payload)
        }
        if let username { remaining += try EncodingSize.string(username) }
        if let password { remaining += try EncodingSize.binary(password) }
        let headerSize = try EncodingSize.fixedHeader(remainingLength: remaining)

        var flags: UInt8 = cleanStart ? Flag.cleanStart : 0
        if let will {
            flags |= Flag.will | will.qos.rawValue << Flag.willQoSShift
            if will.retain { flags |= Flag.willRetain }
        }
        if username != nil { flags |= Flag.username }
        if password != nil { flags |= Flag.password }

        buffer.writeFixedHeader(.connect, flags: 0, remainingLength: remaining, headerSize: headerSize)
        buffer.append(contentsOf: ConnectPacket.protocolName)
        buffer.append(version.protocolLevel)
        buffer.append(flags)
        buffer.writeUInt16(keepAlive)
        if isV5 { properties.write(into: &buffer, bodyLength: propertiesLength) }
        buffer.writeString(clientIdentifier)
        if let will {
            if isV5 { will.properties.write(into: &buffer, bodyLength: willPropertiesLength) }
            buffer.writeString(will.topic)
            buffer.writeBinary(will.payload)
        }
        if let username { buffer.writeString(username) }
        if let password { buffer.writeBinary(password) }
    }
}

extension ConnectPacket {
    /// The bytes of a 3.1.1 CONNECT with no will, user name or password, written without making the packet: what
    /// ``encode(version:into:)`` writes for `ConnectPacket(clientIdentifier:cleanStart:keepAlive:)`.
    static func encode311(
        clientIdentifier: String, cleanSession: Bool, keepAlive: UInt16, into buffer: inout [UInt8]
    ) throws(MQTTEncodeError) {
        let remaining = protocolName.count + 4 + (try EncodingSize.string(clientIdentifier))
        let headerSize = try EncodingSize.fixedHeader(remainingLength: remaining)
        buffer.writeFixedHeader(.connect, flags: 0, remainingLength: remaining, headerSize: headerSize)
        buffer.append(contentsOf: protocolName)
        buffer.append(MQTTProtocolVersion.v3_1_1.protocolLevel)
        buffer.append(cleanSession ? Flag.cleanStart : 0)
        buffer.writeUInt16(keepAlive)
        buffer.writeString(clientIdentifier)
    }
}
