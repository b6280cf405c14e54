/// SUBACK: the server's answer to SUBSCRIBE, one reason code per requested subscription (§3.9).
///
/// MQTT 3.1.1 return codes (0x00, 0x01, 0x02 granted QoS, 0x80 failure) are the same bytes as the MQTT 5
/// reason codes Granted QoS 0/1/2 and Unspecified error.
public struct SubAckPacket: Sendable, Equatable, Hashable {
    /// Packet identifier of the SUBSCRIBE (non-zero).
    public var packetIdentifier: UInt16
    /// One code per subscription, in order; at least one.
    public var reasonCodes: [MQTTReasonCode]
    /// Properties (MQTT 5: Reason String, User Property; dropped when encoding 3.1.1).
    public var properties: MQTTProperties

    /// Creates a SUBACK packet.
    public init(
        packetIdentifier: UInt16,
        reasonCodes: [MQTTReasonCode],
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.packetIdentifier = packetIdentifier
        self.reasonCodes = reasonCodes
        self.properties = properties
    }
}

extension SubAckPacket {
    static func isValidV3ReturnCode(_ code: UInt8) -> Bool {
        code <= 0x02 || code == 0x80
    }

    // Always inlined: a caller with a constant version keeps only its code (MQTTDecoder.decodeServerBody).
    @inline(__always)
    static func decode(from reader: inout ByteReader, version: MQTTProtocolVersion) throws(MQTTDecodeError)
        -> SubAckPacket
    {
        let packetIdentifier = try reader.readPacketIdentifier()
        var properties = MQTTProperties()
        if version == .v5 {
            properties = try MQTTProperties.decode(from: &reader, context: .suback)
        }
        if reader.isAtEnd { throw .emptyPayload(packetType: .suback) }
        var reasonCodes: [MQTTReasonCode] = []
        reasonCodes.reserveCapacity(reader.remaining)
        while !reader.isAtEnd {
            let code = try reader.readUInt8()
            let valid = version == .v5 ? MQTTReasonCode(code).isValid(for: .suback) : isValidV3ReturnCode(code)
            guard valid else { throw .invalidReasonCode(packetType: .suback, code: code) }
            reasonCodes.append(MQTTReasonCode(code))
        }
        return SubAckPacket(packetIdentifier: packetIdentifier, reasonCodes: reasonCodes, properties: properties)
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        guard packetIdentifier != 0 else { throw .missingPacketIdentifier(packetType: .suback) }
        guard !reasonCodes.isEmpty else { throw .emptyPayload(packetType: .suback) }
        for code in reasonCodes {
            let valid = version == .v5 ? code.isValid(for: .suback) : SubAckPacket.isValidV3ReturnCode(code.rawValue)
            guard valid else { throw .invalidReasonCode(packetType: .suback, code: code) }
        }
        var remaining = 2 + reasonCodes.count
        var propertiesLength = 0
        if version == .v5 {
            propertiesLength = try properties.encodedBodyLength(context: .suback)
            remaining += MQTTProperties.sectionLength(bodyLength: propertiesLength)
        }
        let headerSize = try EncodingSize.fixedHeader(remainingLength: remaining)
        buffer.writeFixedHeader(.suback, flags: 0, remainingLength: remaining, headerSize: headerSize)
        buffer.writeUInt16(packetIdentifier)
        if version == .v5 { properties.write(into: &buffer, bodyLength: propertiesLength) }
        for code in reasonCodes { buffer.append(code.rawValue) }
    }
}
