/// A bounds-checked cursor over the bytes of one packet inside a larger buffer.
///
/// Every read checks against `end` and throws a precise ``MQTTDecodeError``; nothing allocates more than the
/// bytes actually present.
struct ByteReader {
    let bytes: [UInt8]
    var index: Int
    var end: Int
    let packetStart: Int
    let packetType: MQTTPacketType

    init(bytes: [UInt8], packetStart: Int, bodyStart: Int, end: Int, packetType: MQTTPacketType) {
        self.bytes = bytes
        self.packetStart = packetStart
        self.index = bodyStart
        self.end = end
        self.packetType = packetType
    }

    /// A reader over the body of the packet whose fixed header was parsed at `start` in `bytes`.
    @inline(__always)
    init(bytes: [UInt8], at start: Int, header: MQTTFixedHeader) {
        self.init(
            bytes: bytes, packetStart: start, bodyStart: start + header.headerLength, end: start + header.packetLength,
            packetType: header.packetType)
    }

    /// Bytes left before `end`.
    var remaining: Int { end - index }

    /// Whether every byte up to `end` has been read.
    var isAtEnd: Bool { index >= end }

    /// The current position relative to the start of the packet.
    var offset: Int { index - packetStart }

    func offset(of position: Int) -> Int { position - packetStart }

    /// Throws ``MQTTDecodeError/trailingBytes(packetType:count:)`` if bytes remain.
    func expectEnd() throws(MQTTDecodeError) {
        if index < end { throw .trailingBytes(packetType: packetType, count: end - index) }
    }

    mutating func readUInt8() throws(MQTTDecodeError) -> UInt8 {
        guard index < end else { throw .truncated(packetType: packetType, offset: offset) }
        let byte = bytes[index]
        index += 1
        return byte
    }

    mutating func readUInt16() throws(MQTTDecodeError) -> UInt16 {
        guard end - index >= 2 else { throw .truncated(packetType: packetType, offset: offset) }
        let value = UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
        index += 2
        return value
    }

    mutating func readUInt32() throws(MQTTDecodeError) -> UInt32 {
        guard end - index >= 4 else { throw .truncated(packetType: packetType, offset: offset) }
        var value: UInt32 = 0
        for position in index..<(index + 4) { value = value << 8 | UInt32(bytes[position]) }
        index += 4
        return value
    }

    /// Reads a non-zero packet identifier.
    mutating func readPacketIdentifier() throws(MQTTDecodeError) -> UInt16 {
        let identifier = try readUInt16()
        if identifier == 0 { throw .zeroPacketIdentifier(packetType: packetType) }
        return identifier
    }

    mutating func readVariableByteInteger() throws(MQTTDecodeError) -> Int {
        let start = index
        var value = 0
        var multiplier = 1
        for count in 1...4 {
            guard index < end else { throw .truncated(packetType: packetType, offset: offset) }
            let byte = bytes[index]
            index += 1
            value += Int(byte & 0x7F) * multiplier
            if byte & 0x80 == 0 {
                if count > 1 && byte == 0 {
                    throw .malformedVariableByteInteger(packetType: packetType, offset: offset(of: start))
                }
                return value
            }
            multiplier &<<= 7
        }
        throw .malformedVariableByteInteger(packetType: packetType, offset: offset(of: start))
    }

    /// Reads a two-byte length and returns the range of the bytes that follow it.
    mutating func readLengthPrefixedRange() throws(MQTTDecodeError) -> Range<Int> {
        let start = index
        let length = Int(try readUInt16())
        guard end - index >= length else {
            index = start
            throw .truncated(packetType: packetType, offset: offset)
        }
        let range = index..<(index + length)
        index += length
        return range
    }

    mutating func readBinary() throws(MQTTDecodeError) -> [UInt8] {
        let range = try readLengthPrefixedRange()
        return Array(bytes[range])
    }

    /// Reads a UTF-8 string, rejecting ill-formed UTF-8, surrogates and U+0000.
    mutating func readString() throws(MQTTDecodeError) -> String {
        let range = try readLengthPrefixedRange()
        return try makeString(range)
    }

    func makeString(_ range: Range<Int>) throws(MQTTDecodeError) -> String {
        try validateUTF8(range)
        return String(decoding: bytes[range], as: UTF8.self)
    }

    /// Reads the remaining bytes up to `end`.
    mutating func readRest() -> [UInt8] {
        guard index < end else { return [] }
        let rest = Array(bytes[index..<end])
        index = end
        return rest
    }

    /// Checks `bytes[range]` is well-formed UTF-8 (RFC 3629: no overlongs, surrogates or values above U+10FFFF)
    /// without U+0000.
    func validateUTF8(_ range: Range<Int>) throws(MQTTDecodeError) {
        var position = range.lowerBound
        let limit = range.upperBound
        while position < limit {
            let lead = bytes[position]
            if lead < 0x80 {
                if lead == 0 { throw .nullCharacter(packetType: packetType, offset: offset(of: position)) }
                position += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: throw .invalidUTF8(packetType: packetType, offset: offset(of: position))
            }
            guard limit - position >= length else {
                throw .invalidUTF8(packetType: packetType, offset: offset(of: position))
            }
            let second = bytes[position + 1]
            guard second >= low && second <= high else {
                throw .invalidUTF8(packetType: packetType, offset: offset(of: position))
            }
            var continuation = position + 2
            while continuation < position + length {
                guard bytes[continuation] & 0xC0 == 0x80 else {
                    throw .invalidUTF8(packetType: packetType, offset: offset(of: position))
                }
                continuation += 1
            }
            position += length
        }
    }
}
