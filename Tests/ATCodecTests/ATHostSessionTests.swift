import ATCodec
import Testing

/// The host's state machine fed with byte transcripts: no process, no pty, no clock.
@Suite("AT host session: transcripts", .timeLimit(.minutes(1)))
struct ATHostSessionTests {
    typealias Session = ATHostSession

    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private func writes(_ effects: [Session.Effect]) -> [[UInt8]] {
        effects.compactMap { if case .write(let bytes) = $0 { return bytes } else { return nil } }
    }

    private func completions(_ effects: [Session.Effect]) -> [(
        Session.ExchangeID, Result<Session.Response, Session.Failure>
    )] {
        effects.compactMap { if case .completed(let id, let result) = $0 { return (id, result) } else { return nil } }
    }

    private func indications(_ effects: [Session.Effect]) -> [ATIndication] {
        effects.compactMap { if case .indication(let indication) = $0 { return indication } else { return nil } }
    }

    @Test("one command on the wire at a time; replies complete them in order")
    func queueing() throws {
        var session = Session(dialect: .spwf01)
        let (first, e1) = session.submit(try ATDialect.spwf01.getVariableCommand("ip_ipaddr"))
        let (second, e2) = session.submit(ATDialect.spwf01.attentionCommand)
        #expect(writes(e1) == [bytes("AT+S.GCFG=ip_ipaddr\r")])
        #expect(writes(e2).isEmpty)
        let e3 = session.receive(bytes("#  ip_ipaddr = 10.0.0.2\r\n\r\nOK\r\n"))
        #expect(writes(e3) == [bytes("AT\r")])
        let done = completions(e3)
        #expect(done.count == 1 && done[0].0 == first)
        #expect(try done[0].1.get().lines == [.variable(name: "ip_ipaddr", value: "10.0.0.2")])
        let e4 = session.receive(bytes("\r\nOK\r\n"))
        #expect(completions(e4).map(\.0) == [second])
    }

    @Test("a WIND between reply lines is reported and not part of the reply; bytes may come one at a time")
    func windInsideReply() throws {
        var session = Session(dialect: .spwf01)
        _ = session.submit(ATDialect.spwf01.socketQueryCommand(socket: 0))
        var effects: [Session.Effect] = []
        for byte in bytes("\r\n+WIND:55:Pending Data:0:12\r\n\r\n DATALEN: 12\r\n\r\nOK\r\n") {
            effects += session.receive([byte])
        }
        #expect(indications(effects) == [.pendingData(socket: 0, unread: 12)])
        #expect(try completions(effects).first?.1.get().lines == [.pendingLength(12)])
    }

    @Test("SPWF01 SOCKR: exactly n raw bytes, whatever they hold, then OK")
    func spwf01Read() throws {
        var session = Session(dialect: .spwf01)
        let payload = bytes("\r\nOK\r\n+WIND:58:x\r\n")
        _ = session.submit(try ATDialect.spwf01.socketReadCommand(socket: 1, count: payload.count))
        let effects = session.receive(payload + bytes("\r\nOK\r\n"))
        #expect(indications(effects).isEmpty)
        #expect(try completions(effects).first?.1.get().data == payload)
    }

    @Test("SPWF01 SOCKR followed by something else than OK is a protocol violation, and desynchronises")
    func spwf01ReadWithoutOK() {
        var session = Session(dialect: .spwf01)
        _ = session.submit(try! ATDialect.spwf01.socketReadCommand(socket: 1, count: 2))
        let (queued, _) = session.submit(ATDialect.spwf01.attentionCommand)
        let effects = session.receive(bytes("ab\r\nhello\r\n"))
        let done = completions(effects)
        #expect(done.count == 2)
        if case .failure(.protocolViolation) = done[0].1 {} else { Issue.record("expected a protocol violation") }
        #expect(done[1].0 == queued)
        #expect(session.isDesynchronized)
        let (_, refused) = session.submit(ATDialect.spwf01.attentionCommand)
        if case .failure(.desynchronized) = completions(refused).first?.1 {} else { Issue.record("expected refusal") }
        session.resynchronized()
        #expect(writes(session.submit(ATDialect.spwf01.attentionCommand).1) == [bytes("AT\r")])
    }

    @Test("SPWF04 SOCKR: WINDs before the header, then the announced bytes, then OK")
    func spwf04Read() throws {
        var session = Session(dialect: .spwf04)
        _ = session.submit(try ATDialect.spwf04.socketReadCommand(socket: 0, count: 4))
        let effects = session.receive(bytes("+WIND:55:Pending Data::0:4:8\r\nAT-S.Reading:4:8\r\n\r\n+WAT-S.OK\r\n"))
        #expect(indications(effects) == [.pendingData(socket: 0, unread: 8)])
        let response = try completions(effects).first?.1.get()
        #expect(response?.data == bytes("\r\n+W"))
        #expect(response?.lines == [.reading(count: 4, pending: 8)])
    }

