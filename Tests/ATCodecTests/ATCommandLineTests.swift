import ATCodec
import Testing

@Suite("AT command line", .timeLimit(.minutes(1)))
struct ATCommandLineTests {
    @Test("Names are case-insensitive and keep their prefix")
    func names() throws {
        #expect(try ATCommandLine.parse(Array("at".utf8)) == ATCommandLine(name: "AT", argument: nil))
        #expect(try ATCommandLine.parse(Array("at&w".utf8)) == ATCommandLine(name: "AT&W", argument: nil))
        #expect(try ATCommandLine.parse(Array("At+s.Sts=ip_ipaddr".utf8)).name == "AT+S.STS")
        #expect(try ATCommandLine.parse(Array("AT+CFUN=1".utf8)) == ATCommandLine(name: "AT+CFUN", argument: "1"))
    }

    @Test("The argument keeps its case; trailing spaces go")
    func argument() throws {
        let line = try ATCommandLine.parse(Array("AT+S.SSIDTXT=My Net  ".utf8))
        #expect(line.argument == "My Net")
        #expect(try ATCommandLine.parse(Array("AT+S.GCFG=".utf8)).argument == "")
    }

    @Test("Fields split at the delimiter, the last one keeps the rest")
    func fields() throws {
        let line = try ATCommandLine.parse(Array("AT+S.SCFG=wifi_wpa_psk_text,a,b,c".utf8))
        #expect(line.fields(limit: 2) == ["wifi_wpa_psk_text", "a,b,c"])
        #expect(line.fields() == ["wifi_wpa_psk_text", "a", "b", "c"])
        #expect(try ATCommandLine.parse(Array("AT+S.SOCKON=h,1,,t".utf8)).fields() == ["h", "1", "", "t"])
        #expect(try ATCommandLine.parse(Array("AT".utf8)).fields().isEmpty)
        #expect(try ATCommandLine.parse(Array("AT+S.X=a;b".utf8)).fields(delimiter: ";") == ["a", "b"])
    }

    @Test("Fields split on bytes: a combining mark after the delimiter does not hide it")
    func fieldsSplitOnBytes() throws {
        // "," + U+0301 is one grapheme cluster: a split on Character would see no delimiter at all.
        let line = try ATCommandLine.parse(Array("AT+S.SSIDTXT=caf,\u{301}e,x".utf8))
        #expect(line.fields().map { Array($0.utf8) } == [Array("caf".utf8), Array("\u{301}e".utf8), Array("x".utf8)])
        // NFC and NFD spellings of one name stay distinct bytes in the fields.
        let nfd = try ATCommandLine.parse(Array("AT+S.X=cafe\u{301},1".utf8)).fields()
        #expect(Array(nfd[0].utf8) == Array("cafe\u{301}".utf8))
        #expect(Array(nfd[0].utf8) != Array("caf\u{E9}".utf8))
    }

    @Test(
        "Malformed lines give a precise error",
        arguments: [
            ([UInt8]("xyz".utf8), ATLineError.notAnATCommand),
            ([0x41], ATLineError.notAnATCommand),
            ([0x41, 0x54, 0x00], ATLineError.invalidCharacter(offset: 2)),
            ([UInt8]("AT+S.X=a".utf8) + [0x01], ATLineError.invalidCharacter(offset: 8)),
            ([UInt8]("AT+S.X=".utf8) + [0xFF, 0xFE], ATLineError.invalidUTF8),
            ([UInt8]("AT S".utf8), ATLineError.invalidCharacter(offset: 2)),
        ])
    func malformed(bytes: [UInt8], expected: ATLineError) {
        #expect(throws: expected) { try ATCommandLine.parse(bytes) }
    }
}
