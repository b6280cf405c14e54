import ATCodec
import Testing

@Suite("AT replies: what the module renders, the host parses back", .timeLimit(.minutes(1)))
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
            #expect(parsed(dialect, dialect.error(entry)) == [.error(entry)], "\(entry)")
            if dialect.errorsCarryCodes {
                // `console_errs` 1: the code alone names the entry.
                #expect(parsed(dialect, dialect.error(entry, verbosity: 1)) == [.error(entry)], "\(entry)")
            }
        }
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
        #expect(d.parseLine(Array("ERROR: TLS handshake failed: unknown CA".utf8)) == .error(.tlsUnknownCA))
        // Another firmware's wording after a known text keeps the text, with the code of the longest known text.
        #expect(
            d.parseLine(Array("ERROR: TLS handshake failed: cipher".utf8))
                == .error(ATError(code: 22, text: "TLS handshake failed: cipher")))
        #expect(
            d.parseLine(Array("ERROR: Credential rejected: chain out of order: cert 2".utf8))
                == .error(ATError(code: 44, text: "Credential rejected: chain out of order: cert 2")))
        #expect(d.parseLine(Array("ERROR: Brand new".utf8)) == .error(ATError(code: 0, text: "Brand new")))
    }

    @Test("the catalogue: one code and one text per entry, each line fit for a firmware in both dialects")
    func catalogue() {
        let entries = ATError.catalogue
        #expect(Set(entries.map(\.code)).count == entries.count, "a code used twice")
        #expect(Set(entries.map(\.text)).count == entries.count, "a text used twice")
        for entry in entries {
            #expect(entry.code > 0)
            for dialect in Self.dialects {
                for verbosity in 0...2 {
                    let line = dialect.error(entry, verbosity: verbosity)
                    #expect(dialect.errorLineProblems(line).isEmpty, "\(entry): \(dialect.errorLineProblems(line))")
                }
            }
        }
        // The codes the reference and earlier releases fixed stay as they were.
        let fixed: [(ATError, Int, String)] = [
            (.commandNotFound, 1, "Command not found"), (.flashWriteFailed, 18, "Flash write failed"),
            (.credentialRejected, 20, "Credential rejected"), (.credentialsMissing, 21, "TLS credentials missing"),
            (.handshakeFailed, 22, "TLS handshake failed"), (.timedOut, 30, "Timed out"),
            (.handshakeTimedOut, 31, "TLS handshake timed out"), (.writeTimedOut, 32, "Write timed out"),
            (.illegalSocketID, 76, "Illegal Socket ID"), (.pendingData, 77, "Pending data"),
            (.socketNotConnected, 78, "Socket not connected"),
        ]
        for (entry, code, text) in fixed {
            #expect(entry.code == code && entry.text == text, "\(entry)")
            #expect(entries.contains(entry), "\(entry) missing from the catalogue")
        }
        // The catalogue is its lookup by code: every entry is found by its code, and no other code names one.
        for entry in entries {
            #expect(ATError.catalogueEntry(code: entry.code) == entry, "\(entry)")
            #expect(ATError.catalogueEntry(text: entry.text) == entry, "\(entry)")
        }
        for code in [-1, 0, 2, 5, 14, 19, 75, 1000] {
            #expect(ATError.catalogueEntry(code: code) == nil, "code \(code)")
        }
        #expect(entries.map(\.code) == entries.map(\.code).sorted(), "the catalogue lists its entries by code")
        // Every entry of a family starts with the family's text, so a firmware comparing prefixes still matches.
        for entry in entries where entry.isCredentialRejection {
            #expect(entry.text.hasPrefix(ATError.credentialRejected.text), "\(entry)")
        }
        for entry in entries where entry.isCredentialsMissing {
            #expect(entry.text.hasPrefix(ATError.credentialsMissing.text), "\(entry)")
        }
        for entry in entries where entry.isHandshakeFailure && entry != .handshakeTimedOut {
            #expect(entry.text.hasPrefix(ATError.handshakeFailed.text), "\(entry)")
        }
    }

    @Test("every named error is its catalogue entry: the code it names, a text from the table")
    func namedErrors() {
        let named: [(ATError, Int)] = [
            (.httpHostNotFound, 86), (.httpResponseTooLarge, 87), (.httpReceiveTimedOut, 88), (.httpBadResponse, 89),
            (.mqttNotConnected, 94), (.mqttAlreadyConnected, 95), (.mqttConnectionRefused, 96),
            (.mqttSubscribeRefused, 97), (.mqttMessageTooLong, 98), (.mqttWebSocketUnsupported, 99),
            (.mqttClosedBeforeConnAck, 100), (.commandNotFound, 1), (.invalidArguments, 3), (.lineTooLong, 4),
            (.unknownVariable, 6), (.readOnlyVariable, 7), (.invalidValue, 8), (.dataTimeout, 9), (.tooManySockets, 10),
            (.failedToResolve, 11), (.connectionFailed, 12), (.notEnoughData, 13), (.wifiNotConnected, 15),
            (.pingFailed, 16), (.noSuchPeer, 17), (.flashWriteFailed, 18), (.illegalSocketID, 76), (.pendingData, 77),
            (.socketNotConnected, 78), (.serverPortInUse, 79), (.dataModeNotAvailable, 90),
            (.commandModeNotAvailable, 91), (.socketServerRunning, 92), (.socketServerNotRunning, 93), (.timedOut, 30),
            (.handshakeTimedOut, 31), (.writeTimedOut, 32), (.fileNotFound, 80), (.fileExists, 81), (.fileTooLarge, 82),
            (.invalidFileName, 83), (.fileSystemFull, 84), (.fileRangeInvalid, 85), (.credentialRejected, 20),
            (.credentialOverCapacity, 40), (.credentialUnparsable, 41), (.credentialWrongType, 42),
            (.credentialEncryptedKey, 43), (.credentialChainOutOfOrder, 44), (.credentialKeyMismatch, 45),
            (.credentialChainNotAllowed, 46), (.credentialUnsupportedKey, 47), (.credentialMultipleKeys, 48),
            (.credentialInvalidDomain, 49), (.credentialsMissing, 21), (.credentialsMissingCA, 50),
            (.credentialsMissingKey, 51), (.credentialsMissingCert, 52), (.handshakeFailed, 22),
            (.tlsProtocolVersion, 60), (.tlsUnknownCA, 61), (.tlsNameMismatch, 62), (.tlsCertificateExpired, 63),
            (.tlsCertificateNotYetValid, 64), (.tlsClientCertificateRequired, 65), (.tlsClientCertificateRefused, 66),
            (.tlsServerClosed, 67), (.tlsBadServerCertificate, 68),
        ]
        #expect(named.count == ATError.catalogue.count, "a catalogue entry without a name, or a name twice")
        for (error, code) in named {
            #expect(error.code == code && !error.text.isEmpty, "\(error)")
            #expect(ATError.catalogue.contains(error), "\(error) is not in the catalogue")
        }
        #expect(ATError.catalogue.allSatisfy { (1...999).contains($0.code) }, "the SPWF04 prints up to three digits")
    }

    @Test("the line check catches what a Swift error dump would put on the line")
    func lineProblems() {
        let d01 = ATDialect.spwf01
        let d04 = ATDialect.spwf04
        let dump =
            "TLS handshake failed: handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268436526 error:1000042e:"
            + "SSL routines:OPENSSL_internal:TLSV1_ALERT_PROTOCOL_VERSION at /build/checkouts/tls_record.cc:491]))"
        for dialect in [d01, d04] {
            #expect(!dialect.errorLineProblems(dialect.error(ATError(code: 22, text: dump))).isEmpty)
            #expect(!dialect.errorLineProblems(dialect.error(ATError(code: 20, text: "cert: at /tmp/x"))).isEmpty)
            #expect(!dialect.errorLineProblems(dialect.error(ATError(code: 20, text: "a NIOSSL.Thing"))).isEmpty)
            #expect(!dialect.errorLineProblems(dialect.error(ATError(code: 20, text: "IOError: x"))).isEmpty)
            #expect(!dialect.errorLineProblems(dialect.error(ATError(code: 20, text: "at time 1767225600"))).isEmpty)
            let long = String(repeating: "x", count: 114)
            #expect(!dialect.errorLineProblems(dialect.error(ATError(code: 20, text: long))).isEmpty)
            #expect(dialect.errorLineProblems(dialect.error(.tlsProtocolVersion)).isEmpty)
        }
        #expect(!d04.errorLineProblems(Array("OK\r\n".utf8)).isEmpty)
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
