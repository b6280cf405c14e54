import CodecTestSupport
import DNSCodec

/// A name in uncompressed wire form from its text labels.
func wireName(_ labels: String...) -> [UInt8] {
    var bytes: [UInt8] = []
    for label in labels {
        bytes.append(UInt8(label.utf8.count))
        bytes.append(contentsOf: label.utf8)
    }
    bytes.append(0)
    return bytes
}

func u16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

func u32(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

/// A header with the given counts.
func header(id: UInt16 = 0x1234, flags: UInt16 = 0x8180, qd: UInt16 = 1, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0)
    -> [UInt8]
{
    u16(id) + u16(flags) + u16(qd) + u16(an) + u16(ns) + u16(ar)
}

/// A record with an owner already in wire form.
func record(owner: [UInt8], type: UInt16, class rclass: UInt16 = 1, ttl: UInt32 = 300, rdata: [UInt8]) -> [UInt8] {
    owner + u16(type) + u16(rclass) + u32(ttl) + u16(UInt16(rdata.count)) + rdata
}

func name(_ text: String) -> DNSName {
    do {
        return try DNSName(text)
    } catch {
        preconditionFailure("bad test name \(text): \(error)")
    }
}

/// Decodes and returns the error, or nil if decoding succeeded.
func decodeError(_ bytes: [UInt8]) -> DNSDecodeError? {
    do {
        _ = try DNSMessage.decode(bytes)
        return nil
    } catch {
        return error
    }
}

/// A reply shaped like the seed's: a 42-character name through three CNAMEs to many A records, with name
/// servers and glue.
func seedLikeReply() -> DNSMessage {
    let qname = name("a1b2c3d4e-ats.iot.eu-west-1.amazonaws.test")
    let hop1 = name("a1b2c3d4e.iot.eu-west-1.amazonaws.test")
    let hop2 = name("iotmoonraker-eu-west-1-prod-xxxx.elb.eu-west-1.amazonaws.test")
    let edge = name("edge-0123456789abcdef.elb.eu-west-1.amazonaws.test")
    var message = DNSMessage(
        header: DNSHeader(id: 0xBEEF, isResponse: true, isAuthoritative: true, recursionDesired: true),
        questions: [DNSQuestion(name: qname, type: .A)])
    message.answers = [
        DNSResourceRecord(name: qname, ttl: 300, data: .cname(hop1)),
        DNSResourceRecord(name: hop1, ttl: 300, data: .cname(hop2)),
        DNSResourceRecord(name: hop2, ttl: 60, data: .cname(edge)),
    ]
    for index in 1...16 {
        message.answers.append(DNSResourceRecord(name: edge, ttl: 5, data: .a(DNSIPv4Address(192, 0, 2, UInt8(index)))))
    }
    let zone = name("amazonaws.test")
    for index in 1...4 {
        let server = name("ns-\(index).awsdns-\(index).amazonaws.test")
        message.authorities.append(DNSResourceRecord(name: zone, ttl: 3600, data: .ns(server)))
        message.additionals.append(
            DNSResourceRecord(name: server, ttl: 3600, data: .a(DNSIPv4Address(198, 51, 100, UInt8(index)))))
        message.additionals.append(
            DNSResourceRecord(
                name: server, ttl: 3600,
                data: .aaaa(DNSIPv6Address(groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0, UInt16(index)]))))
    }
    message.additionals.append(DNSResourceRecord(opt: DNSOPTRecord(udpPayloadSize: 1232)))
    return message
}
