import ATCodec
import Testing

@Suite("AT file syntax: FSL lines both ways, and the host's file commands", .timeLimit(.minutes(1)))
struct ATFileSyntaxTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    private func line(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        var body = bytes[...]
        while let first = body.first, first == 0x0D || first == 0x0A { body = body.dropFirst() }
        while let last = body.last, last == 0x0D || last == 0x0A { body = body.dropLast() }
        return body
    }

    @Test("FSL lines: rendered, then parsed back by the same dialect")
    func listLines() {
        #expect(text(ATDialect.spwf01.fileListLine(name: "/index.html", size: 596)) == "D 596 /index.html\r\n")
        #expect(text(ATDialect.spwf04.fileListLine(name: "ca.pem", size: 1200)) == "AT-S.File:1:1200:ca.pem\r\n")
        for dialect in [ATDialect.spwf01, .spwf04] {
            for (name, size) in [("/a", 0), ("x:y", 16_384), ("/dir/f.txt", 7)] {
                let reply = dialect.parseLine(line(dialect.fileListLine(name: name, size: size)))
                #expect(dialect.fileEntry(reply) == ATFileEntry(name: name, size: size), "\(dialect) \(name)")
            }
            #expect(dialect.fileEntry(dialect.parseLine(Array("#  ip_ipaddr = 1.2.3.4".utf8))) == nil)
            #expect(dialect.fileEntry(.ok) == nil)
        }
        // Not an entry: no size, no name.
        #expect(ATDialect.spwf01.fileEntry(.information("D x /a")) == nil)
        #expect(ATDialect.spwf01.fileEntry(.information("D 12")) == nil)
        #expect(ATDialect.spwf04.fileEntry(.information("File:1:12:")) == nil)
    }

    @Test("host commands: the bytes on the wire in each dialect")
    func commands() throws {
        let one = ATDialect.spwf01
        let four = ATDialect.spwf04
        #expect(try one.fileCreateCommand("/a.txt", size: 64)?.bytes == Array("AT+S.FSC=/a.txt,64\r".utf8))
        #expect(try four.fileCreateCommand("a.txt", size: 64) == nil)
        #expect(try one.fileWriteCommand("/a.txt", [1, 2]).bytes == Array("AT+S.FSA=/a.txt,2\r".utf8) + [1, 2])
        #expect(try four.fileWriteCommand("a.txt", [1, 2]).bytes == Array("AT+S.FSC=a.txt,2\r".utf8) + [1, 2])
        #expect(try one.fileDeleteCommand("/a.txt").line == "AT+S.FSD=/a.txt")
        #expect(try one.fileRenameCommand("/a", to: "/b") == nil)
        #expect(try four.fileRenameCommand("a", to: "b")?.line == "AT+S.FSR=a,b")
        #expect(one.fileListCommand.line == "AT+S.FSL")
        let whole = try one.filePrintCommand("/a", offset: nil, count: 9)
        #expect(whole.line == "AT+S.FSP=/a" && whole.reply == .data(count: 9))
        let range = try four.filePrintCommand("a", offset: 4, count: 2)
        #expect(range.line == "AT+S.FSP=a,4,2" && range.reply == .data(count: 2))
        #expect(throws: ATCommandError.self) { try four.filePrintCommand("a", offset: nil, count: 2) }
        #expect(throws: ATCommandError.self) { try one.fileWriteCommand("/a", []) }
        #expect(throws: ATCommandError.self) { try one.fileDeleteCommand("/a,b") }
        #expect(try four.storeCredentialFromFileCommand(.ca, file: "ca.pem")?.line == "AT+S.TLSCERT=ca,ca.pem")
        #expect(try one.storeCredentialFromFileCommand(.ca, file: "ca.pem") == nil)
        #expect(throws: ATCommandError.self) { try four.storeCredentialFromFileCommand(.ca, file: "123") }
    }
}
