import MQTTCodec
import Testing

/// The SUBSCRIBE options byte, one bit at a time (§3.8.3.1): each reserved bit is refused on its own, so a mask
/// that checks only some of them fails here; each defined bit is accepted on its own.
@Suite("SUBSCRIBE options: every bit on its own", .timeLimit(.minutes(1)))
struct SubscriptionOptionBitsTests {
    /// A SUBSCRIBE with one filter `a` and the given options byte; the options byte is at offset 8 in MQTT 5
    /// (after the empty property length) and 7 in 3.1.1.
    static func subscribe(_ options: UInt8, version: MQTTProtocolVersion) -> [UInt8] {
        frame(0x82, [0, 1] + (version == .v5 ? [0] : []) + str("a") + [options])
    }

    static func decodedOptions(_ options: UInt8, version: MQTTProtocolVersion) throws -> MQTTSubscriptionOptions? {
        guard
            case .subscribe(let packet) = try MQTTDecoder.decode(subscribe(options, version: version), version: version)
        else { return nil }
        return packet.subscriptions.first?.options
    }

    @Test("MQTT 5: reserved bit 6 alone and bit 7 alone are each refused", arguments: [UInt8(0x40), 0x80])
    func v5ReservedBit(_ bit: UInt8) {
        #expect(throws: MQTTDecodeError.invalidSubscriptionOptions(offset: 8, options: bit)) {
            try MQTTDecoder.decode(Self.subscribe(bit, version: .v5), version: .v5)
        }
        // With every defined bit set to a valid value as well.
        let withValidBits = bit | 0x2E  // QoS 2, No Local, Retain As Published, Retain Handling 2
        #expect(throws: MQTTDecodeError.invalidSubscriptionOptions(offset: 8, options: withValidBits)) {
            try MQTTDecoder.decode(Self.subscribe(withValidBits, version: .v5), version: .v5)
        }
        var decoder = MQTTFrameDecoder(version: .v5)
        decoder.append(Self.subscribe(bit, version: .v5))
        #expect(throws: MQTTDecodeError.invalidSubscriptionOptions(offset: 8, options: bit)) { try decoder.next() }
    }

    @Test("MQTT 5: each defined bit alone is accepted")
    func v5DefinedBits() throws {
        #expect(try Self.decodedOptions(0x01, version: .v5) == MQTTSubscriptionOptions(qos: .atLeastOnce))
        #expect(try Self.decodedOptions(0x02, version: .v5) == MQTTSubscriptionOptions(qos: .exactlyOnce))
        #expect(try Self.decodedOptions(0x04, version: .v5) == MQTTSubscriptionOptions(noLocal: true))
        #expect(try Self.decodedOptions(0x08, version: .v5) == MQTTSubscriptionOptions(retainAsPublished: true))
        #expect(
            try Self.decodedOptions(0x10, version: .v5)
                == MQTTSubscriptionOptions(retainHandling: .sendOnSubscribeIfNew))
        #expect(try Self.decodedOptions(0x20, version: .v5) == MQTTSubscriptionOptions(retainHandling: .doNotSend))
        // The largest valid byte.
        #expect(
            try Self.decodedOptions(0x2E, version: .v5)
                == MQTTSubscriptionOptions(
                    qos: .exactlyOnce, noLocal: true, retainAsPublished: true, retainHandling: .doNotSend))
    }

    @Test(
        "MQTT 3.1.1: each of the reserved bits 2-7 alone is refused",
        arguments: [UInt8(0x04), 0x08, 0x10, 0x20, 0x40, 0x80])
    func v3ReservedBit(_ bit: UInt8) {
        #expect(throws: MQTTDecodeError.invalidSubscriptionOptions(offset: 7, options: bit)) {
            try MQTTDecoder.decode(Self.subscribe(bit, version: .v3_1_1), version: .v3_1_1)
        }
    }

    @Test("MQTT 3.1.1: the QoS bits are accepted")
    func v3QoSBits() throws {
        #expect(try Self.decodedOptions(0x01, version: .v3_1_1) == MQTTSubscriptionOptions(qos: .atLeastOnce))
        #expect(try Self.decodedOptions(0x02, version: .v3_1_1) == MQTTSubscriptionOptions(qos: .exactlyOnce))
    }
}
