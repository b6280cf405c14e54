import ATCodec
import Testing

/// SPWF01 data mode in the host's state machine, fed with byte transcripts.
@Suite("AT host session: SPWF01 data mode", .timeLimit(.minutes(1)))
struct ATHostSessionDataModeTests {
    typealias Session = ATHostSession

    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private func data(_ effects: [Session.Effect]) -> [UInt8] {
        effects.flatMap { if case .data(let bytes) = $0 { return bytes } else { return [] } }
    }

    private func writes(_ effects: [Session.Effect]) -> [[UInt8]] {
        effects.compactMap { if case .write(let bytes) = $0 { return bytes } else { return nil } }
    }

    private func completed(_ effects: [Session.Effect]) -> [Session.ExchangeID] {
        effects.compactMap {
            if case .completed(let id, let result) = $0, (try? result.get()) != nil { id } else { nil }
        }
    }

    /// A session in data mode (after `AT+S.` and `+WIND:60`); `after` follows the WIND in the same read.
    private func inDataMode(after: String = "") -> (Session, [Session.Effect]) {
        var session = Session(dialect: .spwf01)
        let (id, sent) = session.submit(ATDialect.spwf01.dataModeCommand)
        #expect(writes(sent) == [bytes("AT+S.\r")])
        let effects = session.receive(bytes("\r\n+WIND:60:Now in Data Mode\r\n" + after))
        #expect(completed(effects) == [id])
        #expect(session.isInDataMode)
        return (session, effects)
    }

    @Test("bytes after WIND 60 are data, even ones that look like replies")
    func dataAfterWind() {
        let (session, effects) = inDataMode(after: "\r\nOK\r\nhello")
        #expect(data(effects) == bytes("\r\nOK\r\nhello"))
        #expect(session.holdsData == false)
    }

    @Test("the escape goes without CR; WIND 59, split over reads, ends data mode; what follows is lines again")
    func escapeAndWind59() throws {
        var (session, _) = inDataMode()
        let (id, sent) = session.submit(try ATDialect.spwf01.escapeCommand())
        #expect(writes(sent) == [bytes("at+s.")])
        var effects = session.receive(bytes("tail\r"))
        #expect(data(effects) == bytes("tail"))
        #expect(session.holdsData)
        effects = session.receive(bytes("\n+WIND:5"))
        #expect(data(effects).isEmpty)
        effects = session.receive(bytes("9:Back to Command Mode\r\n\r\n+WIND:62:Socket Client Gone:1.2.3.4\r\n"))
        #expect(completed(effects) == [id])
        #expect(!session.isInDataMode)
        let indications = effects.compactMap { if case .indication(let i) = $0 { i } else { nil } }
        #expect(indications == [.commandMode, .serverClientGone(address: "1.2.3.4")])
    }

    @Test("a CR LF at the end of the data is held, then released when the link is quiet")
    func heldRelease() {
        var (session, _) = inDataMode()
        #expect(data(session.receive(bytes("line\r\n"))) == bytes("line"))
        #expect(session.holdsData)
        #expect(data(session.releaseHeldData()) == bytes("\r\n"))
        #expect(!session.holdsData)
        // A near miss of the WIND line is data.
        #expect(data(session.receive(bytes("\r\n+WIND:5x"))) == bytes("\r\n+WIND:5x"))
    }

    @Test("commands wait while in data mode; data goes only in data mode; an escape outside it is refused")
    func gating() throws {
        var session = Session(dialect: .spwf01)
        #expect(session.dataToSend(bytes("x")).isEmpty)
        let (_, refused) = session.submit(try ATDialect.spwf01.escapeCommand())
        #expect(refused.contains { if case .completed(_, .failure(.protocolViolation)) = $0 { true } else { false } })
        var (dataSession, _) = inDataMode()
        #expect(writes(dataSession.dataToSend(bytes("abc"))) == [bytes("abc")])
        let (_, queued) = dataSession.submit(ATDialect.spwf01.attentionCommand)
        #expect(writes(queued).isEmpty)
        let (_, escape) = dataSession.submit(try ATDialect.spwf01.escapeCommand())
        #expect(writes(escape) == [bytes("at+s.")])
        let back = dataSession.receive(bytes("\r\n+WIND:59:Back to Command Mode\r\n"))
        #expect(writes(back) == [bytes("AT\r")])
    }

    @Test("AT+S. refused: the error line fails it and the session stays in command mode")
    func refusal() {
        var session = Session(dialect: .spwf01)
        let (id, _) = session.submit(ATDialect.spwf01.dataModeCommand)
        let effects = session.receive(bytes("\r\nERROR: Data mode not available\r\n"))
        #expect(
            effects.contains {
                if case .completed(id, .failure(.module(let error))) = $0 {
                    error == .dataModeNotAvailable
                } else {
                    false
                }
            })
        #expect(!session.isInDataMode)
    }

    @Test("WIND 61-64 parse into their fields (SPWF01); malformed ones stay as sent")
    func serverIndications() {
        let d = ATDialect.spwf01
        #expect(
            ATIndication(number: 61, text: "Incoming Socket Client:10.0.0.9", dialect: d)
                == .serverClientConnected(address: "10.0.0.9"))
        #expect(
            ATIndication(number: 62, text: "Socket Client Gone:10.0.0.9", dialect: d)
                == .serverClientGone(address: "10.0.0.9"))
        #expect(
            ATIndication(number: 63, text: "Sockd Dropping Data:512:40000", dialect: d)
                == .serverDroppingData(bytes: 512))
        #expect(
            ATIndication(number: 64, text: "Sockd Pending Data:2:5:130", dialect: d)
                == .serverPendingData(messages: 2, last: 5, total: 130))
        // The SPWF04's WINDs 61-63 carry server and client ids: `.other`, read by `parseServerIndication`.
        let spwf04Connected = "Incoming Socket Client:10.0.0.9:4242:1:3"
        #expect(
            ATIndication(number: 61, text: spwf04Connected, dialect: .spwf04)
                == .other(number: 61, text: spwf04Connected))
        #expect(
            ATIndication(number: 64, text: "Sockd Pending Data:2:x", dialect: d)
                == .other(number: 64, text: "Sockd Pending Data:2:x"))
        #expect(ATIndication(number: 59, text: "Back to Command Mode", dialect: d) == .commandMode)
        #expect(ATIndication(number: 60, text: "Now in Data Mode", dialect: d) == .dataMode)
        // SPWF04: 59/60 are reserved, 64 is remote configuration.
        #expect(ATIndication(number: 60, text: "x", dialect: .spwf04) == .other(number: 60, text: "x"))
        #expect(
            ATIndication(number: 64, text: "Sockd Pending Data:1:1:1", dialect: .spwf04)
                == .other(number: 64, text: "Sockd Pending Data:1:1:1"))
    }
}
