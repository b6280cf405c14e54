import DNSCodec
import Testing

/// Every malformed input gives its exact error.
@Suite(.timeLimit(.minutes(1))) struct MalformedMessageTests {
    static let question = wireName("h", "test") + u16(1) + u16(1)  // 12..<24
    static let owner: [UInt8] = [0xC0, 0x0C]

    /// A reply with one answer record whose RDATA is given.
    static func reply(type: UInt16, rdata: [UInt8], class rclass: UInt16 = 1) -> [UInt8] {
        header(qd: 1, an: 1) + question + record(owner: owner, type: type, class: rclass, rdata: rdata)
    }

    /// Where the RDATA of ``reply(type:rdata:)`` starts: 24 + owner 2 + type/class/ttl/rdlength 10.
    static let rdataStart = 36

    @Test func shortHeader() {
        #expect(decodeError([]) == .truncated(offset: 0))
        #expect(decodeError([0x12]) == .truncated(offset: 0))
        #expect(decodeError([0x12, 0x34, 0x81]) == .truncated(offset: 2))
        #expect(decodeError(Array(header().prefix(11))) == .truncated(offset: 10))
    }

    @Test func countsAreNotTrusted() {
        // QDCOUNT 1 with no question.
        #expect(decodeError(header(qd: 1)) == .truncated(offset: 12))
        // 65535 answers announced, none present: an error, not a large allocation or a crash.
        #expect(
            decodeError(header(qd: 1, an: 0xFFFF, ns: 0xFFFF, ar: 0xFFFF) + Self.question) == .truncated(offset: 24))
        #expect(decodeError(header(qd: 0xFFFF)) == .truncated(offset: 12))
        // Half a question: the name is there, the type is cut.
        #expect(decodeError(header(qd: 1) + wireName("h", "test") + [0]) == .truncated(offset: 20))
    }

    @Test func trailingBytesAreAnError() {
        let valid = header(qd: 1) + Self.question
        #expect(decodeError(valid) == nil)
        #expect(decodeError(valid + [0]) == .trailingBytes(offset: 24))
    }

    @Test func pointerToItself() {
        #expect(decodeError(header(qd: 1) + [0xC0, 0x0C] + u16(1) + u16(1)) == .pointerNotBackward(offset: 12))
        // After a label: "a" then a pointer at 14 to 14.
        #expect(
            decodeError(header(qd: 1) + [1, 0x61, 0xC0, 0x0E] + u16(1) + u16(1)) == .pointerNotBackward(offset: 14))
        // To the start of its own name (a loop through one label).
        #expect(
            decodeError(header(qd: 1) + [1, 0x61, 0xC0, 0x0C] + u16(1) + u16(1)) == .pointerNotBackward(offset: 14))
    }

    /// Two pointers pointing at each other: the answer's owner at 19 points to 17, where the question's class
    /// field holds a pointer back to 19.
    @Test func twoPointersPointingAtEachOther() {
        let bytes =
            header(qd: 1, an: 1) + [1, 0x78, 0] + u16(1) + [0xC0, 0x13]
            + record(owner: [0xC0, 0x11], type: 1, rdata: [1, 2, 3, 4])
        let clock = ContinuousClock()
        let start = clock.now
        #expect(decodeError(bytes) == .pointerNotBackward(offset: 17))
        #expect(clock.now - start < .seconds(10))
    }

    /// A longer cycle through several names, built only from backward-looking bytes until the last jump.
    @Test func longerLoopErrorsQuickly() {
        // q1 at 12: "a" + pointer to 12 would be rejected at once; instead chain 3 questions and close the
        // loop from the first one's class field.
        let q1 = [1, 0x61, 0] + u16(1) + [0xC0, 0x1D]  // class field (17,18) → pointer to 29
        let q2 = [1, 0x62, 0xC0, 0x11] + u16(1) + u16(1)  // 19..<27: "b" + pointer to 17
        let tail: [UInt8] = [0, 0]  // 27, 28
        let q3 = [0xC0, 0x15] + u16(1) + u16(1)  // 29: pointer to 21 (inside q2: pointer to 17 → 29 …)
        let bytes = header(qd: 3) + q1 + q2 + tail + q3
        // q2's name: "b", then the jump to 17 (< 19), whose pointer goes to 29: not below 17.
        #expect(decodeError(bytes) == .pointerNotBackward(offset: 17))
    }

    @Test func pointerPastTheEnd() {
        #expect(decodeError(header(qd: 1) + [0xC0, 0xFF] + u16(1) + u16(1)) == .pointerOutOfBounds(offset: 12))
        #expect(decodeError(header(qd: 1) + [0xFF, 0xFF] + u16(1) + u16(1)) == .pointerOutOfBounds(offset: 12))
        // A pointer whose second byte is missing.
        #expect(decodeError(header(qd: 1) + [0xC0]) == .truncated(offset: 12))
    }

    @Test func reservedLabelTypes() {
        #expect(decodeError(header(qd: 1) + [0x40, 0] + u16(1) + u16(1)) == .badLabelType(offset: 12))
        #expect(decodeError(header(qd: 1) + [0x80, 0] + u16(1) + u16(1)) == .badLabelType(offset: 12))
        #expect(decodeError(header(qd: 1) + [1, 0x61, 0x7F] + u16(1) + u16(1)) == .badLabelType(offset: 14))
        #expect(decodeError(header(qd: 1) + [1, 0x61, 0xBF, 0] + u16(1) + u16(1)) == .badLabelType(offset: 14))
    }

    @Test func labelRunsPastTheEnd() {
        #expect(decodeError(header(qd: 1) + [5, 0x61, 0x62]) == .truncated(offset: 12))
        // A name without its terminating root label.
        #expect(decodeError(header(qd: 1) + [1, 0x61]) == .truncated(offset: 14))
    }

    @Test func nameTooLongInPlace() {
        let label = [63] + [UInt8](repeating: 0x61, count: 63)
        let bytes = header(qd: 1) + label + label + label + label + [0] + u16(1) + u16(1)
        #expect(decodeError(bytes) == .nameTooLong(offset: 12))
        // 63+63+63+61 = 253 characters is the longest name and decodes.
        let last = [61] + [UInt8](repeating: 0x62, count: 61)
        #expect(decodeError(header(qd: 1) + label + label + label + last + [0] + u16(1) + u16(1)) == nil)
        let last62 = [62] + [UInt8](repeating: 0x62, count: 62)
        #expect(
            decodeError(header(qd: 1) + label + label + label + last62 + [0] + u16(1) + u16(1))
                == .nameTooLong(offset: 12))
    }

    /// Each part is short, but the decompressed name is over 255 octets.
    @Test func nameTooLongThroughCompression() {
        let label = [63] + [UInt8](repeating: 0x61, count: 63)
        let q1 = label + label + label + [0] + u16(1) + u16(1)  // 12..<209, 193 octets
        let q2 = label + [0xC0, 0x0C] + u16(1) + u16(1)  // 209: 64 + 193 = 257 octets
        #expect(decodeError(header(qd: 2) + q1 + q2) == .nameTooLong(offset: 209))
    }

    @Test func tooManyLabels() {
        let one: [UInt8] = [1, 0x78]
        let labels127 = [UInt8]((0..<127).flatMap { _ in one })
        #expect(decodeError(header(qd: 1) + labels127 + [0] + u16(1) + u16(1)) == nil)
        #expect(decodeError(header(qd: 1) + labels127 + one + [0] + u16(1) + u16(1)) == .tooManyLabels(offset: 12))
    }

    @Test func rdataLengthMustMatchTheType() {
        let start = Self.rdataStart
        #expect(decodeError(Self.reply(type: 1, rdata: [1, 2, 3, 4])) == nil)
        #expect(
            decodeError(Self.reply(type: 1, rdata: [1, 2, 3])) == .recordDataLengthMismatch(type: .A, offset: start))
        #expect(
            decodeError(Self.reply(type: 1, rdata: [1, 2, 3, 4, 5]))
                == .recordDataLengthMismatch(type: .A, offset: start))
        #expect(
            decodeError(Self.reply(type: 28, rdata: [1, 2, 3, 4]))
                == .recordDataLengthMismatch(type: .AAAA, offset: start))
        #expect(
            decodeError(Self.reply(type: 28, rdata: [UInt8](repeating: 0, count: 17)))
                == .recordDataLengthMismatch(type: .AAAA, offset: start))
        // A CNAME whose name ends before RDLENGTH.
        #expect(
            decodeError(Self.reply(type: 5, rdata: Self.owner + [0]))
                == .recordDataLengthMismatch(type: .CNAME, offset: start))
        // A CNAME whose name runs past RDLENGTH (the rest of the name is the next bytes of the message).
        let spill =
            header(qd: 1, an: 1) + Self.question + Self.owner + u16(5) + u16(1) + u32(1) + u16(2) + [
                3, 0x61, 0x62, 0x63, 0,
            ]
        #expect(decodeError(spill) == .recordDataLengthMismatch(type: .CNAME, offset: start))
        // A pointer split by RDLENGTH.
        let splitPointer =
            header(qd: 1, an: 1) + Self.question + Self.owner + u16(2) + u16(1) + u32(1) + u16(1) + [0xC0, 0x0C]
        #expect(decodeError(splitPointer) == .recordDataLengthMismatch(type: .NS, offset: start))
        // Empty RDATA for a name type.
        #expect(decodeError(Self.reply(type: 12, rdata: [])) == .recordDataLengthMismatch(type: .PTR, offset: start))
        // MX with only a preference, or a half one.
        #expect(decodeError(Self.reply(type: 15, rdata: [0])) == .recordDataLengthMismatch(type: .MX, offset: start))
        #expect(
            decodeError(Self.reply(type: 15, rdata: [0, 10])) == .recordDataLengthMismatch(type: .MX, offset: start))
        // SOA without its five numbers, or with one too many bytes.
        #expect(
            decodeError(Self.reply(type: 6, rdata: Self.owner + Self.owner + u32(1)))
                == .recordDataLengthMismatch(type: .SOA, offset: start))
        let soaFields = u32(1) + u32(2) + u32(3) + u32(4) + u32(5)
        #expect(decodeError(Self.reply(type: 6, rdata: Self.owner + Self.owner + soaFields)) == nil)
        #expect(
            decodeError(Self.reply(type: 6, rdata: Self.owner + Self.owner + soaFields + [0]))
                == .recordDataLengthMismatch(type: .SOA, offset: start))
        // A TXT string longer than what is left of the RDATA.
        #expect(
            decodeError(Self.reply(type: 16, rdata: [5, 0x61, 0x62]))
                == .recordDataLengthMismatch(type: .TXT, offset: start))
        #expect(
            decodeError(Self.reply(type: 16, rdata: [2, 0x61, 0x62, 1]))
                == .recordDataLengthMismatch(type: .TXT, offset: start))
        // RDLENGTH past the end of the message.
        let cut = header(qd: 1, an: 1) + Self.question + Self.owner + u16(1) + u16(1) + u32(1) + u16(4) + [1, 2]
        #expect(decodeError(cut) == .truncated(offset: start))
        // Fixed fields cut.
        #expect(
            decodeError(header(qd: 1, an: 1) + Self.question + Self.owner + u16(1) + u16(1) + [0])
                == .truncated(offset: 30))
    }

    @Test func badOPT() {
        let opt = [0] + u16(41) + u16(1232) + u32(0) + u16(0)
        let base = header(qd: 1, ar: 1) + Self.question
        #expect(decodeError(base + opt) == nil)
        // Two OPT records.
        #expect(decodeError(header(qd: 1, ar: 2) + Self.question + opt + opt) == .badOPT(offset: 24 + opt.count))
        // OPT in the answer or authority section.
        #expect(decodeError(header(qd: 1, an: 1) + Self.question + opt) == .badOPT(offset: 24))
        #expect(decodeError(header(qd: 1, ns: 1) + Self.question + opt) == .badOPT(offset: 24))
        // OPT with a non-root owner.
        #expect(decodeError(base + Self.owner + u16(41) + u16(1232) + u32(0) + u16(0)) == .badOPT(offset: 24))
        // An option that runs past the RDATA, and a partial option header.
        let overrun = [0] + u16(41) + u16(1232) + u32(0) + u16(6) + u16(10) + u16(8) + [1, 2]
        #expect(decodeError(base + overrun) == .badOPT(offset: 35))
        let partial = [0] + u16(41) + u16(1232) + u32(0) + u16(3) + [0, 10, 0]
        #expect(decodeError(base + partial) == .badOPT(offset: 35))
    }

    @Test func errorDescriptionsNameTheOffset() {
        #expect(DNSDecodeError.pointerNotBackward(offset: 17).description.contains("17"))
        #expect(DNSDecodeError.recordDataLengthMismatch(type: .AAAA, offset: 40).description.contains("AAAA"))
        #expect(DNSDecodeError.trailingBytes(offset: 3).offset == 3)
    }
}
