/// PUBACK, PUBREC, PUBREL or PUBCOMP: the QoS 1 and QoS 2 acknowledgments, which share one layout (§3.4-§3.7).
///
/// In MQTT 5 the reason code and properties are omitted on the wire when the code is Success and there are no
/// properties (§3.4.2.1); in 3.1.1 they are never sent.
public struct PublishAckPacket: Sendable, Equatable, Hashable {
    /// Packet identifier of the PUBLISH being acknowledged (non-zero).
    public var packetIdentifier: UInt16
    /// Reason code (MQTT 5; ignored when encoding 3.1.1).
    public var reasonCode: MQTTReasonCode
    /// Properties (MQTT 5: Reason String and User Property; dropped when encoding 3.1.1).
    public var properties: MQTTProperties

    /// Creates an acknowledgment.
    public init(
        packetIdentifier: UInt16,
        reasonCode: MQTTReasonCode = .success,
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.packetIdentifier = packetIdentifier
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension PublishAckPacket {
    static func context(for type: MQTTPacketType) -> MQTTPropertyContext {
        switch type {
        case .pubrec: return .pubrec
        case .pubrel: return .pubrel
        case .pubcomp: return .pubcomp
        default: return .puback
        }
    }

    // Always inlined: a caller with a constant version keeps only its code (MQTTDecoder.decodeServerBody).
    @inline(__always)
    static func decode(from reader: inout ByteReader, version: MQTTProtocolVersion) throws(MQTTDecodeError)
        -> PublishAckPacket
    {
        let type = reader.packetType
        let packetIdentifier = try reader.readPacketIdentifier()
        var packet = PublishAckPacket(packetIdentifier: packetIdentifier)
        if version == .v5 && !reader.isAtEnd {
            let code = try reader.readUInt8()
            packet.reasonCode = MQTTReasonCode(code)
            guard packet.reasonCode.isValid(for: type) else { throw .invalidReasonCode(packetType: type, code: code) }
            if !reader.isAtEnd {
                packet.properties = try MQTTProperties.decode(from: &reader, context: context(for: type))
            }
        }
        try reader.expectEnd()
        return packet
    }

    // Always inlined: a caller with a constant version keeps only its code (MQTTEncoder.encode311).
    @inline(__always)
    func encode(type: MQTTPacketType, version: MQTTProtocolVersion, into buffer: inout [UInt8])
        throws(MQTTEncodeError)
    {
        guard packetIdentifier != 0 else { throw .missingPacketIdentifier(packetType: type) }
        let flags: UInt8 = type == .pubrel ? 0b0010 : 0
        var remaining = 2
        var propertiesLength = 0
        let writeCode = version == .v5 && (reasonCode != .success || !properties.isEmpty)
        let writeProperties = version == .v5 && !properties.isEmpty
        if writeCode {
            guard reasonCode.isValid(for: type) else { throw .invalidReasonCode(packetType: type, code: reasonCode) }
            remaining += 1
        }
        if writeProperties {
            propertiesLength = try properties.encodedBodyLength(context: PublishAckPacket.context(for: type))
            remaining += MQTTProperties.sectionLength(bodyLength: propertiesLength)
        }
        let headerSize = try EncodingSize.fixedHeader(remainingLength: remaining)
        buffer.writeFixedHeader(type, flags: flags, remainingLength: remaining, headerSize: headerSize)
        buffer.writeUInt16(packetIdentifier)
        if writeCode { buffer.append(reasonCode.rawValue) }
        if writeProperties { properties.write(into: &buffer, bodyLength: propertiesLength) }
    }
}
