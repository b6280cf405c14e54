import CodecTestSupport
import MQTTCodec
import Testing

@Suite(.timeLimit(.minutes(1))) struct FrameDecoderTests {
    static func stream(_ version: MQTTProtocolVersion) throws -> (packets: [MQTTPacket], bytes: [UInt8]) {
        let packets = Samples.all(version).filter {
            if case .connect = $0 { return false }
            return true
        }
        var bytes: [UInt8] = []
        for packet in packets { try packet.encode(version: version, into: &bytes) }
        return (packets, bytes)
    }

    func drain(_ decoder: inout MQTTFrameDecoder, into packets: inout [MQTTPacket]) throws {
        while let packet = try decoder.next() { packets.append(packet) }
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func oneByteAtATime(version: MQTTProtocolVersion) throws {
        let (expected, bytes) = try Self.stream(version)
        var decoder = MQTTFrameDecoder(version: version)
        var received: [MQTTPacket] = []
        for byte in bytes {
            decoder.append(CollectionOfOne(byte))
            try drain(&decoder, into: &received)
        }
        #expect(received == expected)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5], [UInt64(1), 2, 3, 42, 0xDEAD_BEEF])
    func randomChunks(version: MQTTProtocolVersion, seed: UInt64) throws {
        let (expected, bytes) = try Self.stream(version)
        var rng = SplitMix64(seed: seed)
        var decoder = MQTTFrameDecoder(version: version)
        var received: [MQTTPacket] = []
        var position = 0
        while position < bytes.count {
            let size = Int.random(in: 1...(Int.random(in: 0...1, using: &rng) == 0 ? 16 : 40_000), using: &rng)
            let end = min(bytes.count, position + size)
            decoder.append(bytes[position..<end])
            position = end
            try drain(&decoder, into: &received)
        }
        #expect(received == expected)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func wholeStreamAtOnce() throws {
        let (expected, bytes) = try Self.stream(.v5)
        var decoder = MQTTFrameDecoder(version: .v5)
        decoder.append(bytes)
        var received: [MQTTPacket] = []
        try drain(&decoder, into: &received)
        #expect(received == expected)
    }

    @Test func manySmallPacketsKeepTheBufferBounded() throws {
        var decoder = MQTTFrameDecoder(version: .v3_1_1)
        let packet = MQTTPacket.publish(PublishPacket(topic: "t/1", payload: [UInt8](repeating: 7, count: 100)))
        let bytes = try packet.encode(version: .v3_1_1)
        var count = 0
        for _ in 0..<20_000 {
            // Leave a partial packet buffered each time so compaction has live bytes to move.
            decoder.append(bytes[0..<50])
            if try decoder.next() != nil { count += 1 }
            decoder.append(bytes[50...])
            while try decoder.next() != nil { count += 1 }
            #expect(decoder.bufferedByteCount < 2 * bytes.count)
        }
        #expect(count == 20_000)
    }

    @Test func oversizedPacketIsRejectedFromItsHeader() throws {
        var decoder = MQTTFrameDecoder(version: .v5, maximumPacketSize: 1024)
        // PUBLISH claiming ~200 MB: rejected as soon as the remaining length is complete.
        decoder.append(hex("30 ff ff ff"))
        #expect(try decoder.next() == nil)
        decoder.append(hex("5f"))
        #expect(throws: MQTTDecodeError.packetTooLarge(size: 201_326_596, maximum: 1024)) { try decoder.next() }
        // Errors are sticky until reset.
        decoder.append(hex("c0 00"))
        #expect(throws: MQTTDecodeError.packetTooLarge(size: 201_326_596, maximum: 1024)) { try decoder.next() }
        decoder.reset()
        decoder.append(hex("c0 00"))
        #expect(try decoder.next() == .pingreq)
    }

    @Test func hugeRemainingLengthDoesNotAllocateAhead() throws {
        var decoder = MQTTFrameDecoder(version: .v3_1_1)
        decoder.append(hex("30 ff ff ff 5f 00 01 61"))
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 8)
    }

    @Test func maximumPacketSizeIsInclusive() throws {
        let bytes = try MQTTPacket.publish(PublishPacket(topic: "a", payload: [1, 2, 3])).encode(version: .v3_1_1)
        var exact = MQTTFrameDecoder(version: .v3_1_1, maximumPacketSize: bytes.count)
        exact.append(bytes)
        #expect(try exact.next() != nil)
        var smaller = MQTTFrameDecoder(version: .v3_1_1, maximumPacketSize: bytes.count - 1)
        smaller.append(bytes)
        #expect(throws: MQTTDecodeError.packetTooLarge(size: bytes.count, maximum: bytes.count - 1)) {
            try smaller.next()
        }
        #expect(throws: MQTTDecodeError.packetTooLarge(size: bytes.count, maximum: 4)) {
            try MQTTDecoder.decode(bytes, version: .v3_1_1, maximumPacketSize: 4)
        }
    }

    @Test func errorsAreReportedBeforeTheBodyArrives() throws {
        var decoder = MQTTFrameDecoder(version: .v3_1_1)
        decoder.append(hex("60"))
        #expect(throws: MQTTDecodeError.invalidFixedHeaderFlags(packetType: .pubrel, flags: 0)) { try decoder.next() }
        var second = MQTTFrameDecoder(version: .v3_1_1)
        second.append(hex("c0 80 80 80 80"))
        #expect(throws: MQTTDecodeError.malformedRemainingLength) { try second.next() }
    }

    @Test func emptyDecoderNeedsBytes() throws {
        var decoder = MQTTFrameDecoder(version: .v5)
        #expect(try decoder.next() == nil)
        decoder.append([UInt8]())
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test(
        "a client's decoder: what a server sends decodes as next() decodes it",
        arguments: [
            MQTTProtocolVersion.v3_1_1, .v5,
        ])
    func serverPackets(version: MQTTProtocolVersion) throws {
        let serverTypes: Set<MQTTPacketType> = [
            .connack, .publish, .puback, .pubrec, .pubrel, .pubcomp, .suback, .unsuback, .pingresp, .disconnect, .auth,
        ]
        let (all, _) = try Self.stream(version)
        let packets = all.filter { serverTypes.contains($0.packetType) }
        #expect(Set(packets.map(\.packetType)).count >= (version == .v5 ? 11 : 9))
        var bytes: [UInt8] = []
        for packet in packets { try packet.encode(version: version, into: &bytes) }
        var decoder = MQTTFrameDecoder(version: version)
        var received: [MQTTPacket] = []
        for byte in bytes {
            decoder.append(CollectionOfOne(byte))
            while let packet = try decoder.nextFromServer() { received.append(packet) }
        }
        #expect(received == packets)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test(
        "a client's decoder refuses what only a client sends, and the error is sticky",
        arguments: [
            MQTTPacket.connect(ConnectPacket(clientIdentifier: "c")), .pingreq,
            .subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: "a/#")])),
            .unsubscribe(UnsubscribePacket(packetIdentifier: 2, topicFilters: ["a/#"])),
        ])
    func clientPackets(packet: MQTTPacket) throws {
        var decoder = MQTTFrameDecoder(version: .v3_1_1)
        decoder.append(try packet.encode(version: .v3_1_1))
        decoder.append(try MQTTPacket.pingresp.encode(version: .v3_1_1))
        #expect(throws: MQTTDecodeError.unexpectedPacketType(packet.packetType)) { try decoder.nextFromServer() }
        #expect(throws: MQTTDecodeError.unexpectedPacketType(packet.packetType)) { try decoder.nextFromServer() }
        #expect(MQTTDecodeError.unexpectedPacketType(packet.packetType).disconnectReasonCode == .protocolError)
        // The same bytes are a packet for a server's decoder.
        var server = MQTTFrameDecoder(version: .v3_1_1)
        server.append(try packet.encode(version: .v3_1_1))
        #expect(try server.next() == packet)
    }

    @Test("a 3.1.1 client's decoder: what a 3.1.1 server sends decodes as next() decodes it; AUTH does not exist")
    func mqtt311ServerPackets() throws {
        let serverTypes: Set<MQTTPacketType> = [
            .connack, .publish, .puback, .pubrec, .pubrel, .pubcomp, .suback, .unsuback, .pingresp, .disconnect,
        ]
        let (all, _) = try Self.stream(.v3_1_1)
        let packets = all.filter { serverTypes.contains($0.packetType) }
        #expect(Set(packets.map(\.packetType)).count == 10)
        // Made for MQTT 5, the decoder reads as a 3.1.1 client, and says so.
        try Self.expect311ClientDecodes(packets) { decoder throws(MQTTDecodeError) in try decoder.nextFrom311Server() }
        // 3.1.1's rules: no AUTH, no MQTT 5 reason code in a SUBACK, no properties after a CONNACK's code.
        for (hexBytes, error) in [
            ("f0 00", MQTTDecodeError.reservedPacketType(15)),
            ("90 03 00 01 87", .invalidReasonCode(packetType: .suback, code: 0x87)),
            ("20 03 00 00 00", .trailingBytes(packetType: .connack, count: 1)),
        ] {
            var client = MQTTFrameDecoder(version: .v3_1_1)
            client.append(hex(hexBytes))
            #expect(throws: error) { try client.nextFrom311Server() }
            var general = MQTTFrameDecoder(version: .v3_1_1)
            general.append(hex(hexBytes))
            #expect(throws: error) { try general.next() }
        }
        for packet in [MQTTPacket.pingreq, .connect(ConnectPacket(clientIdentifier: "c"))] {
            var client = MQTTFrameDecoder(version: .v3_1_1)
            client.append(try packet.encode(version: .v3_1_1))
            #expect(throws: MQTTDecodeError.unexpectedPacketType(packet.packetType)) {
                try client.nextFrom311Server()
            }
        }
    }

    @Test(
        "a QoS 0/1 3.1.1 client's decoder: the packets it reads come out as the general decoder's, topics as bytes; QoS 2 acknowledgements, UNSUBACK and DISCONNECT are unexpected"
    )
    func mqtt311QoS1ServerPackets() throws {
        let (all, _) = try Self.stream(.v3_1_1)
        let refused: Set<MQTTPacketType> = [.pubrec, .pubrel, .pubcomp, .unsuback, .disconnect]
        let kept: Set<MQTTPacketType> = [.connack, .publish, .puback, .suback, .pingresp]
        let isQoS2Publish = { (packet: MQTTPacket) -> Bool in
            if case .publish(let publish) = packet { publish.qos == .exactlyOnce } else { false }
        }
        let packets = all.filter { kept.contains($0.packetType) && !isQoS2Publish($0) }
        #expect(Set(packets.map(\.packetType)) == kept)
        // Fed a byte at a time to a decoder made for MQTT 5: the same packets, and the decoder reads 3.1.1.
        var bytes: [UInt8] = []
        for packet in packets { try packet.encode(version: .v3_1_1, into: &bytes) }
        var decoder = MQTTFrameDecoder(version: .v5)
        var received: [MQTT311ClientPacket] = []
        for byte in bytes {
            decoder.append(CollectionOfOne(byte))
            while let packet = try decoder.nextFrom311QoS1Server() { received.append(packet) }
        }
        let expected = packets.map { MQTT311ClientPacket($0) }
        #expect(!expected.contains(nil))
        #expect(received == expected.compactMap { $0 })
        #expect(decoder.version == .v3_1_1)
        let refusedPackets = all.filter { refused.contains($0.packetType) }
        #expect(Set(refusedPackets.map(\.packetType)) == refused)
        // A QoS 2 PUBLISH: such a client never subscribes at QoS 2.
        let qos2 = all.filter(isQoS2Publish)
        #expect(!qos2.isEmpty)
        for packet in refusedPackets + qos2 + [.pingreq] {
            var client = MQTTFrameDecoder(version: .v3_1_1)
            client.append(try packet.encode(version: .v3_1_1))
            #expect(throws: MQTTDecodeError.unexpectedPacketType(packet.packetType)) {
                try client.nextFrom311QoS1Server()
            }
            // The error stays: the stream cannot be read past it.
            #expect(throws: MQTTDecodeError.unexpectedPacketType(packet.packetType)) {
                try client.nextFrom311QoS1Server()
            }
        }
        // The same bytes are packets for the 3.1.1 client's general decoder.
        for packet in refusedPackets {
            var general = MQTTFrameDecoder(version: .v3_1_1)
            general.append(try packet.encode(version: .v3_1_1))
            #expect(try general.nextFrom311Server() == packet)
        }
        // Malformed packets are refused as the general decoder refuses them.
        for (hexBytes, error) in [
            ("20 03 00 00 00", MQTTDecodeError.trailingBytes(packetType: .connack, count: 1)),
            ("20 02 00 06", .invalidReasonCode(packetType: .connack, code: 6)),
            ("90 03 00 01 87", .invalidReasonCode(packetType: .suback, code: 0x87)),
            ("90 02 00 01", .emptyPayload(packetType: .suback)),
            ("40 02 00 00", .zeroPacketIdentifier(packetType: .puback)),
            ("30 04 00 02 61 2b", .invalidTopicName(packetType: .publish, offset: 2)),
            ("30 02 00 00", .emptyTopicName(packetType: .publish)),
            ("d0 01 00", .trailingBytes(packetType: .pingresp, count: 1)),
        ] {
            var client = MQTTFrameDecoder(version: .v3_1_1)
            client.append(hex(hexBytes))
            #expect(throws: error) { try client.nextFrom311QoS1Server() }
            var general = MQTTFrameDecoder(version: .v3_1_1)
            general.append(hex(hexBytes))
            #expect(throws: error) { try general.nextFrom311Server() }
        }
    }

    /// `packets`, encoded in 3.1.1 and fed a byte at a time to a decoder made for MQTT 5, come out of `next` as they
    /// went in, and the decoder says it reads 3.1.1.
    static func expect311ClientDecodes(
        _ packets: [MQTTPacket], with next: (inout MQTTFrameDecoder) throws(MQTTDecodeError) -> MQTTPacket?
    ) throws {
        var bytes: [UInt8] = []
        for packet in packets { try packet.encode(version: .v3_1_1, into: &bytes) }
        var decoder = MQTTFrameDecoder(version: .v5)
        var received: [MQTTPacket] = []
        for byte in bytes {
            decoder.append(CollectionOfOne(byte))
            while let packet = try next(&decoder) { received.append(packet) }
        }
        #expect(received == packets)
        #expect(decoder.version == .v3_1_1)
    }

    @Test func fixedHeaderParsing() throws {
        let header = try MQTTDecoder.parseFixedHeader(hex("aa 3b 80 01"), at: 1, version: .v5)
        #expect(header == MQTTFixedHeader(packetType: .publish, flags: 0x0B, remainingLength: 128, headerLength: 3))
        #expect(header?.packetLength == 131)
        #expect(try MQTTDecoder.parseFixedHeader(hex("3b 80"), at: 0, version: .v5) == nil)
        #expect(try MQTTDecoder.parseFixedHeader([], at: 0, version: .v5) == nil)
        #expect(throws: MQTTDecodeError.reservedPacketType(15)) {
            try MQTTDecoder.parseFixedHeader(hex("f0"), at: 0, version: .v3_1_1)
        }
    }
}