    @Test("errors complete with the catalogue entry, in both dialects")
    func errors() {
        var one = Session(dialect: .spwf01)
        _ = one.submit(ATDialect.spwf01.socketCloseCommand(socket: 0))
        #expect(
            completions(one.receive(bytes("\r\nERROR: Pending data\r\n"))).first?.1 == .failure(.module(.pendingData)))
        var four = Session(dialect: .spwf04)
        _ = four.submit(ATDialect.spwf04.socketCloseCommand(socket: 9))
        #expect(
            completions(four.receive(bytes("AT-S.ERROR:76:Illegal Socket ID\r\n"))).first?.1
                == .failure(.module(.illegalSocketID)))
    }

    @Test("a reboot fails the command in flight and the queued ones; new ones wait for Console active")
    func reboot() {
        var session = Session(dialect: .spwf01)
        _ = session.submit(ATDialect.spwf01.socketQueryCommand(socket: 0))
        let (queued, _) = session.submit(try! ATDialect.spwf01.socketReadCommand(socket: 0, count: 5))
        let effects = session.receive(bytes("\r\n+WIND:2:Reset\r\n"))
        #expect(completions(effects).map(\.1) == [.failure(.rebooted), .failure(.rebooted)])
        #expect(completions(effects).last?.0 == queued)
        #expect(writes(effects).isEmpty)
        #expect(session.isBooting)
        let (next, held) = session.submit(ATDialect.spwf01.attentionCommand)
        #expect(writes(held).isEmpty)
        let boot = session.receive(bytes("\r\n+WIND:1:Poweron (x)\r\n\r\n+WIND:13:c\r\n\r\n+WIND:0:Console active\r\n"))
        #expect(indications(boot) == [.powerOn("Poweron (x)"), .other(number: 13, text: "c"), .consoleActive])
        #expect(writes(boot) == [bytes("AT\r")])
        #expect(completions(session.receive(bytes("\r\nOK\r\n"))).first?.0 == next)
    }

    @Test("a hard fault (WIND 8) is a reboot too")
    func hardFault() {
        var session = Session(dialect: .spwf04)
        _ = session.submit(ATDialect.spwf04.socketQueryCommand(socket: 1))
        let effects = session.receive(bytes("+WIND:8:Hard Fault:HardFault Handler\r\n"))
        #expect(indications(effects) == [.hardFault("Hard Fault:HardFault Handler")])
        #expect(completions(effects).first?.1 == .failure(.rebooted))
        #expect(session.isBooting)
    }

    @Test("the reset command completes at WIND 32, not at a stray OK")
    func resetCommand() {
        var session = Session(dialect: .spwf04)
        let (id, effects) = session.submit(ATDialect.spwf04.resetHostCommand)
        #expect(writes(effects) == [bytes("AT+S.RESET\r")])
        #expect(completions(session.receive(bytes("AT-S.OK\r\n+WIND:2:Reset\r\n+WIND:0:Console active\r\n"))).isEmpty)
        #expect(completions(session.receive(bytes("+WIND:32:WiFi Hardware Started\r\n"))).first?.0 == id)
    }

    @Test("a timeout fails the exchange in flight and everything queued")
    func timeout() {
        var session = Session(dialect: .spwf01)
        let (first, _) = session.submit(ATDialect.spwf01.attentionCommand)
        let (second, _) = session.submit(ATDialect.spwf01.attentionCommand)
        let (third, _) = session.submit(ATDialect.spwf01.attentionCommand)
        #expect(completions(session.expire(third)).map(\.0) == [third])
        let effects = session.expire(first)
        #expect(completions(effects).map(\.0) == [first, second])
        #expect(session.isDesynchronized)
        #expect(session.outstandingCount == 0)
        // The late OK matches nothing.
        #expect(completions(session.receive(bytes("\r\nOK\r\n"))).isEmpty)
    }

    @Test("an over-long line fails the exchange instead of growing the buffer")
    func longLine() {
        var session = Session(dialect: .spwf01, maximumLineLength: 64)
        _ = session.submit(ATDialect.spwf01.attentionCommand)
        let effects = session.receive(Array(repeating: 0x41, count: 10_000))
        if case .failure(.protocolViolation) = completions(effects).first?.1 {
        } else {
            // The line has no end yet: nothing completes, but the buffer stays bounded.
            #expect(completions(effects).isEmpty)
        }
        let more = session.receive(bytes("\r\n"))
        if case .failure(.protocolViolation) = completions(effects + more).first?.1 {
        } else {
            Issue.record("an over-long line must fail the exchange")
        }
    }

    @Test("the command's own echo is skipped")
    func echo() throws {
        var session = Session(dialect: .spwf01)
        _ = session.submit(ATDialect.spwf01.attentionCommand)
        let effects = session.receive(bytes("AT\r\n\r\nOK\r\n"))
        #expect(try completions(effects).first?.1.get().lines == [])
    }
}
