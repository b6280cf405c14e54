/// One parsed AT command line: `AT`, `AT&F`, `AT+CFUN=1`, `AT+S.SOCKON=host,80,t`.
public struct ATCommandLine: Equatable, Sendable {
    /// The command name in upper case, including the `AT` prefix (`"AT+S.SOCKON"`, `"AT&W"`, `"AT"`).
    public var name: String
    /// The text after `=`, or `nil` when the line had no `=`.
    public var argument: String?

    /// Creates a command line from its parts.
    public init(name: String, argument: String?) {
        self.name = name
        self.argument = argument
    }

    /// Parses one line (without its terminator).
    ///
    /// The `AT` prefix and the name are case-insensitive and must be printable ASCII; the argument
    /// may hold any printable UTF-8 text. Control bytes (NUL included) anywhere are rejected.
    public static func parse(_ line: [UInt8]) throws(ATLineError) -> ATCommandLine {
        var end = line.count
        while end > 0 && line[end - 1] == 0x20 { end -= 1 }
        guard end >= 2, line[0] | 0x20 == 0x61, line[1] | 0x20 == 0x74 else {
            throw .notAnATCommand
        }
        var nameBytes: [UInt8] = [0x41, 0x54]
        var index = 2
        while index < end, line[index] != 0x3D {
            let byte = line[index]
            guard byte > 0x20, byte < 0x7F else { throw .invalidCharacter(offset: index) }
            nameBytes.append(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
            index += 1
        }
        let name = String(decoding: nameBytes, as: UTF8.self)
        guard index < end else { return ATCommandLine(name: name, argument: nil) }
        let argumentBytes = line[(index + 1)..<end]
        for (offset, byte) in zip(argumentBytes.indices, argumentBytes) where byte < 0x20 || byte == 0x7F {
            throw .invalidCharacter(offset: offset)
        }
        guard let argument = String(validating: argumentBytes, as: UTF8.self) else {
            throw .invalidUTF8
        }
        return ATCommandLine(name: name, argument: argument)
    }

    /// Splits the argument into at most `limit` fields at `delimiter`; the last field keeps the rest.
    ///
    /// The split is on the delimiter's bytes (Unicode scalars, never grapheme clusters): a `,` followed by a
    /// combining mark still separates two fields, as it does for the module's firmware. A missing argument
    /// gives no fields; an empty argument gives one empty field.
    public func fields(limit: Int = Int.max, delimiter: Unicode.Scalar = ",") -> [Substring] {
        guard let argument else { return [] }
        return argument.unicodeScalars.split(
            separator: delimiter, maxSplits: max(0, limit - 1), omittingEmptySubsequences: false
        ).map(Substring.init)
    }
}

/// Why a line is not a well-formed AT command.
public enum ATLineError: Error, Equatable, Sendable {
    /// The line does not start with `AT`.
    case notAnATCommand
    /// A control byte (or a space inside the name) at this offset.
    case invalidCharacter(offset: Int)
    /// The argument is not valid UTF-8.
    case invalidUTF8
}
