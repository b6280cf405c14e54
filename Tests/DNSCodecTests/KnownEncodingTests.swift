import DNSCodec
import Testing

/// Hand-built messages decode to exactly the expected values, compression pointers included.
@Suite(.timeLimit(.minutes(1))) struct KnownEncodingTests {
    /// www.example.com A → CNAME web.example.com (compressed against the question) → A 192.0.2.1.
    static let compressedReply: [UInt8] =
        header(id: 0x1234, flags: 0x8180, qd: 1, an: 2)
        // offset 12: question www.example.com A IN
        + wireName("www", "example", "com") + u16(1) + u16(1)
        // offset 33: www.example.com (pointer to 12) CNAME web + pointer to example.com (offset 16)
        + [0xC0, 0x0C] + u16(5) + u16(1) + u32(300) + u16(6) + [3] + Array("web".utf8) + [0xC0, 0x10]
        // offset 51: web.example.com (pointer to 45, the CNAME's RDATA) A 192.0.2.1
        + [0xC0, 0x2D] + u16(1) + u16(1) + u32(60) + u16(4) + [192, 0, 2, 1]

    @Test func decodesCompressedReply() throws {
        let bytes = Self.compressedReply
        #expect(bytes.count == 67)
        let message = try DNSMessage.decode(bytes)
        #expect(message.header.id == 0x1234)
        #expect(message.header.isResponse && message.header.recursionDesired && message.header.recursionAvailable)
        #expect(!message.header.isAuthoritative && !message.header.isTruncated)
        #expect(message.responseCode == .NOERROR)
        #expect(message.questions == [DNSQuestion(name: name("www.example.com"), type: .A, class: .IN)])
        #expect(
            message.answers == [
                DNSResourceRecord(name: name("www.example.com"), ttl: 300, data: .cname(name("web.example.com"))),
                DNSResourceRecord(name: name("web.example.com"), ttl: 60, data: .a(DNSIPv4Address(192, 0, 2, 1))),
            ])
        #expect(message.authorities.isEmpty && message.additionals.isEmpty)
        // The encoder compresses the same way, so the bytes come back exactly.
        #expect(message.encode() == bytes)
    }

    @Test func decodesEveryTypedRecordFromBytes() throws {
        let owner = wireName("h", "test")  // at offset 12
        let ptr: [UInt8] = [0xC0, 0x0C]
        let bytes =
            header(id: 1, flags: 0x8400, qd: 1, an: 8, ar: 1) + owner + u16(255) + u16(1)
            + record(owner: ptr, type: 1, rdata: [10, 0, 0, 1])
            + record(owner: ptr, type: 28, rdata: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1])
            + record(owner: ptr, type: 2, rdata: [2] + Array("ns".utf8) + ptr)
            + record(owner: ptr, type: 12, rdata: ptr)
            + record(owner: ptr, type: 15, rdata: u16(20) + [2] + Array("mx".utf8) + ptr)
            + record(
                owner: ptr, type: 6,
                rdata: ptr + [5] + Array("admin".utf8) + ptr + u32(1) + u32(2) + u32(3) + u32(4) + u32(5))
            + record(owner: ptr, type: 16, rdata: [2] + Array("hi".utf8) + [0])
            + record(owner: ptr, type: 99, rdata: [1, 2, 3])
            + [0] + u16(41) + u16(4096) + u32(0x0000_8000) + u16(6) + u16(10) + u16(2) + [0xAA, 0xBB]
        let message = try DNSMessage.decode(bytes)
        let h = name("h.test")
        #expect(message.header.isAuthoritative)
        #expect(message.questions[0].type == .ANY)
        #expect(
            message.answers.map(\.data) == [
                .a(DNSIPv4Address(10, 0, 0, 1)),
                .aaaa(DNSIPv6Address(groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])),
                .ns(name("ns.h.test")),
                .ptr(h),
                .mx(preference: 20, exchange: name("mx.h.test")),
                .soa(
                    DNSSOAData(
                        mname: h, rname: name("admin.h.test"), serial: 1, refresh: 2, retry: 3, expire: 4,
                        minimum: 5)),
                .txt([Array("hi".utf8), []]),
                .unknown(type: DNSRecordType(99), data: [1, 2, 3]),
            ])
        #expect(message.answers.allSatisfy { $0.name == h && $0.ttl == 300 && $0.class == .IN })
        let edns = try #require(message.edns)
        #expect(edns.udpPayloadSize == 4096)
        #expect(edns.dnssecOK)
        #expect(edns.version == 0)
        #expect(edns.options == [DNSEDNSOption(code: 10, data: [0xAA, 0xBB])])
    }

    /// A pointer may point back into the header bytes; the strict rule only asks for backward jumps.
    @Test func pointerChainsStrictlyBackwardAreAccepted() throws {
        // Question name "a" + pointer to "b.c" stored earlier? Build: q1 = b.c at 12, q2 = a + ptr(12),
        // q3 = x + ptr(q2) — a chain of two jumps, each further back.
        let q1 = wireName("b", "c") + u16(1) + u16(1)  // 12..<21
        let q2 = [1] + Array("a".utf8) + [0xC0, 12] + u16(1) + u16(1)  // 21..<29
        let q3 = [1] + Array("x".utf8) + [0xC0, 21] + u16(1) + u16(1)
        let message = try DNSMessage.decode(header(flags: 0, qd: 3) + q1 + q2 + q3)
        #expect(message.questions.map(\.name) == [name("b.c"), name("a.b.c"), name("x.a.b.c")])
    }

    @Test func peekHeader() {
        #expect(DNSMessage.peekHeader([0x12]) == nil)
        let peeked = DNSMessage.peekHeader([0x12, 0x34, 0x82, 0x03])
        #expect(peeked?.id == 0x1234)
        #expect(peeked?.isResponse == true)
        #expect(peeked?.isTruncated == true)
        #expect(peeked?.responseCode == .NXDOMAIN)
    }

    @Test func acceptingTruncationKeepsCompleteRecords() throws {
        var message = seedLikeReply()
        message.header.isTruncated = true
        let bytes = message.encode()
        // Cut in the middle of the 5th answer record (owner pointer, type, class, then 1 byte of the TTL).
        let prefixMessage = DNSMessage(
            header: message.header, questions: message.questions, answers: Array(message.answers.prefix(4)))
        let prefixLength = prefixMessage.encode().count
        let cut = Array(bytes[0..<(prefixLength + 7)])
        #expect(decodeError(cut) == .truncated(offset: prefixLength + 6))
        let partial = try DNSMessage.decode(cut, acceptingTruncation: true)
        #expect(partial.answers == Array(message.answers.prefix(4)))
        #expect(partial.authorities.isEmpty && partial.additionals.isEmpty)
        #expect(partial.header.isTruncated)
        // Without TC the same cut stays an error even when truncation is accepted.
        var noTC = cut
        noTC[2] &= ~0x02
        #expect(throws: DNSDecodeError.truncated(offset: prefixLength + 6)) {
            try DNSMessage.decode(noTC, acceptingTruncation: true)
        }
        // Other errors are not forgiven by TC.
        var bad = cut
        bad[prefixLength] = 0x40
        #expect(throws: DNSDecodeError.badLabelType(offset: prefixLength)) {
            try DNSMessage.decode(bad, acceptingTruncation: true)
        }
    }
}
