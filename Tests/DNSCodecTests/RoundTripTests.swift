import DNSCodec
import Testing

/// Every record type survives encode → decode, with and without name compression.
@Suite(.timeLimit(.minutes(1))) struct RoundTripTests {
    static let owner = name("host.example.test")

    static let samples: [DNSRecordData] = [
        .a(DNSIPv4Address(192, 0, 2, 7)),
        .aaaa(DNSIPv6Address(groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0xdead, 0xbeef])),
        .cname(name("target.example.test")),
        .ns(name("ns1.example.test")),
        .ptr(name("host.example.test")),
        .mx(preference: 10, exchange: name("mail.example.test")),
        .soa(
            DNSSOAData(
                mname: name("ns1.example.test"), rname: name("hostmaster.example.test"), serial: 2024_01_01,
                refresh: 7200, retry: 3600, expire: 1_209_600, minimum: 60)),
        .txt([Array("v=spf1 -all".utf8), [], [0, 1, 2, 255], [UInt8](repeating: 65, count: 255)]),
        .txt([]),
        .unknown(type: .SRV, data: [0, 10, 0, 5, 0x01, 0xBB, 0]),
        .unknown(type: DNSRecordType(65_280), data: []),
        .unknown(type: .CAA, data: Array("\u{0}\u{5}issueletsencrypt.org".utf8)),
    ]

    @Test(arguments: samples)
    func recordRoundTrips(_ data: DNSRecordData) throws {
        var message = DNSMessage(
            header: DNSHeader(id: 7, isResponse: true, recursionDesired: true, recursionAvailable: true),
            questions: [DNSQuestion(name: Self.owner, type: data.type)])
        message.answers = [DNSResourceRecord(name: Self.owner, ttl: 3600, data: data)]
        message.authorities = [DNSResourceRecord(name: name("example.test"), ttl: 60, data: data)]
        for compression in [true, false] {
            let bytes = message.encode(compression: compression)
            let decoded = try DNSMessage.decode(bytes)
            #expect(decoded == message)
            #expect(decoded.answers[0].type == data.type)
            // Byte-exact: re-encoding gives the same bytes.
            #expect(decoded.encode(compression: compression) == bytes)
        }
    }

    @Test func optRoundTrips() throws {
        let opt = DNSOPTRecord(
            udpPayloadSize: 1232, extendedResponseCode: 1, version: 0, dnssecOK: true, reservedFlags: 0x0101,
            options: [
                DNSEDNSOption(code: DNSEDNSOption.cookieCode, data: [1, 2, 3, 4, 5, 6, 7, 8]),
                DNSEDNSOption(code: DNSEDNSOption.paddingCode, data: []),
            ])
        var message = DNSMessage.query(id: 99, name: name("example.test"), type: .A)
        message.header.isResponse = true
        message.header.responseCode = DNSResponseCode(rawValue: 0)
        message.additionals = [DNSResourceRecord(opt: opt)]
        let bytes = message.encode()
        let decoded = try DNSMessage.decode(bytes)
        #expect(decoded == message)
        #expect(decoded.edns == opt)
        // Extended RCODE 1 with a header RCODE of 0 is BADVERS (16).
        #expect(decoded.responseCode == .BADVERS)
        #expect(decoded.additionals[0].class.rawValue == 1232)
        #expect(decoded.additionals[0].ttl == 0x0100_8101)
    }

    @Test func everyHeaderBitRoundTrips() throws {
        for bit in 0..<16 {
            let flags = UInt16(1) << bit
            let message = DNSMessage(header: DNSHeader(id: 0xFFFF, flags: flags))
            #expect(message.header.flags == flags)
            let decoded = try DNSMessage.decode(message.encode())
            #expect(decoded.header.flags == flags)
            #expect(decoded == message)
        }
        let header = DNSHeader(id: 1, flags: 0xFFFF)
        #expect(header.isResponse && header.isAuthoritative && header.isTruncated && header.recursionDesired)
        #expect(header.recursionAvailable && header.zero && header.authenticData && header.checkingDisabled)
        #expect(header.opcode.rawValue == 15)
        #expect(header.responseCode.rawValue == 15)
    }

    @Test func queryConvenience() throws {
        let plain = DNSMessage.query(id: 0x4242, name: name("example.test"), type: .AAAA)
        #expect(plain.header.recursionDesired)
        #expect(!plain.header.isResponse)
        #expect(plain.questions == [DNSQuestion(name: name("example.test"), type: .AAAA, class: .IN)])
        #expect(plain.additionals.isEmpty)
        #expect(plain.edns == nil)
        #expect(
            plain.encode() == header(id: 0x4242, flags: 0x0100, qd: 1) + wireName("example", "test") + u16(28) + u16(1))

        let edns = DNSMessage.query(
            id: 0x4242, name: name("example.test"), type: .A, recursionDesired: false, ednsPayloadSize: 1232)
        #expect(!edns.header.recursionDesired)
        #expect(edns.edns?.udpPayloadSize == 1232)
        // The OPT record: root owner, TYPE 41, CLASS 1232, TTL 0, RDLENGTH 0.
        let expected =
            header(id: 0x4242, flags: 0, qd: 1, ar: 1) + wireName("example", "test") + u16(1) + u16(1)
            + [0] + u16(41) + u16(1232) + u32(0) + u16(0)
        #expect(edns.encode() == expected)
        #expect(try DNSMessage.decode(expected) == edns)
    }

    @Test func seedLikeReplyRoundTripsAndCompresses() throws {
        let message = seedLikeReply()
        let compressed = message.encode()
        let plain = message.encode(compression: false)
        #expect(compressed.count < plain.count)
        #expect(compressed.count > 512)
        #expect(try DNSMessage.decode(compressed) == message)
        #expect(try DNSMessage.decode(plain) == message)
    }

    @Test func longTXTStringsAreSplitAt255() throws {
        let long = [UInt8](repeating: 0x61, count: 600)
        var message = DNSMessage(header: DNSHeader(id: 1, isResponse: true))
        message.answers = [DNSResourceRecord(name: name("t.test"), ttl: 1, data: .txt([long]))]
        let decoded = try DNSMessage.decode(message.encode())
        #expect(decoded.answers[0].data == .txt([Array(long[0..<255]), Array(long[255..<510]), Array(long[510...])]))
    }

    @Test func classSpecificTypesStayRawOutsideIN() throws {
        // A CHAOS-class A record has a different format, so it is kept as raw data.
        var message = DNSMessage(header: DNSHeader(id: 1, isResponse: true))
        message.answers = [
            DNSResourceRecord(name: name("x.test"), class: .CH, ttl: 0, data: .unknown(type: .A, data: [1, 2, 3]))
        ]
        #expect(try DNSMessage.decode(message.encode()) == message)
    }

    @Test func presentation() throws {
        let message = seedLikeReply()
        let text = message.description
        #expect(text.contains("status: NOERROR"))
        #expect(text.contains("flags: qr aa rd;"))
        #expect(
            text.contains(
                "a1b2c3d4e-ats.iot.eu-west-1.amazonaws.test. 300 IN CNAME a1b2c3d4e.iot.eu-west-1.amazonaws.test."))
        #expect(text.contains("IN A 192.0.2.16"))
        #expect(text.contains("IN AAAA 2001:db8::4"))
        #expect(text.contains("udp: 1232"))
        let txt = DNSRecordData.txt([Array("say \"hi\"".utf8), [7]])
        #expect(txt.description == "\"say \\\"hi\\\"\" \"\\007\"")
        #expect(DNSRecordData.unknown(type: .SRV, data: [0xAB, 0x01]).description == "\\# 2 ab01")
        #expect(DNSRecordData.mx(preference: 5, exchange: name("mx.test")).description == "5 mx.test.")
    }
}
