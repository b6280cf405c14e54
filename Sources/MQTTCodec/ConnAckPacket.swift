/// CONNACK: the server's answer to CONNECT (§3.2).
///
/// Both versions store an ``MQTTReasonCode``; a 3.1.1 return code is mapped through ``MQTTConnectReturnCode``.
public struct ConnAckPacket: Sendable, Equatable, Hashable {
    /// Whether the server resumed an existing session.
    public var sessionPresent: Bool
    /// The connect reason code (MQTT 5) or the mapped 3.1.1 return code.
    public var reasonCode: MQTTReasonCode
    /// CONNACK properties (MQTT 5 only; dropped when encoding 3.1.1).
    public var properties: MQTTProperties

    /// Creates a CONNACK packet.
    public init(
        sessionPresent: Bool = false,
        reasonCode: MQTTReasonCode = .success,
        properties: MQTTProperties = MQTTProperties()
    ) {
        self.sessionPresent = sessionPresent
        self.reasonCode = reasonCode
        self.properties = properties
    }

    /// Creates a CONNACK packet from a 3.1.1 return code.
    public init(sessionPresent: Bool = false, returnCode: MQTTConnectReturnCode) {
        self.init(sessionPresent: sessionPresent, reasonCode: returnCode.reasonCode)
    }

    /// The 3.1.1 return code equivalent to ``reasonCode``, if there is one.
    public var returnCode: MQTTConnectReturnCode? { MQTTConnectReturnCode(reasonCode: reasonCode) }
}

extension ConnAckPacket {
    // Always inlined: a caller with a constant version keeps only its code (MQTTDecoder.decodeServerBody).
    @inline(__always)
    static func decode(from reader: inout ByteReader, version: MQTTProtocolVersion) throws(MQTTDecodeError)
        -> ConnAckPacket
    {
        let flags = try reader.readUInt8()
        if flags & 0xFE != 0 { throw .invalidConnAckFlags(flags) }
        let code = try reader.readUInt8()
        let reasonCode: MQTTReasonCode
        var properties = MQTTProperties()
        if version == .v5 {
            reasonCode = MQTTReasonCode(code)
            guard reasonCode.isValid(for: .connack) else { throw .invalidReasonCode(packetType: .connack, code: code) }
            properties = try MQTTProperties.decode(from: &reader, context: .connack)
        } else {
            guard let returnCode = MQTTConnectReturnCode(rawValue: code) else {
                throw .invalidReasonCode(packetType: .connack, code: code)
            }
            reasonCode = returnCode.reasonCode
        }
        try reader.expectEnd()
        let sessionPresent = flags & 0x01 != 0
        if sessionPresent && reasonCode.isFailure { throw .sessionPresentWithFailure }
        return ConnAckPacket(sessionPresent: sessionPresent, reasonCode: reasonCode, properties: properties)
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        if sessionPresent && reasonCode.isFailure { throw .sessionPresentWithFailure }
        let code: UInt8
        var remaining = 2
        var propertiesLength = 0
        if version == .v5 {
            guard reasonCode.isValid(for: .connack) else {
                throw .invalidReasonCode(packetType: .connack, code: reasonCode)
            }
            code = reasonCode.rawValue
            propertiesLength = try properties.encodedBodyLength(context: .connack)
            remaining += MQTTProperties.sectionLength(bodyLength: propertiesLength)
        } else {
            guard let returnCode else { throw .invalidReasonCode(packetType: .connack, code: reasonCode) }
            code = returnCode.rawValue
        }
        let headerSize = try EncodingSize.fixedHeader(remainingLength: remaining)
        buffer.writeFixedHeader(.connack, flags: 0, remainingLength: remaining, headerSize: headerSize)
        buffer.append(sessionPresent ? 1 : 0)
        buffer.append(code)
        if version == .v5 { properties.write(into: &buffer, bodyLength: propertiesLength) }
    }
}
