import ATCodec
import Testing

@Suite("AT dialects: exact bytes", .timeLimit(.minutes(1)))
struct ATDialectTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test("SPWF01 lines")
    func spwf01() {
        let d = ATDialect.spwf01
        #expect(text(d.ok()) == "\r\nOK\r\n")
        #expect(text(d.error(.pendingData)) == "\r\nERROR: Pending data\r\n")
        #expect(text(d.variable("ip_ipaddr", "10.0.0.2")) == "#  ip_ipaddr = 10.0.0.2\r\n")
        #expect(text(d.socketOpened(id: 3, address: "1.2.3.4")) == "\r\n ID: 03\r\n")
        #expect(text(d.pendingLength(42)) == "\r\n DATALEN: 42\r\n")
        #expect(d.readingHeader(count: 5, pending: 9).isEmpty)
        #expect(
            text(d.wind(55, d.pendingDataText(socket: 0, received: 5, unread: 9)))
                == "\r\n+WIND:55:Pending Data:0:9\r\n")
        #expect(text(d.wind(58, d.socketClosedText(socket: 1))) == "\r\n+WIND:58:Socket Closed:1\r\n")
        #expect(d.wifiUpText(address: "10.0.0.2") == "WiFi Up:10.0.0.2")
    }

    @Test("the command builders' whole literals name the dialect's variables and credential slots")
    func buildersAgreeWithTheDialect() throws {
        for dialect in [ATDialect.spwf01, .spwf04] {
            for on in [false, true] {
                #expect(dialect.echoCommand(on: on).line == "AT+S.SCFG=\(dialect.echoVariable),\(on ? 1 : 0)")
            }
            let slots = dialect.persistentCredentialSlots
            for (slot, name) in [(ATCredentialSlot.ca, slots.ca), (.cert, slots.cert), (.key, slots.key)] {
                let command = try dialect.storeCredentialCommand(slot, [1, 2, 3])
                #expect(command.line == "AT+S.TLSCERT=\(name),3")
                #expect(command.bytes == Array("AT+S.TLSCERT=\(name),3\r".utf8) + [1, 2, 3])
            }
            #expect(
                dialect.socketWindMaskCommand(masked: true).line
                    == "AT+S.SCFG=\(ATDialect.socketWindMaskVariable),0xFFFFFFFF")
            #expect(
                dialect.socketWindMaskCommand(masked: false).line
                    == "AT+S.SCFG=\(ATDialect.socketWindMaskVariable),0x00000000")
        }
    }

    @Test("join-failure WINDs are Wi-Fi failures in both dialects; their neighbours are not")
    func wifiFailures() {
        #expect(ATIndication.wifiFailureNumbers == [20, 33, 40, 41, 74, 75, 76, 77])
        for dialect in [ATDialect.spwf01, .spwf04] {
            for number in 0...99 where ![0, 1, 2, 8, 24, 32, 55, 58, 59, 60, 61, 62, 63, 64, 87].contains(number) {
                let indication = ATIndication(number: number, text: "x", dialect: dialect)
                if ATIndication.wifiFailureNumbers.contains(number) {
                    #expect(indication == .wifiFailure(number: number, text: "x"))
                } else {
                    #expect(indication == .other(number: number, text: "x"), "\(number)")
                }
            }
        }
    }

    @Test("SPWF04 lines")
    func spwf04() {
        let d = ATDialect.spwf04
        #expect(text(d.ok()) == "AT-S.OK\r\n")
        #expect(text(d.ok(verboseFields: (1000, 10))) == "AT-S.OK:1000:10\r\n")
        #expect(text(d.error(.illegalSocketID)) == "AT-S.ERROR:76:Illegal Socket ID\r\n")
        #expect(text(d.error(.pendingData, verbosity: 1)) == "AT-S.ERROR:77\r\n")
        #expect(text(d.error(.pendingData, verbosity: 0)) == "AT-S.ERROR\r\n")
        #expect(text(d.variable("console_echo", "0")) == "AT-S.Var:console_echo=0\r\n")
        #expect(text(d.socketOpened(id: 3, address: "1.2.3.4")) == "AT-S.On:1.2.3.4:3\r\n")
        #expect(text(d.pendingLength(42)) == "AT-S.Query:42\r\n")
        #expect(text(d.readingHeader(count: 5, pending: 9)) == "AT-S.Reading:5:9\r\n")
        #expect(
            text(d.wind(55, d.pendingDataText(socket: 0, received: 5, unread: 9))) == "+WIND:55:Pending Data::0:5:9\r\n"
        )
        #expect(text(d.wind(58, d.socketClosedText(socket: 1))) == "+WIND:58:Socket Closed:1:0\r\n")
        #expect(d.wifiUpText(address: "10.0.0.2") == "WiFi Up:0:10.0.0.2")
    }
}
