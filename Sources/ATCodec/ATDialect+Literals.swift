/// The texts a host parses, as literals: the parsers compare them as bytes where they are, with no `String` to
/// retain, release or make contiguous (in a firmware's image, code at every use). The public `String` properties
/// (``ATDialect/okText``...) are made from these, so each text is written once.
extension ATDialect {
    /// ``okText``.
    var okLiteral: StaticString { family == .spwf01 ? "OK" : "AT-S.OK" }
    /// ``errorPrefix``.
    var errorPrefixLiteral: StaticString { family == .spwf01 ? "ERROR: " : "AT-S.ERROR" }
    /// ``linePrefix``.
    var linePrefixLiteral: StaticString { family == .spwf01 ? "" : "AT-S." }
    /// ``socketOpenedPrefix``.
    var socketOpenedPrefixLiteral: StaticString { family == .spwf01 ? " ID: " : "AT-S.On:" }
    /// ``pendingLengthPrefix``.
    var pendingLengthPrefixLiteral: StaticString { family == .spwf01 ? " DATALEN: " : "AT-S.Query:" }
    /// ``readingPrefix``.
    var readingPrefixLiteral: StaticString? { family == .spwf01 ? nil : "AT-S.Reading:" }
    /// ``variablePrefix``.
    var variablePrefixLiteral: StaticString { family == .spwf01 ? "#  " : "AT-S.Var:" }
    /// ``variableSeparator``.
    var variableSeparatorLiteral: StaticString { family == .spwf01 ? " = " : "=" }
    /// ``wifiUpPrefix``.
    var wifiUpPrefixLiteral: StaticString { family == .spwf01 ? "WiFi Up:" : "WiFi Up:0:" }
    /// ``pendingDataPrefix``.
    var pendingDataPrefixLiteral: StaticString { family == .spwf01 ? "Pending Data:" : "Pending Data::" }
    /// ``socketClosedSuffix``.
    var socketClosedSuffixLiteral: StaticString { family == .spwf01 ? "" : ":0" }
}

extension ATBytes {
    /// The literal's UTF-8 bytes, in place.
    static func bytes(_ literal: StaticString) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
    }

    /// The literal as a `String`.
    static func string(_ literal: StaticString) -> String {
        String(decoding: bytes(literal), as: UTF8.self)
    }

    /// The bytes after the literal `prefix`, or `nil` when `bytes` does not start with it.
    @inline(never)
    static func after(literal prefix: StaticString, in bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let prefix = Self.bytes(prefix)
        guard bytes.count >= prefix.count, bytes.starts(with: prefix) else { return nil }
        return bytes.dropFirst(prefix.count)
    }
}

extension ATBytes {
    /// `head` then the decimal of `first`, and of `second` after a comma: a command line made without string
    /// interpolation (in a firmware's image, an interpolation is its code at every command that has one).
    @inline(never)
    static func line(_ head: StaticString, _ first: Int, _ second: Int? = nil) -> [UInt8] {
        var line = Array(bytes(head))
        appendDecimal(first, to: &line)
        if let second {
            line.append(0x2C)
            appendDecimal(second, to: &line)
        }
        return line
    }

    /// Appends `value` in decimal, as `"\(value)"` prints it.
    static func appendDecimal(_ value: Int, to line: inout [UInt8]) {
        if value < 0 { line.append(0x2D) }
        let magnitude = value.magnitude
        var divisor: UInt = 1
        while magnitude / divisor >= 10 { divisor *= 10 }
        repeat {
            line.append(0x30 + UInt8(magnitude / divisor % 10))
            divisor /= 10
        } while divisor > 0
    }
}
