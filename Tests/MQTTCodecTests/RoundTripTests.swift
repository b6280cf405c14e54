import CodecTestSupport
import MQTTCodec
import Testing

@Suite(.timeLimit(.minutes(1))) struct RoundTripTests {
    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func everyPacketRoundTrips(version: MQTTProtocolVersion) throws {
        for packet in Samples.all(version) {
            let bytes = try packet.encode(version: version)
            let decoded = try MQTTDecoder.decode(bytes, version: version)
            #expect(decoded == packet)
            #expect(try decoded.encode(version: version) == bytes)
            var appended: [UInt8] = [0xAA]
            try MQTTEncoder.encode(packet, version: version, into: &appended)
            #expect(appended == [0xAA] + bytes)
        }
    }

    @Test func samplesCoverEveryPacketTypeAndProperty() {
        var types = Set<MQTTPacketType>()
        var identifiers = Set<MQTTPropertyIdentifier>()
        func collect(_ properties: MQTTProperties) {
            for property in properties { identifiers.insert(property.identifier) }
        }
        for packet in Samples.all(.v5) {
            types.insert(packet.packetType)
            switch packet {
            case .connect(let p):
                collect(p.properties)
                if let will = p.will { collect(will.properties) }
            case .connack(let p): collect(p.properties)
            case .publish(let p): collect(p.properties)
            case .puback(let p), .pubrec(let p), .pubrel(let p), .pubcomp(let p): collect(p.properties)
            case .subscribe(let p): collect(p.properties)
            case .suback(let p): collect(p.properties)
            case .unsubscribe(let p): collect(p.properties)
            case .unsuback(let p): collect(p.properties)
            case .disconnect(let p): collect(p.properties)
            case .auth(let p): collect(p.properties)
            case .pingreq, .pingresp: break
            }
        }
        #expect(types.count == 15)
        #expect(identifiers.count == 27)
    }

    @Test func publishHotPathMatchesPacketEncoding() throws {
        let publish = Samples.publish(.v5)
        var direct: [UInt8] = []
        try MQTTEncoder.encode(publish, version: .v5, into: &direct)
        #expect(direct == (try MQTTPacket.publish(publish).encode(version: .v5)))
    }

    @Test func v5OnlyFieldsAreDroppedIn311() throws {
        let connect = Samples.connect(.v5)
        let decoded = try MQTTDecoder.decode(try MQTTPacket.connect(connect).encode(version: .v3_1_1), version: .v3_1_1)
        var expected = connect
        expected.properties = []
        expected.will?.properties = []
        #expect(decoded == .connect(expected))

        let ack = PublishAckPacket(packetIdentifier: 3, reasonCode: .quotaExceeded, properties: [.reasonString("x")])
        #expect(try MQTTPacket.pubrec(ack).encode(version: .v3_1_1) == hex("50 02 00 03"))
        let unsuback = UnsubAckPacket(packetIdentifier: 3, reasonCodes: [.success])
        #expect(try MQTTPacket.unsuback(unsuback).encode(version: .v3_1_1) == hex("b0 02 00 03"))
    }

    @Test func connectUsesItsOwnProtocolLevel() throws {
        let v5Connect = MQTTPacket.connect(Samples.connect(.v5))
        let bytes = try v5Connect.encode(version: .v5)
        // A server that starts in 3.1.1 mode still parses an MQTT 5 CONNECT and switches to 5.
        #expect(try MQTTDecoder.decode(bytes, version: .v3_1_1) == v5Connect)
        var decoder = MQTTFrameDecoder(version: .v3_1_1)
        decoder.append(bytes + (try MQTTPacket.disconnect(Samples.disconnect(.v5)).encode(version: .v5)))
        #expect(try decoder.next() == v5Connect)
        #expect(decoder.version == .v5)
        #expect(try decoder.next() == .disconnect(Samples.disconnect(.v5)))
    }

    @Test func largePayloadUsesFourByteRemainingLength() throws {
        let payload = [UInt8](repeating: 0x5A, count: 2_097_152)
        let packet = MQTTPacket.publish(PublishPacket(topic: "a", payload: payload))
        let bytes = try packet.encode(version: .v3_1_1)
        #expect(bytes.count == 1 + 4 + 3 + payload.count)
        #expect(Array(bytes[0..<5]) == [0x30, 0x83, 0x80, 0x80, 0x01])
        #expect(try MQTTDecoder.decode(bytes, version: .v3_1_1) == packet)
    }

    @Test func propertyAccessors() {
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 10
        properties.userProperties = [("a", "1"), ("b", "2")]
        properties.sessionExpiryInterval = 20
        properties.subscriptionIdentifiers = [1, 2]
        #expect(properties.sessionExpiryInterval == 20)
        #expect(properties.count == 5)
        #expect(properties.userProperties.map { $0.name } == ["a", "b"])
        #expect(properties.subscriptionIdentifiers == [1, 2])
        properties.sessionExpiryInterval = nil
        #expect(!properties.contains(.sessionExpiryInterval))
        #expect(properties.first(.userProperty) == .userProperty(name: "a", value: "1"))
        properties.topicAlias = 4
        properties.maximumQoS = .atLeastOnce
        properties.payloadFormatIndicator = .utf8
        properties.correlationData = [1]
        properties.retainAvailable = false
        #expect(properties.topicAlias == 4)
        #expect(properties.maximumQoS == .atLeastOnce)
        #expect(properties.payloadFormatIndicator == .utf8)
        #expect(properties.correlationData == [1])
        #expect(properties.retainAvailable == false)
        #expect(properties.reasonString == nil)
    }
}
