/// A packet a server sends to an MQTT 3.1.1 client that publishes and subscribes at QoS 0 and 1 and never
/// unsubscribes, as ``MQTTFrameDecoder/nextFrom311QoS1Server()`` decodes it: only what such a client reads, with the
/// topic as its UTF-8 bytes. CONNACK, PUBLISH and PUBACK are checked by the packets' own decoders, SUBACK by a loop
/// over `SubAckPacket.isValidV3ReturnCode` (its decoder would build `MQTTReasonCode`s and an empty property list:
/// 0.7 KB more in a firmware's image); the fuzz target and the tests hold both decoders to the same packets and
/// errors. A client that reads with this alone carries neither ``MQTTPacket`` (whose values hold every packet type)
/// nor properties.
public enum MQTT311ClientPacket: Equatable, Sendable {
    /// CONNACK: whether the server had a session, and the return code.
    case connack(sessionPresent: Bool, returnCode: MQTTConnectReturnCode)
    /// PUBLISH at QoS 0 or 1 (QoS 2 is refused: such a client never subscribes at QoS 2).
    case publish(topic: [UInt8], payload: [UInt8], qos: MQTTQoS, retain: Bool, dup: Bool, packetIdentifier: UInt16?)
    /// PUBACK.
    case puback(packetIdentifier: UInt16)
    /// SUBACK: the return code of each filter (0x80 is a refusal).
    case suback(packetIdentifier: UInt16, returnCodes: [UInt8])
    /// PINGRESP.
    case pingresp

    /// The same packet as the general decoder's ``MQTTPacket``, or `nil` for a packet this type does not hold.
    public init?(_ packet: MQTTPacket) {
        switch packet {
        case .connack(let connack):
            guard let returnCode = connack.returnCode else { return nil }
            self = .connack(sessionPresent: connack.sessionPresent, returnCode: returnCode)
        case .publish(let publish) where publish.qos != .exactlyOnce:
            self = .publish(
                topic: Array(publish.topic.utf8), payload: publish.payload, qos: publish.qos, retain: publish.retain,
                dup: publish.dup, packetIdentifier: publish.packetIdentifier)
        case .puback(let ack): self = .puback(packetIdentifier: ack.packetIdentifier)
        case .suback(let ack):
            self = .suback(packetIdentifier: ack.packetIdentifier, returnCodes: ack.reasonCodes.map { $0.rawValue })
        case .pingresp: self = .pingresp
        default: return nil
        }
    }
}

extension MQTTDecoder {
    /// The body of a packet a server sends to a 3.1.1 QoS 0/1 client: CONNACK, PUBLISH at QoS 0 or 1, PUBACK,
    /// SUBACK, PINGRESP. Every other packet throws ``MQTTDecodeError/unexpectedPacketType(_:)`` (PUBLISH at QoS 2,
    /// PUBREC, PUBREL, PUBCOMP, UNSUBACK: such a client asks for none of them; DISCONNECT: a 3.1.1 server never sends
    /// one; the packets only a client sends).
    static func decode311QoS1ClientBody(_ bytes: [UInt8], at start: Int, header: MQTTFixedHeader)
        throws(MQTTDecodeError) -> MQTT311ClientPacket
    {
        var reader = ByteReader(bytes: bytes, at: start, header: header)
        switch header.packetType {
        case .connack:
            let connack = try ConnAckPacket.decode(from: &reader, version: .v3_1_1)
            // Decoded with 3.1.1's rules, the reason code is one of the return codes.
            let returnCode = connack.returnCode ?? .serverUnavailable
            return .connack(sessionPresent: connack.sessionPresent, returnCode: returnCode)
        case .publish:
            let fields = try PublishPacket.decodeFields(from: &reader, flags: header.flags, version: .v3_1_1)
            guard fields.qos != .exactlyOnce else { throw .unexpectedPacketType(.publish) }
            return .publish(
                topic: Array(reader.bytes[fields.topic]), payload: reader.readRest(), qos: fields.qos,
                retain: header.flags & 0x01 != 0, dup: header.flags & 0x08 != 0,
                packetIdentifier: fields.packetIdentifier)
        case .puback:
            return .puback(
                packetIdentifier: try PublishAckPacket.decode(from: &reader, version: .v3_1_1).packetIdentifier)
        case .suback:
            // As SubAckPacket.decode in 3.1.1, without its MQTTReasonCode array.
            let packetIdentifier = try reader.readPacketIdentifier()
            if reader.isAtEnd { throw .emptyPayload(packetType: .suback) }
            var returnCodes: [UInt8] = []
            while !reader.isAtEnd {
                let code = try reader.readUInt8()
                guard SubAckPacket.isValidV3ReturnCode(code) else {
                    throw .invalidReasonCode(packetType: .suback, code: code)
                }
                returnCodes.append(code)
            }
            return .suback(packetIdentifier: packetIdentifier, returnCodes: returnCodes)
        case .pingresp:
            try reader.expectEnd()
            return .pingresp
        default:
            throw .unexpectedPacketType(header.packetType)
        }
    }
}
