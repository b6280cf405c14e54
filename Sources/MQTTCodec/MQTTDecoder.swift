/// Decodes control packets from bytes.
///
/// CONNECT is always parsed according to the protocol level it carries, since a server cannot know the version
/// before it; every other packet is parsed according to the version given by the caller.
public enum MQTTDecoder {
    /// Decodes exactly one packet filling all of `bytes`.
    ///
    /// Throws ``MQTTDecodeError/incompletePacket(expected:available:)`` if `bytes` ends early and
    /// ``MQTTDecodeError/trailingBytes(packetType:count:)`` if bytes follow the packet.
    public static func decode(
        _ bytes: [UInt8],
        version: MQTTProtocolVersion,
        maximumPacketSize: Int = Int.max
    ) throws(MQTTDecodeError) -> MQTTPacket {
        guard let header = try parseFixedHeader(bytes, at: 0, version: version, maximumPacketSize: maximumPacketSize)
        else {
            throw .incompletePacket(expected: bytes.count + 1, available: bytes.count)
        }
        if header.packetLength > bytes.count {
            throw .incompletePacket(expected: header.packetLength, available: bytes.count)
        }
        if header.packetLength < bytes.count {
            throw .trailingBytes(packetType: header.packetType, count: bytes.count - header.packetLength)
        }
        return try decodeBody(bytes, at: 0, header: header, version: version).packet
    }

    /// Parses the fixed header at `start`, or returns `nil` if more bytes are needed to finish it.
    ///
    /// Checks the packet type, its flags and the remaining length encoding, and rejects a packet larger than
    /// `maximumPacketSize` as soon as its length is known.
    public static func parseFixedHeader(
        _ bytes: [UInt8],
        at start: Int,
        version: MQTTProtocolVersion,
        maximumPacketSize: Int = Int.max
    ) throws(MQTTDecodeError) -> MQTTFixedHeader? {
        guard start >= 0, start < bytes.count else { return nil }
        let first = bytes[start]
        let rawType = first >> 4
        let flags = first & 0x0F
        guard rawType != 0, let packetType = MQTTPacketType(rawValue: rawType), packetType.exists(in: version) else {
            throw .reservedPacketType(rawType)
        }
        if let required = packetType.requiredFlags {
            if flags != required { throw .invalidFixedHeaderFlags(packetType: packetType, flags: flags) }
        } else {
            let qos = (flags >> 1) & 0x03
            if qos == 3 { throw .invalidQoS(packetType: .publish, offset: 0) }
            if qos == 0 && flags & 0x08 != 0 { throw .dupWithQoS0 }
        }
        switch VariableByteInteger.decode(bytes, at: start + 1) {
        case .needMoreBytes:
            return nil
        case .malformed:
            throw .malformedRemainingLength
        case .value(let remainingLength, let length):
            let header = MQTTFixedHeader(
                packetType: packetType,
                flags: flags,
                remainingLength: remainingLength,
                headerLength: 1 + length
            )
            if header.packetLength > maximumPacketSize {
                throw .packetTooLarge(size: header.packetLength, maximum: maximumPacketSize)
            }
            return header
        }
    }

    /// Decodes the body of a packet whose fixed header was parsed at `start` and whose bytes are all present.
    ///
    /// Returns the packet and the version it was decoded with (a CONNECT's own protocol level).
    static func decodeBody(
        _ bytes: [UInt8],
        at start: Int,
        header: MQTTFixedHeader,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodeError) -> (packet: MQTTPacket, version: MQTTProtocolVersion) {
        var reader = ByteReader(bytes: bytes, at: start, header: header)
        switch header.packetType {
        case .connect:
            let (connect, connectVersion) = try ConnectPacket.decode(from: &reader)
            return (.connect(connect), connectVersion)
        case .subscribe:
            return (.subscribe(try SubscribePacket.decode(from: &reader, version: version)), version)
        case .unsubscribe:
            return (.unsubscribe(try UnsubscribePacket.decode(from: &reader, version: version)), version)
        case .pingreq:
            try reader.expectEnd()
            return (.pingreq, version)
        default:
            return (try decodeServerBody(from: &reader, header: header, version: version), version)
        }
    }

    /// Decodes the body of a packet a server sends to a client: CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP,
    /// SUBACK, UNSUBACK, PINGRESP, DISCONNECT and AUTH. The packets only a client sends (CONNECT, SUBSCRIBE,
    /// UNSUBSCRIBE, PINGREQ) throw ``MQTTDecodeError/unexpectedPacketType(_:)``: a client that decodes with this
    /// alone (``MQTTFrameDecoder/nextFromServer()``) does not carry their decoders. Always inlined, with the packets'
    /// decoders, so that a caller that passes a constant `version` (``MQTTFrameDecoder/nextFrom311Server()``) keeps
    /// only that version's code.
    @inline(__always)
    static func decodeServerBody(
        from reader: inout ByteReader,
        header: MQTTFixedHeader,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodeError) -> MQTTPacket {
        switch header.packetType {
        case .connack:
            return .connack(try ConnAckPacket.decode(from: &reader, version: version))
        case .publish:
            return .publish(try PublishPacket.decode(from: &reader, flags: header.flags, version: version))
        case .puback:
            return .puback(try PublishAckPacket.decode(from: &reader, version: version))
        case .pubrec:
            return .pubrec(try PublishAckPacket.decode(from: &reader, version: version))
        case .pubrel:
            return .pubrel(try PublishAckPacket.decode(from: &reader, version: version))
        case .pubcomp:
            return .pubcomp(try PublishAckPacket.decode(from: &reader, version: version))
        case .suback:
            return .suback(try SubAckPacket.decode(from: &reader, version: version))
        case .unsuback:
            return .unsuback(try UnsubAckPacket.decode(from: &reader, version: version))
        case .pingresp:
            try reader.expectEnd()
            return .pingresp
        case .disconnect:
            return .disconnect(try DisconnectPacket.decode(from: &reader, version: version))
        case .auth:
            // MQTT 3.1.1 has no AUTH (its fixed header is refused first; checked here too, so that a 3.1.1 client's
            // decoding carries no AUTH decoder).
            guard version == .v5 else { throw .reservedPacketType(MQTTPacketType.auth.rawValue) }
            return .auth(try AuthPacket.decode(from: &reader))
        case .connect, .subscribe, .unsubscribe, .pingreq:
            throw .unexpectedPacketType(header.packetType)
        }
    }

    /// ``decodeServerBody(from:header:version:)`` for a packet whose fixed header was parsed at `start` and whose
    /// bytes are all present.
    @inline(__always)
    static func decodeServerBody(
        _ bytes: [UInt8],
        at start: Int,
        header: MQTTFixedHeader,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodeError) -> MQTTPacket {
        var reader = ByteReader(bytes: bytes, at: start, header: header)
        return try decodeServerBody(from: &reader, header: header, version: version)
    }
}
