import CodecTestSupport
import MQTTCodec
import Testing

@Suite(.timeLimit(.minutes(1))) struct VariableByteIntegerTests {
    /// The boundary values of the spec table (§1.5.5).
    static let table: [(Int, String)] = [
        (0, "00"),
        (127, "7f"),
        (128, "80 01"),
        (16_383, "ff 7f"),
        (16_384, "80 80 01"),
        (2_097_151, "ff ff 7f"),
        (2_097_152, "80 80 80 01"),
        (268_435_455, "ff ff ff 7f"),
    ]

    @Test func specTableEncodings() throws {
        for (value, expected) in Self.table {
            var buffer: [UInt8] = []
            try VariableByteInteger.encode(value, into: &buffer)
            #expect(buffer == hex(expected), "value \(value)")
            #expect(VariableByteInteger.encodedLength(of: value) == buffer.count)
            #expect(VariableByteInteger.decode(buffer, at: 0) == .value(value, length: buffer.count))
        }
    }

    @Test func decodesAtOffset() {
        #expect(VariableByteInteger.decode(hex("aa bb 80 01"), at: 2) == .value(128, length: 2))
    }

    @Test func outOfRangeValuesAreRejected() {
        var buffer: [UInt8] = []
        #expect(throws: MQTTEncodeError.valueOutOfRange) { try VariableByteInteger.encode(268_435_456, into: &buffer) }
        #expect(throws: MQTTEncodeError.valueOutOfRange) { try VariableByteInteger.encode(-1, into: &buffer) }
        #expect(buffer.isEmpty)
        #expect(VariableByteInteger.encodedLength(of: 268_435_456) == nil)
        #expect(VariableByteInteger.encodedLength(of: -1) == nil)
    }

    @Test func incompleteAndMalformed() {
        #expect(VariableByteInteger.decode([], at: 0) == .needMoreBytes)
        #expect(VariableByteInteger.decode(hex("80"), at: 0) == .needMoreBytes)
        #expect(VariableByteInteger.decode(hex("ff ff ff"), at: 0) == .needMoreBytes)
        #expect(VariableByteInteger.decode(hex("ff ff ff ff 01"), at: 0) == .malformed)
        #expect(VariableByteInteger.decode(hex("ff ff ff 80"), at: 0) == .malformed)
        // Non-minimal encodings [MQTT-1.5.5-1].
        #expect(VariableByteInteger.decode(hex("80 00"), at: 0) == .malformed)
        #expect(VariableByteInteger.decode(hex("ff 80 00"), at: 0) == .malformed)
        #expect(VariableByteInteger.decode(hex("00"), at: 5) == .needMoreBytes)
        #expect(VariableByteInteger.decode(hex("00"), at: -1) == .needMoreBytes)
    }

    @Test func everyLengthBoundaryRoundTrips() throws {
        var value = 1
        while value <= VariableByteInteger.maxValue {
            for candidate in [value - 1, value, value + 1] where candidate <= VariableByteInteger.maxValue {
                var buffer: [UInt8] = []
                try VariableByteInteger.encode(candidate, into: &buffer)
                #expect(VariableByteInteger.decode(buffer, at: 0) == .value(candidate, length: buffer.count))
            }
            value <<= 1
        }
    }
}
