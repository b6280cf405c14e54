import ATCodec
import Testing

/// The command line limit at its boundary: a line of exactly `maximumLineLength` bytes (terminator excluded) is a
/// line; one byte more is ``ATLineFramer/Event/lineTooLong(_:)``, whatever the terminator and however the bytes
/// arrive.
@Suite("AT line limit: exactly the limit, and one byte over", .timeLimit(.minutes(1)))
struct LineLimitBoundaryTests {
    static let terminators: [[UInt8]] = [[0x0D], [0x0A], [0x0D, 0x0A]]

    static func line(_ count: Int) -> [UInt8] {
        Array("AT+S.SCFG=x,".utf8) + Array(repeating: UInt8(ascii: "0"), count: count - 12)
    }

    /// Every event the framer gives for `bytes`, fed whole or one byte at a time.
    static func events(_ bytes: [UInt8], limit: Int, byteByByte: Bool) -> [ATLineFramer.Event] {
        var framer = ATLineFramer(maximumLineLength: limit)
        var events: [ATLineFramer.Event] = []
        let chunks = byteByByte ? bytes.map { [$0] } : [bytes]
        for chunk in chunks {
            framer.append(contentsOf: chunk)
            while let event = framer.next() { events.append(event) }
        }
        return events
    }

    @Test("at the limit: a line; one over: lineTooLong", arguments: [16, 64, 512])
    func boundary(limit: Int) {
        for terminator in Self.terminators {
            for byteByByte in [false, true] {
                let exact = Self.line(limit)
                let over = Self.line(limit + 1)
                let next = Array("AT".utf8)
                #expect(
                    Self.events(exact + terminator + next + [0x0D], limit: limit, byteByByte: byteByByte)
                        == [.line(exact), .line(next)], "limit \(limit), terminator \(terminator)")
                #expect(
                    Self.events(over + terminator + next + [0x0D], limit: limit, byteByByte: byteByByte)
                        == [.lineTooLong(limit + 1), .line(next)], "limit \(limit), terminator \(terminator)")
            }
        }
    }

    @Test("the default limit is 512 bytes")
    func defaultLimit() {
        #expect(ATLineFramer().maximumLineLength == 512)
        var framer = ATLineFramer()
        framer.append(contentsOf: Self.line(512) + [0x0D] + Self.line(513) + [0x0D])
        #expect(framer.next() == .line(Self.line(512)))
        #expect(framer.next() == .lineTooLong(513))
        #expect(framer.next() == nil)
    }
}

/// The host side's reply line limit at its boundary: a reply line of exactly `maximumLineLength` bytes (CR LF or
/// LF excluded) is a line; one byte more is ``ATReplyFramer/Event/lineTooLong(_:)``.
@Suite("AT reply line limit: exactly the limit, and one byte over", .timeLimit(.minutes(1)))
struct ReplyLineLimitBoundaryTests {
    static func events(_ bytes: [UInt8], limit: Int, byteByByte: Bool) -> [ATReplyFramer.Event] {
        var framer = ATReplyFramer(maximumLineLength: limit)
        var events: [ATReplyFramer.Event] = []
        let chunks = byteByByte ? bytes.map { [$0] } : [bytes]
        for chunk in chunks {
            framer.append(contentsOf: chunk)
            while let event = framer.next() { events.append(event) }
        }
        return events
    }

    @Test("at the limit: a line; one over: lineTooLong", arguments: [16, 64, 1024])
    func boundary(limit: Int) {
        for terminator: [UInt8] in [[0x0D, 0x0A], [0x0A]] {
            for byteByByte in [false, true] {
                let exact = Array(repeating: UInt8(ascii: "x"), count: limit)
                let over = exact + [UInt8(ascii: "x")]
                let ok = Array("OK".utf8)
                #expect(
                    Self.events(exact + terminator + ok + terminator, limit: limit, byteByByte: byteByByte)
                        == [.line(exact), .line(ok)], "limit \(limit), terminator \(terminator)")
                #expect(
                    Self.events(over + terminator + ok + terminator, limit: limit, byteByByte: byteByByte)
                        == [.lineTooLong(limit + 1), .line(ok)], "limit \(limit), terminator \(terminator)")
            }
        }
        // A CR inside the line counts: limit bytes, a CR and more bytes are too long.
        let inner = Array(repeating: UInt8(ascii: "x"), count: limit) + [0x0D, UInt8(ascii: "y"), 0x0A]
        #expect(Self.events(inner, limit: limit, byteByByte: false) == [.lineTooLong(limit + 2)])
    }
}
