import ATCodec
import Testing

/// The commands whose parameters are numbers write them without string interpolation (the firmware's image): the
/// lines are those interpolation gives, for every kind of number.
@Suite("AT host commands: numeric parameters", .timeLimit(.minutes(1)))
struct ATNumericCommandLineTests {
    static let numbers = [0, 1, 9, 10, 99, 100, 730, 4_096, 65_535, 1_764_892_800, Int(Int32.max), Int.max]

    @Test("SOCKQ, SOCKC, SOCKR, SOCKW and SETTIME lines as interpolated", arguments: [ATDialect.spwf01, .spwf04])
    func lines(dialect: ATDialect) throws {
        for number in Self.numbers {
            #expect(dialect.socketQueryCommand(socket: number).line == "AT+S.SOCKQ=\(number)")
            #expect(dialect.socketCloseCommand(socket: number).line == "AT+S.SOCKC=\(number)")
            #expect(try dialect.setTimeCommand(number).line == "AT+S.SETTIME=\(number)")
            if number >= 1 {
                #expect(try dialect.socketReadCommand(socket: 7, count: number).line == "AT+S.SOCKR=7,\(number)")
                #expect(try dialect.socketReadCommand(socket: number, count: 1).line == "AT+S.SOCKR=\(number),1")
            }
        }
        let write = try dialect.socketWriteCommand(socket: 12, Array(repeating: 0x41, count: 730), maximum: 730)
        #expect(write.line == "AT+S.SOCKW=12,730")
    }

    @Test("negative socket ids are written as interpolation writes them")
    func negative() {
        for number in [-1, -10, Int.min] {
            #expect(ATDialect.spwf01.socketQueryCommand(socket: number).line == "AT+S.SOCKQ=\(number)")
        }
    }
}
