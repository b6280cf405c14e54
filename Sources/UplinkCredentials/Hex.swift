/// Hexadecimal text for bytes (fingerprints, serial numbers, error messages).
enum Hex {
    private static let digits = Array("0123456789ABCDEF")

    /// Two upper-case hex digits.
    static func byte(_ byte: UInt8) -> String {
        String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    /// Upper-case hex digits joined by `separator` ("AB:CD:...").
    static func string<Bytes: Sequence>(_ bytes: Bytes, separator: String = ":") -> String
    where Bytes.Element == UInt8 {
        bytes.map(byte).joined(separator: separator)
    }
}
