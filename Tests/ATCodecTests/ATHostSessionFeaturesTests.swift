import ATCodec
import Testing

/// A session specialised with `ATSocketHostFeatures` (the firmware's): commands, replies, WINDs and client sockets as
/// `ATHostSession` has them; data mode and HTTP streams refused; the WINDs of the parts it leaves out read as `other`.
@Suite("AT host session: compile-time features", .timeLimit(.minutes(1)))
struct ATHostSessionFeaturesTests {
    typealias SocketSession = ATHostSessionOf<ATSocketHostFeatures>

    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private func indications(_ effects: [ATHostEffect]) -> [ATIndication] {
        effects.compactMap { if case .indication(let indication) = $0 { indication } else { nil } }
    }

    private func results(_ effects: [ATHostEffect]) -> [Result<ATHostResponse, ATHostFailure>] {
        effects.compactMap { if case .completed(_, let result) = $0 { result } else { nil } }
    }

    /// The same transcript through both sessions: the same effects.
    @Test("commands, SOCKQ and a SOCKR with WINDs between lines: the same effects as ATHostSession")
    func sameAsTheFullSession() throws {
        var full = ATHostSession(dialect: .spwf01)
        var socket = SocketSession(dialect: .spwf01)
        let commands = [
            ATDialect.spwf01.socketQueryCommand(socket: 0), try ATDialect.spwf01.socketReadCommand(socket: 0, count: 5),
            ATDialect.spwf01.socketCloseCommand(socket: 0),
        ]
        var fullEffects: [ATHostEffect] = []
        var socketEffects: [ATHostEffect] = []
        for command in commands {
            fullEffects += full.submit(command).1
            socketEffects += socket.submit(command).1
        }
        let transcript = bytes(
            "\r\n+WIND:55:Pending Data:0:5\r\n DATALEN: 5\r\n\r\nOK\r\nab\r\nc\r\nOK\r\n+WIND:24:WiFi Up:10.0.0.2\r\n"
                + "\r\nERROR: Pending data\r\n")
        for byte in transcript {
            fullEffects += full.receive([byte])
            socketEffects += socket.receive([byte])
        }
        #expect(socketEffects == fullEffects)
        let found = results(socketEffects)
        #expect(found.count == 3)
        #expect((try? found.first?.get())?.lines == [.pendingLength(5)])
        #expect((try? found.dropFirst().first?.get())?.data == bytes("ab\r\nc"))
        #expect(found.last == .failure(.module(.pendingData)))
        #expect(indications(socketEffects) == [.pendingData(socket: 0, unread: 5), .wifiUp(address: "10.0.0.2")])
    }

    @Test("data mode and HTTP streams are refused at submit, with nothing written")
    func refusedCommands() throws {
        var session = SocketSession(dialect: .spwf01)
        let (_, dataMode) = session.submit(ATDialect.spwf01.dataModeCommand)
        #expect(results(dataMode) == [.failure(.protocolViolation("data mode is not in this session"))])
        let (_, escape) = session.submit(try ATDialect.spwf01.escapeCommand())
        #expect(results(escape) == [.failure(.protocolViolation("data mode is not in this session"))])
        let get = try ATDialect.spwf01.httpGetCommand(host: "example.test", path: "/", port: 80)
        let (_, stream) = session.submit(get)
        #expect(results(stream) == [.failure(.protocolViolation("HTTP streams are not in this session"))])
        #expect(session.outstandingCount == 0)
        // The full session takes them.
        var full = ATHostSession(dialect: .spwf01)
        #expect(full.submit(ATDialect.spwf01.dataModeCommand).1 == [.write(bytes("AT+S.\r"))])
    }

    @Test(
        "WINDs of data mode, the socket server and the SPWF04's MQTT client are `other`; bytes after WIND 60 are lines")
    func windsOfLeftOutParts() {
        var session = SocketSession(dialect: .spwf01)
        let found = indications(
            session.receive(
                bytes(
                    "+WIND:60:Now in Data Mode\r\n+WIND:59:Back to Command Mode\r\n"
                        + "+WIND:61:Incoming Socket Client:1.2.3.4\r\n+WIND:8:Hard Fault:x\r\n")))
        #expect(
            found == [
                .other(number: 60, text: "Now in Data Mode"), .other(number: 59, text: "Back to Command Mode"),
                .other(number: 61, text: "Incoming Socket Client:1.2.3.4"), .hardFault("Hard Fault:x"),
            ])
        #expect(!session.isInDataMode)
        var spwf04 = SocketSession(dialect: .spwf04)
        let mqtt = indications(
            spwf04.receive(bytes("+WIND:87:MQTT Closed:0\r\n+WIND:86:MQTT Published:0:t:0:0:0:1:1:x\r\n")))
        #expect(
            mqtt == [
                .other(number: 87, text: "MQTT Closed:0"), .other(number: 86, text: "MQTT Published:0:t:0:0:0:1:1:x"),
            ])
    }

    /// `ATSPWF01SocketHostFeatures` fixes the family at compile time (the firmware carries no SPWF04 parsing): its
    /// session reads SPWF01 whatever dialect it is given, where `ATSocketHostFeatures` reads the one it is given.
    @Test("a session with a fixed family reads that family's replies, whatever dialect it is given")
    func fixedFamily() throws {
        typealias SPWF01Session = ATHostSessionOf<ATSPWF01SocketHostFeatures>
        var fixed = SPWF01Session(dialect: .spwf04)
        #expect(fixed.dialect == .spwf01)
        fixed.setDialect(.spwf04)
        #expect(fixed.dialect == .spwf01)
        var any = SocketSession(dialect: .spwf04)
        #expect(any.dialect == .spwf04)
        let command = ATDialect.spwf01.socketQueryCommand(socket: 0)
        let reply = bytes("\r\n+WIND:55:Pending Data:0:5\r\n DATALEN: 5\r\n\r\nERROR: Illegal Socket ID\r\n")
        var effects = fixed.submit(command).1 + fixed.receive(reply)
        // SPWF01's lines: the length, and the error by its text (an SPWF04 session reads neither).
        #expect(results(effects) == [.failure(.module(.illegalSocketID))])
        #expect(indications(effects) == [.pendingData(socket: 0, unread: 5)])
        effects = fixed.submit(command).1 + fixed.receive(bytes(" DATALEN: 7\r\n\r\nOK\r\n"))
        #expect((try? results(effects).first?.get())?.lines == [.pendingLength(7)])
        // An SPWF04 session takes SPWF01's `OK` for an information line: the command is still waiting.
        effects = any.submit(command).1 + any.receive(bytes(" DATALEN: 7\r\n\r\nOK\r\n"))
        #expect(results(effects).isEmpty)
    }
}
