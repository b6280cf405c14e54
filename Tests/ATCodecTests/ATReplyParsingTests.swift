import ATCodec
import Testing

@Suite("AT replies: what the module renders, the host parses back")
struct ATReplyParsingTests {
    static let dialects: [ATDialect] = [.spwf01, .spwf04]

    /// Splits rendered bytes into the lines a host sees.
    private func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        var framer = ATReplyFramer()
        framer.append(contentsOf: bytes)
        var result: [[UInt8]] = []
        while let event = framer.next() {
            if case .line(let line) = event { result.append(line) }
        }
        return result
    }

    private func parsed(_ dialect: ATDialect, _ bytes: [UInt8]) -> [ATReply] {
        lines(bytes).map { dialect.parseLine($0) }
    }

    @Test("every rendered line parses back to what was rendered", arguments: dialects)
    func roundTrip(dialect: ATDialect) {
        #expect(parsed(dialect, dialect.ok()) == [.ok])
        #expect(parsed(dialect, dialect.ok(verboseFields: (1000, 10))) == [.ok])
        for entry in ATError.catalogue {
            #expect(parsed(dialect, dialect.error(entry)) == [.error(entry)])
        }
        let rejected = ATError.credentialRejected("cert slot holds 2048 bytes")
        #expect(parsed(dialect, dialect.error(rejected)) == [.error(rejected)])
        #expect(
            parsed(dialect, dialect.variable("ip_ipaddr", "10.0.0.2")) == [
                .variable(name: "ip_ipaddr", value: "10.0.0.2")
            ])
        #expect(parsed(dialect, dialect.variable("x", "a = b")) == [.variable(name: "x", value: "a = b")])
        let address: String? = dialect.family == .spwf04 ? "1.2.3.4" : nil
        #expect(
            parsed(dialect, dialect.socketOpened(id: 3, address: "1.2.3.4")) == [.socketOpened(id: 3, address: address)]
        )
        #expect(parsed(dialect, dialect.pendingLength(42)) == [.pendingLength(42)])
        #expect(parsed(dialect, dialect.information("Pinging 1.2.3.4")) == [.information("Pinging 1.2.3.4")])
        let pending = dialect.wind(55, dialect.pendingDataText(socket: 2, received: 5, unread: 9))
        guard case .wind(let number, let text) = parsed(dialect, pending).first else {
            Issue.record("no WIND")
            return
        }
        #expect(number == 55)
        #expect(ATIndication(number: number, text: text, dialect: dialect) == .pendingData(socket: 2, unread: 9))
        let closed = parsed(dialect, dialect.wind(58, dialect.socketClosedText(socket: 7)))
        if case .wind(let number, let text) = closed.first {
            #expect(ATIndication(number: number, text: text, dialect: dialect) == .socketClosed(socket: 7))
        } else {
            Issue.record("no WIND 58")
        }
        let up = parsed(dialect, dialect.wind(24, dialect.wifiUpText(address: "192.168.1.20")))
        if case .wind(let number, let text) = up.first {
            #expect(ATIndication(number: number, text: text, dialect: dialect) == .wifiUp(address: "192.168.1.20"))
        } else {
            Issue.record("no WIND 24")
        }
    }

    @Test("SPWF04 reading header and error verbosities")
    func spwf04Specifics() {
        let d = ATDialect.spwf04
        #expect(parsed(d, d.readingHeader(count: 5, pending: 9)) == [.reading(count: 5, pending: 9)])
        #expect(parsed(d, d.error(.pendingData, verbosity: 1)) == [.error(.pendingData)])
        #expect(parsed(d, d.error(.pendingData, verbosity: 0)) == [.error(ATError(code: 0, text: ""))])
        #expect(
            d.parseLine(Array("AT-S.ERROR:999:Something new".utf8)) == .error(ATError(code: 999, text: "Something new"))
        )
    }

    @Test("SPWF01 error texts map to catalogue codes")
    func spwf01Codes() {
        let d = ATDialect.spwf01
        #expect(d.parseLine(Array("ERROR: Failed to resolve name".utf8)) == .error(.failedToResolve))
        #expect(
            d.parseLine(Array("ERROR: TLS handshake failed: unknown CA".utf8))
                == .error(ATError(code: 22, text: "TLS handshake failed: unknown CA")))
        #expect(d.parseLine(Array("ERROR: Brand new".utf8)) == .error(ATError(code: 0, text: "Brand new")))
    }

    @Test("malformed result lines are information, never a wrong result")
    func malformed() {
        #expect(ATDialect.spwf01.parseLine(Array(" DATALEN: x".utf8)) == .information(" DATALEN: x"))
        #expect(
            ATDialect.spwf01.parseLine(Array(" DATALEN: 99999999999".utf8)) == .information(" DATALEN: 99999999999"))
        #expect(ATDialect.spwf04.parseLine(Array("AT-S.Reading:5".utf8)) == .information("AT-S.Reading:5"))
        #expect(ATDialect.spwf04.parseLine(Array("AT-S.On:1.2.3.4".utf8)) == .information("AT-S.On:1.2.3.4"))
        #expect(ATDialect.spwf01.parseLine(Array("+WIND:x:y".utf8)) == .information("+WIND:x:y"))
        #expect(ATDialect.spwf01.parseLine([0xFF, 0xFE]) == .information("\u{FFFD}\u{FFFD}"))
        let bad = ATIndication(number: 55, text: "Pending Data:zz:1", dialect: .spwf01)
        #expect(bad == .other(number: 55, text: "Pending Data:zz:1"))
    }

    @Test("host commands render per dialect and refuse unsafe parameters")
    func commands() throws {
        let open01 = try ATDialect.spwf01.socketOpenCommand(
            host: "broker.test", port: 8883, kind: .tls(commonName: nil))
        #expect(open01.line == "AT+S.SOCKON=broker.test,8883,s,ind")
        let open04 = try ATDialect.spwf04.socketOpenCommand(host: "broker.test", port: 1883, kind: .tcp)
        #expect(open04.line == "AT+S.SOCKON=broker.test,1883,NULL,t")
        let cn = try ATDialect.spwf04.socketOpenCommand(host: "b", port: 1, kind: .tls(commonName: "iot.test"))
        #expect(cn.line == "AT+S.SOCKON=b,1,NULL,iot.test")
        #expect(throws: ATCommandError.unsafeParameter("a,b")) {
            try ATDialect.spwf01.socketOpenCommand(host: "a,b", port: 1, kind: .tcp)
        }
        #expect(throws: ATCommandError.outOfRange("port", 0)) {
            try ATDialect.spwf01.socketOpenCommand(host: "a", port: 0, kind: .tcp)
        }
        #expect(throws: ATCommandError.unsafeParameter("x\ry")) { try ATDialect.spwf01.setVariableCommand("a", "x\ry") }
        let write = try ATDialect.spwf01.socketWriteCommand(socket: 0, [1, 2, 3])
        #expect(write.bytes == Array("AT+S.SOCKW=0,3\r".utf8) + [1, 2, 3])
        #expect(throws: ATCommandError.outOfRange("write length", 731)) {
            try ATDialect.spwf01.socketWriteCommand(socket: 0, Array(repeating: 0, count: 731), maximum: 730)
        }
        let cert = try ATDialect.spwf01.storeCredentialCommand(.cert, [0x30])
        #expect(cert.line == "AT+S.TLSCERT=f_cert,1")
        #expect(try ATDialect.spwf04.storeCredentialCommand(.key, [0x30]).line == "AT+S.TLSCERT=key,1")
        #expect(ATDialect.spwf01.resetHostCommand.line == "AT+CFUN=1")
        #expect(ATDialect.spwf04.resetHostCommand.line == "AT+S.RESET")
        #expect(ATDialect.spwf04.resetCommand == "AT+S.RESET")
    }
}
