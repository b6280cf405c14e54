/// UNSUBACK: the server's answer to UNSUBSCRIBE (§3.11).
///
/// MQTT 3.1.1 UNSUBACK carries only the packet identifier; decoding 3.1.1 yields no reason codes, and encoding
/// 3.1.1 drops them.
public struct UnsubAckPacket: Sendable, Equatable, Hashable {
    /// Packet identifier of the UNSUBSCRIBE (non-zero).
    public var packetIdentifier: UInt16
    /// One code per topic filter, in order (MQTT 5; at least one).
    public var reasonCodes: [MQTTReasonCode]
    /// Properties (MQTT 5: Reason String, User Property; dropped when encoding 3.1.1).
    public var properties: MQTTProperties

    /// Creates an UNSUBACK packet.
    public init(
        packetIdentifier: UInt16,
        reasonCodes: [MQTTReasonCode] = [],
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.packetIdentifier = packetIdentifier
        self.reasonCodes = reasonCodes
        self.properties = properties
    }
}

extension UnsubAckPacket {
    // Always inlined: a caller with a constant version keeps only its code (MQTTDecoder.decodeServerBody).
    @inline(__always)
    static func decode(from reader: inout ByteReader, version: MQTTProtocolVersion) throws(MQTTDecodeError)
        -> UnsubAckPacket
    {
        let packetIdentifier = try reader.readPacketIdentifier()
        guard version == .v5 else {
            try reader.expectEnd()
            return UnsubAckPacket(packetIdentifier: packetIdentifier)
        }
        let properties = try MQTTProperties.decode(from: &reader, context: .unsuback)
        if reader.isAtEnd { throw .emptyPayload(packetType: .unsuback) }
        var reasonCodes: [MQTTReasonCode] = []
        reasonCodes.reserveCapacity(reader.remaining)
        while !reader.isAtEnd {
            let code = try reader.readUInt8()
            guard MQTTReasonCode(code).isValid(for: .unsuback) else {
                throw .invalidReasonCode(packetType: .unsuback, code: code)
            }
            reasonCodes.append(MQTTReasonCode(code))
        }
        return UnsubAckPacket(packetIdentifier: packetIdentifier, reasonCodes: reasonCodes, properties: properties)
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        guard packetIdentifier != 0 else { throw .missingPacketIdentifier(packetType: .unsuback) }
        var remaining = 2
        var propertiesLength = 0
        if version == .v5 {
            guard !reasonCodes.isEmpty else { throw .emptyPayload(packetType: .unsuback) }
            for code in reasonCodes where !code.isValid(for: .unsuback) {
                throw .invalidReasonCode(packetType: .unsuback, code: code)
            }
            propertiesLength = try properties.encodedBodyLength(context: .unsuback)
            remaining += MQTTProperties.sectionLength(bodyLength: propertiesLength) + reasonCodes.count
        }
        let headerSize = try EncodingSize.fixedHeader(remainingLength: remaining)
        buffer.writeFixedHeader(.unsuback, flags: 0, remainingLength: remaining, headerSize: headerSize)
        buffer.writeUInt16(packetIdentifier)
        if version == .v5 {
            properties.write(into: &buffer, bodyLength: propertiesLength)
            for code in reasonCodes { buffer.append(code.rawValue) }
        }
    }
}
