/// AUTH: an extended authentication exchange step (MQTT 5 only, §3.15).
///
/// Reason code and properties are omitted on the wire when the code is Success and there are no properties.
public struct AuthPacket: Sendable, Equatable, Hashable {
    /// Authenticate reason code: Success, Continue authentication or Re-authenticate.
    public var reasonCode: MQTTReasonCode
    /// Properties (Authentication Method, Authentication Data, Reason String, User Property).
    public var properties: MQTTProperties

    /// Creates an AUTH packet.
    public init(reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = MQTTProperties()) {
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension AuthPacket {
    static func decode(from reader: inout ByteReader) throws(MQTTDecodeError) -> AuthPacket {
        var packet = AuthPacket()
        if !reader.isAtEnd {
            let code = try reader.readUInt8()
            packet.reasonCode = MQTTReasonCode(code)
            guard packet.reasonCode.isValid(for: .auth) else { throw .invalidReasonCode(packetType: .auth, code: code) }
            if !reader.isAtEnd {
                packet.properties = try MQTTProperties.decode(from: &reader, context: .auth)
            }
        }
        try reader.expectEnd()
        return packet
    }

    func encode(version: MQTTProtocolVersion, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        guard version == .v5 else { throw .packetTypeNotSupported(.auth, version: version) }
        let writeCode = reasonCode != .success || !properties.isEmpty
        var remaining = 0
        var propertiesLength = 0
        if writeCode {
            guard reasonCode.isValid(for: .auth) else { throw .invalidReasonCode(packetType: .auth, code: reasonCode) }
            propertiesLength = try properties.encodedBodyLength(context: .auth)
            remaining = 1 + MQTTProperties.sectionLength(bodyLength: propertiesLength)
        }
        let headerSize = try EncodingSize.fixedHeader(remainingLength: remaining)
        buffer.writeFixedHeader(.auth, flags: 0, remainingLength: remaining, headerSize: headerSize)
        if writeCode {
            buffer.append(reasonCode.rawValue)
            properties.write(into: &buffer, bodyLength: propertiesLength)
        }
    }
}
