/// The MQTT variable byte integer (§1.5.5): 7 bits per byte, least significant group first, at most 4 bytes.
public enum VariableByteInteger {
    /// The largest encodable value, 268,435,455.
    public static let maxValue = 268_435_455

    /// The number of bytes needed to encode `value` (1...4), or `nil` when it is outside 0...``maxValue``.
    public static func encodedLength(of value: Int) -> Int? {
        switch value {
        case 0..<128: return 1
        case 128..<16_384: return 2
        case 16_384..<2_097_152: return 3
        case 2_097_152...maxValue: return 4
        default: return nil
        }
    }

    /// Appends the minimal encoding of `value`; throws ``MQTTEncodeError/valueOutOfRange`` outside 0...``maxValue``.
    public static func encode(_ value: Int, into buffer: inout [UInt8]) throws(MQTTEncodeError) {
        guard value >= 0 && value <= maxValue else { throw .valueOutOfRange }
        buffer.writeVariableByteInteger(value)
    }

    /// The result of ``decode(_:at:)``.
    public enum DecodeResult: Sendable, Equatable {
        /// A complete integer: its value and how many bytes it used.
        case value(Int, length: Int)
        /// The bytes end before the integer does.
        case needMoreBytes
        /// More than four bytes, or a non-minimal encoding (a trailing zero continuation byte).
        case malformed
    }

    /// Decodes the integer starting at `index` in `bytes` without consuming anything.
    public static func decode(_ bytes: [UInt8], at index: Int) -> DecodeResult {
        var value = 0
        var multiplier = 1
        var position = index
        for count in 1...4 {
            guard position < bytes.endIndex, position >= bytes.startIndex else { return .needMoreBytes }
            let byte = bytes[position]
            position += 1
            value += Int(byte & 0x7F) * multiplier
            if byte & 0x80 == 0 {
                // A multi-byte encoding whose last group is zero could have been shorter [MQTT-1.5.5-1].
                if count > 1 && byte == 0 { return .malformed }
                return .value(value, length: count)
            }
            multiplier &<<= 7
        }
        return .malformed
    }
}

extension Array where Element == UInt8 {
    /// Appends a variable byte integer; `value` must already be within 0...268,435,455.
    mutating func writeVariableByteInteger(_ value: Int) {
        var remaining = UInt32(truncatingIfNeeded: value)
        repeat {
            var byte = UInt8(truncatingIfNeeded: remaining & 0x7F)
            remaining >>= 7
            if remaining > 0 { byte |= 0x80 }
            append(byte)
        } while remaining > 0
    }

    /// Appends a big-endian 16-bit integer.
    mutating func writeUInt16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends a big-endian 32-bit integer.
    mutating func writeUInt32(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends a length-prefixed UTF-8 string whose length was checked by `EncodingSize.string`.
    @inline(never)
    mutating func writeString(_ string: String) {
        let utf8 = string.utf8
        writeUInt16(UInt16(truncatingIfNeeded: utf8.count))
        append(contentsOf: utf8)
    }

    /// Appends length-prefixed binary data whose length was checked by `EncodingSize.binary`.
    mutating func writeBinary(_ data: [UInt8]) {
        writeUInt16(UInt16(truncatingIfNeeded: data.count))
        append(contentsOf: data)
    }
}
