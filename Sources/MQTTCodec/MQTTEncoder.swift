/// Encodes control packets to bytes.
///
/// Each packet is validated and sized completely before anything is written, then written straight into the
/// destination buffer after one `reserveCapacity`, so a failed encode leaves the buffer untouched. Fields the
/// chosen version cannot carry (properties, MQTT 5 reason codes and subscription options in 3.1.1) are dropped;
/// values whose meaning would change (a CONNACK or SUBACK code with no 3.1.1 equivalent, AUTH in 3.1.1) throw.
public enum MQTTEncoder {
    /// Appends the encoding of `packet` for `version` to `buffer`.
    public static func encode(_ packet: MQTTPacket, version: MQTTProtocolVersion, into buffer: inout [UInt8])
        throws(MQTTEncodeError)
    {
        switch packet {
        case .connect(let p): try p.encode(version: version, into: &buffer)
        case .connack(let p): try p.encode(version: version, into: &buffer)
        case .publish(let p): try p.encode(version: version, into: &buffer)
        case .puback(let p): try p.encode(type: .puback, version: version, into: &buffer)
        case .pubrec(let p): try p.encode(type: .pubrec, version: version, into: &buffer)
        case .pubrel(let p): try p.encode(type: .pubrel, version: version, into: &buffer)
        case .pubcomp(let p): try p.encode(type: .pubcomp, version: version, into: &buffer)
        case .subscribe(let p): try p.encode(version: version, into: &buffer)
        case .suback(let p): try p.encode(version: version, into: &buffer)
        case .unsubscribe(let p): try p.encode(version: version, into: &buffer)
        case .unsuback(let p): try p.encode(version: version, into: &buffer)
        case .pingreq: buffer.append(contentsOf: [MQTTPacketType.pingreq.rawValue << 4, 0])
        case .pingresp: buffer.append(contentsOf: [MQTTPacketType.pingresp.rawValue << 4, 0])
        case .disconnect(let p): try p.encode(version: version, into: &buffer)
        case .auth(let p): try p.encode(version: version, into: &buffer)
        }
    }

    /// Returns the encoding of `packet` for `version`.
    public static func encode(_ packet: MQTTPacket, version: MQTTProtocolVersion) throws(MQTTEncodeError) -> [UInt8] {
        var buffer: [UInt8] = []
        try encode(packet, version: version, into: &buffer)
        return buffer
    }

    /// Appends a PUBLISH without wrapping it in ``MQTTPacket`` (the hot path of a publishing client).
    public static func encode(_ publish: PublishPacket, version: MQTTProtocolVersion, into buffer: inout [UInt8])
        throws(MQTTEncodeError)
    {
        try publish.encode(version: version, into: &buffer)
    }
}
