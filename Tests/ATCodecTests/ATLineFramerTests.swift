import ATCodec
import Testing

@Suite("AT line framer", .timeLimit(.minutes(1)))
struct ATLineFramerTests {
    private func events(_ framer: inout ATLineFramer) -> [ATLineFramer.Event] {
        var result: [ATLineFramer.Event] = []
        while let event = framer.next() { result.append(event) }
        return result
    }

    @Test("CR, LF and CR LF all end a line; empty lines vanish")
    func terminators() {
        var framer = ATLineFramer()
        framer.append(contentsOf: Array("AT\rAT+S.STS\nAT&V\r\n\r\n\rAT&W\r".utf8))
        #expect(
            events(&framer) == [
                .line(Array("AT".utf8)), .line(Array("AT+S.STS".utf8)), .line(Array("AT&V".utf8)),
                .line(Array("AT&W".utf8)),
            ])
        #expect(framer.bufferedCount == 0)
    }

    @Test("A line split across many appends comes out once, whole")
    func byteByByte() {
        var framer = ATLineFramer()
        var seen: [ATLineFramer.Event] = []
        for byte in Array("AT+S.SOCKON=127.0.0.1,80,t,ind\r".utf8) {
            framer.append(contentsOf: [byte])
            while let event = framer.next() { seen.append(event) }
        }
        #expect(seen == [.line(Array("AT+S.SOCKON=127.0.0.1,80,t,ind".utf8))])
    }

    @Test("A block starts right after the CR and may contain CR, LF and NUL")
    func blockAfterLine() {
        var framer = ATLineFramer()
        framer.append(
            contentsOf: Array("AT+S.SOCKW=0,6\r".utf8) + [0x0A, 0x0D, 0x00, 0x41, 0x54, 0x0D] + Array("AT\r".utf8))
        #expect(framer.next() == .line(Array("AT+S.SOCKW=0,6".utf8)))
        framer.beginBlock(length: 6)
        #expect(framer.next() == .block([0x0A, 0x0D, 0x00, 0x41, 0x54, 0x0D]))
        #expect(framer.next() == .line(Array("AT".utf8)))
        #expect(framer.next() == nil)
    }

    @Test("A partial block waits; abandoning it returns to line mode")
    func abandonBlock() {
        var framer = ATLineFramer()
        framer.append(contentsOf: Array("AT+S.SOCKW=0,10\r".utf8) + Array("abc".utf8))
        #expect(framer.next() == .line(Array("AT+S.SOCKW=0,10".utf8)))
        framer.beginBlock(length: 10)
        #expect(framer.next() == nil)
        #expect(framer.blockBytesReceived == 3)
        #expect(framer.abandonBlock() == 3)
        framer.append(contentsOf: Array("AT\r".utf8))
        #expect(framer.next() == .line(Array("AT".utf8)))
    }

    @Test("An over-long line is reported once, with its length, and the next line is fine")
    func overLongLine() {
        var framer = ATLineFramer(maximumLineLength: 16)
        let long = Array(repeating: UInt8(ascii: "A"), count: 1000)
        framer.append(contentsOf: long)
        #expect(framer.next() == nil)
        #expect(framer.bufferedCount <= 16)
        framer.append(contentsOf: Array("\rAT\r".utf8))
        #expect(framer.next() == .lineTooLong(1000))
        #expect(framer.next() == .line(Array("AT".utf8)))
    }

    @Test("A line of exactly the limit is accepted")
    func lineAtLimit() {
        var framer = ATLineFramer(maximumLineLength: 8)
        framer.append(contentsOf: Array("AT+S.STS\r".utf8))
        #expect(framer.next() == .line(Array("AT+S.STS".utf8)))
    }

    @Test("Echo collects exactly the line-mode bytes, not block bytes")
    func echo() {
        var framer = ATLineFramer()
        framer.collectsEcho = true
        framer.append(contentsOf: Array("AT+S.SOCKW=0,2\rxyAT\r\n".utf8))
        #expect(framer.next() == .line(Array("AT+S.SOCKW=0,2".utf8)))
        #expect(framer.takeEcho() == Array("AT+S.SOCKW=0,2\r".utf8))
        framer.beginBlock(length: 2)
        #expect(framer.next() == .block(Array("xy".utf8)))
        #expect(framer.next() == .line(Array("AT".utf8)))
        #expect(framer.next() == nil)
        #expect(framer.takeEcho() == Array("AT\r\n".utf8))
    }

    @Test("Random bytes never crash the framer and memory stays bounded")
    func randomBytes() {
        var framer = ATLineFramer(maximumLineLength: 64)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2000 {
            var chunk: [UInt8] = []
            for _ in 0..<64 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                chunk.append(UInt8(truncatingIfNeeded: state >> 33))
            }
            framer.append(contentsOf: chunk)
            while let event = framer.next() {
                if case .line(let line) = event { #expect(line.count <= 64) }
            }
            #expect(framer.bufferedCount <= 128)
        }
    }
}
