/// A command line built as bytes, piece by piece: literals, decimals, and parameters checked as they are appended.
/// Every builder of a command with parameters goes through it, so one function checks parameters and no builder
/// carries string joining or interpolation (in a firmware's image, code at every command that has it).
struct ATCommandLineBuilder {
    var bytes: [UInt8]

    /// A line starting with `head` (`AT+S.SCFG=`).
    @inline(never)
    init(_ head: StaticString) {
        bytes = Array(ATBytes.bytes(head))
    }

    /// Appends a literal (`,ind`).
    @inline(never)
    mutating func append(_ literal: StaticString) {
        bytes.append(contentsOf: ATBytes.bytes(literal))
    }

    /// Appends `value` in decimal.
    mutating func append(decimal value: Int) {
        ATBytes.appendDecimal(value, to: &bytes)
    }

    /// Appends a parameter: refused when it holds the delimiter, a control byte or non-ASCII text, which would
    /// change the command's meaning on the wire.
    @inline(never)
    mutating func append(parameter: String) throws(ATCommandError) {
        let safe = ATBytes.withBytes(parameter) { parameter in
            !parameter.contains { $0 < 0x20 || $0 >= 0x7F || $0 == 0x2C }
        }
        guard safe else { throw .unsafeParameter(parameter) }
        bytes.append(contentsOf: parameter.utf8)
    }

    /// The command: the line, then `block` after its CR.
    @inline(never)
    func command(block: [UInt8] = [], reply: ATHostCommand.Reply = .lines) -> ATHostCommand {
        ATHostCommand(lineBytes: bytes, block: block, reply: reply)
    }
}
