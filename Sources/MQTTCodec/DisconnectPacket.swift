/// DISCONNECT: the final packet of a connection (§3.14).
///
/// MQTT 3.1.1 DISCONNECT is empty: reason code and properties are dropped when encoding 3.1.1. In MQTT 5 they
/// are omitted on the wire when the code is Normal disconnection and there are no properties.
public struct DisconnectPacket: Sendable, Equatable, Hashable {
    /// Disconnect reason code (MQTT 5).
    public var reasonCode: MQTTReasonCode
    /// Properties (MQTT 5: Session Expiry Interval, Reason String, Server Reference, User Property).
    public var properties: MQTTProperties

    /// Creates a DISCONNECT packet.
    public init(reasonCode: MQTTReasonCode = .normalDisconnection, properties: MQTTProperties = MQTTProperties()) {
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension DisconnectPacket {
    // Always inlined: a caller with a constant version keeps only its code (MQTTDecoder.decodeServerBody).
    @inline(__always)
    static func decode(from reader: inout ByteReader, version: MQTTProtocolVersion) throws(MQTTDecodeError)
        -> DisconnectPacket
    {
        var packet = DisconnectPacket()
        if version == .v5 && !reader.isAtEnd {
            let code = try reader.readUInt8()
            packet.reasonCode = MQTTReasonCode(code)
            guard packet.reasonCode.isValid(for: .disconnect) else {
                throw .invalidReasonCode(packetType: .disconnect, code: code)
            }
            if !reader.isAtEnd {
                packet.properties = try MQTTProperties.decode(from: &reader, context: .disconnect)
            }
        }
        try reader.expectEnd()
        return packet
    }

    // Always inlined: a caller with a constant version keeps only its code (MQTTEncoder.encode311).
    @inline(__always)
    func encode(version: MQTTProtocolVersion, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        let writeCode = version == .v5 && (reasonCode != .normalDisconnection || !properties.isEmpty)
        let writeProperties = version == .v5 && !properties.isEmpty
        var remaining = 0
        var propertiesLength = 0
        if writeCode {
            guard reasonCode.isValid(for: .disconnect) else {
                throw .invalidReasonCode(packetType: .disconnect, code: reasonCode)
            }
            remaining += 1
        }
        if writeProperties {
            propertiesLength = try properties.encodedBodyLength(context: .disconnect)
            remaining += MQTTProperties.sectionLength(bodyLength: propertiesLength)
        }
        let headerSize = try EncodingSize.fixedHeader(remainingLength: remaining)
        buffer.writeFixedHeader(.disconnect, flags: 0, remainingLength: remaining, headerSize: headerSize)
        if writeCode { buffer.append(reasonCode.rawValue) }
        if writeProperties { properties.write(into: &buffer, bodyLength: propertiesLength) }
    }
}
