import ATCodec
import Testing

/// The SPWF04 server-socket bytes: rendered by the module and read back by a host with the same description.
@Suite("ATDialect: SPWF04 server sockets", .timeLimit(.minutes(1)))
struct ServerSocketDialectTests {
    let dialect = ATDialect.spwf04

    private func line(_ bytes: [UInt8]) -> ATReply {
        dialect.parseLine(bytes.dropLast(2))
    }

    @Test("SOCKDON's result and the host commands, exact bytes")
    func commands() throws {
        #expect(dialect.serverOpened(id: 3) == Array("AT-S.On:3\r\n".utf8))
        #expect(dialect.parseServerOpened(line(dialect.serverOpened(id: 3))) == 3)
        #expect(dialect.parseServerOpened(dialect.parseLine(Array("AT-S.On:127.0.0.1:0".utf8))) == nil)
        #expect(
            try dialect.serverOpenCommand(port: 8080, kind: .mutualTLS).bytes == Array("AT+S.SOCKDON=8080,s2\r".utf8))
        #expect(throws: ATCommandError.outOfRange("port", 0)) { try dialect.serverOpenCommand(port: 0, kind: .tcp) }
        #expect(dialect.serverQueryCommand(server: 1, client: 4).bytes == Array("AT+S.SOCKDQ=1,4\r".utf8))
        let read = try dialect.serverReadCommand(server: 0, client: 2, count: 10)
        #expect(read.bytes == Array("AT+S.SOCKDR=0,2,10\r".utf8) && read.reply == .data(count: 10))
        #expect(throws: ATCommandError.outOfRange("read length", 0)) {
            try dialect.serverReadCommand(server: 0, client: 0, count: 0)
        }
        #expect(
            try dialect.serverWriteCommand(server: 0, client: 1, [0x41, 0x0D]).bytes
                == Array("AT+S.SOCKDW=0,1,2\rA\r".utf8))
        #expect(dialect.serverCloseCommand(server: 2).bytes == Array("AT+S.SOCKDC=2\r".utf8))
        #expect(dialect.serverCloseCommand(server: 2, client: 0).bytes == Array("AT+S.SOCKDC=2,0\r".utf8))
        #expect(dialect.serverListCommand().bytes == Array("AT+S.SOCKDL\r".utf8))
        #expect(dialect.serverListCommand(server: 1).bytes == Array("AT+S.SOCKDL=1\r".utf8))
    }

    @Test("SOCKDL lines round-trip; malformed ones are not entries")
    func listLines() {
        #expect(
            dialect.parseServerListLine(line(dialect.serverListLine(server: 1, port: 80, kind: "s1")))
                == .server(id: 1, port: 80, kind: .tls))
        #expect(
            dialect.parseServerListLine(
                line(dialect.serverClientListLine(server: 0, client: 4, address: "::1", port: 5000)))
                == .client(server: 0, id: 4, address: "::1", port: 5000))
        for text in ["AT-S.Server:0:80:x", "AT-S.Server:0:80", "AT-S.Client:0:1:1.2.3.4", "AT-S.Client:a:1:h:1", "x"] {
            #expect(dialect.parseServerListLine(dialect.parseLine(Array(text.utf8))) == nil, "\(text)")
        }
    }

    @Test("WINDs 55 (with a server id), 61, 62, 63 parse; a client socket's WIND 55 is not a server's")
    func indications() {
        let connected = dialect.serverClientConnectedText(address: "10.0.0.9", port: 4242, server: 1, client: 3)
        #expect(connected == "Incoming Socket Client:10.0.0.9:4242:1:3")
        #expect(
            dialect.parseServerIndication(number: 61, text: connected)
                == .clientConnected(server: 1, client: 3, address: "10.0.0.9", port: 4242))
        let gone = dialect.serverClientGoneText(address: "10.0.0.9", port: 4242, server: 1, client: 3, reason: 0)
        #expect(gone == "Socket Client Gone:10.0.0.9:4242:1:3:0")
        #expect(dialect.parseServerIndication(number: 62, text: gone) == .clientGone(server: 1, client: 3, reason: 0))
        let pending = dialect.serverPendingDataText(server: 2, client: 0, received: 5, unread: 12)
        #expect(pending == "Pending Data:2:0:5:12")
        #expect(
            dialect.parseServerIndication(number: 55, text: pending) == .pendingData(server: 2, client: 0, unread: 12))
        #expect(dialect.parseServerIndication(number: 55, text: "Pending Data::0:5:12") == nil)
        #expect(
            ATIndication(number: 55, text: pending, dialect: dialect) == .other(number: 55, text: pending))
        #expect(
            dialect.parseServerIndication(number: 63, text: dialect.serverDroppingDataText(bytes: 300, freeHeap: 1))
                == .droppingData(bytes: 300))
        for (number, text) in [
            (61, "Incoming Socket Client:1.2.3.4:x:0:0"), (62, "Socket Client Gone:1.2.3.4:1:0:0"), (58, "x"),
        ] {
            #expect(dialect.parseServerIndication(number: number, text: text) == nil, "\(text)")
        }
    }
}
