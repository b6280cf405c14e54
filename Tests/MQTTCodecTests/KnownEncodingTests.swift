import CodecTestSupport
import MQTTCodec
import Testing

/// Byte-exact encodings checked against the spec layouts.
@Suite(.timeLimit(.minutes(1))) struct KnownEncodingTests {
    func check(_ packet: MQTTPacket, _ version: MQTTProtocolVersion, _ expected: String) throws {
        let bytes = try packet.encode(version: version)
        #expect(bytes == hex(expected))
        #expect(try MQTTDecoder.decode(hex(expected), version: version) == packet)
    }

    @Test func connectV311Minimal() throws {
        let packet = MQTTPacket.connect(ConnectPacket(clientIdentifier: "x", cleanStart: true, keepAlive: 30))
        try check(packet, .v3_1_1, "10 0d 00 04 4d 51 54 54 04 02 00 1e 00 01 78")
    }

    @Test func connectV5Minimal() throws {
        let packet = MQTTPacket.connect(ConnectPacket(clientIdentifier: "x", cleanStart: true, keepAlive: 30))
        try check(packet, .v5, "10 0e 00 04 4d 51 54 54 05 02 00 1e 00 00 01 78")
    }

    @Test func connectV311WithWill() throws {
        let packet = MQTTPacket.connect(
            ConnectPacket(
                clientIdentifier: "c",
                cleanStart: true,
                keepAlive: 10,
                will: ConnectPacket.Will(topic: "w", payload: Array("bye".utf8), qos: .atLeastOnce, retain: true)
            )
        )
        try check(packet, .v3_1_1, "10 15 00 04 4d 51 54 54 04 2e 00 0a 00 01 63 00 01 77 00 03 62 79 65")
    }

    @Test func connectV5WithCredentialsAndProperty() throws {
        let packet = MQTTPacket.connect(
            ConnectPacket(
                clientIdentifier: "x",
                cleanStart: true,
                keepAlive: 60,
                username: "u",
                password: Array("p".utf8),
                properties: [.sessionExpiryInterval(10)]
            )
        )
        try check(packet, .v5, "10 19 00 04 4d 51 54 54 05 c2 00 3c 05 11 00 00 00 0a 00 01 78 00 01 75 00 01 70")
    }

    @Test func connack() throws {
        try check(.connack(ConnAckPacket()), .v3_1_1, "20 02 00 00")
        try check(.connack(ConnAckPacket(sessionPresent: true)), .v3_1_1, "20 02 01 00")
        try check(.connack(ConnAckPacket(returnCode: .notAuthorized)), .v3_1_1, "20 02 00 05")
        try check(.connack(ConnAckPacket()), .v5, "20 03 00 00 00")
        try check(
            .connack(ConnAckPacket(reasonCode: .banned, properties: [.reasonString("no")])),
            .v5,
            "20 08 00 8a 05 1f 00 02 6e 6f"
        )
    }

    @Test func connackReturnCodeMapping() throws {
        let pairs: [(MQTTConnectReturnCode, MQTTReasonCode)] = [
            (.accepted, .success), (.unacceptableProtocolVersion, .unsupportedProtocolVersion),
            (.identifierRejected, .clientIdentifierNotValid), (.serverUnavailable, .serverUnavailable),
            (.badUserNameOrPassword, .badUserNameOrPassword), (.notAuthorized, .notAuthorized),
        ]
        for (returnCode, reasonCode) in pairs {
            #expect(returnCode.reasonCode == reasonCode)
            #expect(MQTTConnectReturnCode(reasonCode: reasonCode) == returnCode)
            let bytes = try MQTTPacket.connack(ConnAckPacket(returnCode: returnCode)).encode(version: .v3_1_1)
            #expect(bytes == [0x20, 0x02, 0x00, returnCode.rawValue])
        }
        #expect(MQTTConnectReturnCode(reasonCode: .quotaExceeded) == nil)
    }

    @Test func pings() throws {
        for version in [MQTTProtocolVersion.v3_1_1, .v5] {
            try check(.pingreq, version, "c0 00")
            try check(.pingresp, version, "d0 00")
        }
    }

    @Test func publish() throws {
        let qos0 = MQTTPacket.publish(PublishPacket(topic: "a/b", payload: Array("hi".utf8)))
        try check(qos0, .v3_1_1, "30 07 00 03 61 2f 62 68 69")
        try check(qos0, .v5, "30 08 00 03 61 2f 62 00 68 69")
        let qos1 = MQTTPacket.publish(
            PublishPacket(topic: "a", payload: [0xFF], qos: .atLeastOnce, retain: true, packetIdentifier: 10)
        )
        try check(qos1, .v3_1_1, "33 06 00 01 61 00 0a ff")
        let qos2 = MQTTPacket.publish(
            PublishPacket(topic: "a", payload: [], qos: .exactlyOnce, dup: true, packetIdentifier: 0x1234)
        )
        try check(qos2, .v5, "3c 06 00 01 61 12 34 00")
        let aliased = MQTTPacket.publish(PublishPacket(topic: "", payload: [1], properties: [.topicAlias(5)]))
        try check(aliased, .v5, "30 07 00 00 03 23 00 05 01")
    }

    @Test func publishAcknowledgments() throws {
        try check(.puback(PublishAckPacket(packetIdentifier: 10)), .v3_1_1, "40 02 00 0a")
        try check(.puback(PublishAckPacket(packetIdentifier: 10)), .v5, "40 02 00 0a")
        try check(.pubrec(PublishAckPacket(packetIdentifier: 10)), .v5, "50 02 00 0a")
        try check(.pubrel(PublishAckPacket(packetIdentifier: 10)), .v3_1_1, "62 02 00 0a")
        try check(.pubcomp(PublishAckPacket(packetIdentifier: 10)), .v5, "70 02 00 0a")
        try check(
            .puback(PublishAckPacket(packetIdentifier: 10, reasonCode: .noMatchingSubscribers)),
            .v5,
            "40 03 00 0a 10"
        )
        try check(
            .pubrel(PublishAckPacket(packetIdentifier: 10, reasonCode: .packetIdentifierNotFound)),
            .v5,
            "62 03 00 0a 92"
        )
        try check(
            .pubcomp(PublishAckPacket(packetIdentifier: 10, properties: [.reasonString("")])),
            .v5,
            "70 07 00 0a 00 03 1f 00 00"
        )
    }

    @Test func acknowledgmentShortFormsDecode() throws {
        // A v5 PUBACK may carry a zero property length even though the encoder would omit it.
        #expect(
            try MQTTDecoder.decode(hex("40 04 00 0a 00 00"), version: .v5)
                == .puback(PublishAckPacket(packetIdentifier: 10)))
        #expect(
            try MQTTDecoder.decode(hex("40 03 00 0a 00"), version: .v5)
                == .puback(PublishAckPacket(packetIdentifier: 10)))
        #expect(
            try MQTTDecoder.decode(hex("e0 01 04"), version: .v5)
                == .disconnect(DisconnectPacket(reasonCode: .disconnectWithWillMessage)))
        #expect(try MQTTDecoder.decode(hex("e0 02 00 00"), version: .v5) == .disconnect(DisconnectPacket()))
        #expect(try MQTTDecoder.decode(hex("f0 01 19"), version: .v5) == .auth(AuthPacket(reasonCode: .reAuthenticate)))
    }

    @Test func subscribe() throws {
        let v3 = MQTTPacket.subscribe(
            SubscribePacket(
                packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: "a/b", qos: .atLeastOnce)])
        )
        try check(v3, .v3_1_1, "82 08 00 01 00 03 61 2f 62 01")
        let options = MQTTSubscriptionOptions(
            qos: .atLeastOnce,
            noLocal: true,
            retainAsPublished: true,
            retainHandling: .doNotSend
        )
        let v5 = MQTTPacket.subscribe(
            SubscribePacket(
                packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: "a/b", options: options)])
        )
        try check(v5, .v5, "82 09 00 01 00 00 03 61 2f 62 2d")
        // 3.1.1 cannot carry the MQTT 5 options: only the QoS is sent.
        #expect(try v5.encode(version: .v3_1_1) == hex("82 08 00 01 00 03 61 2f 62 01"))
        let withIdentifier = MQTTPacket.subscribe(
            SubscribePacket(
                packetIdentifier: 2,
                subscriptions: [MQTTSubscription(topicFilter: "#")],
                properties: [.subscriptionIdentifier(128)]
            )
        )
        try check(withIdentifier, .v5, "82 0a 00 02 03 0b 80 01 00 01 23 00")
    }

    @Test func suback() throws {
        try check(.suback(SubAckPacket(packetIdentifier: 1, reasonCodes: [.grantedQoS1])), .v3_1_1, "90 03 00 01 01")
        try check(
            .suback(SubAckPacket(packetIdentifier: 1, reasonCodes: [.grantedQoS2, .unspecifiedError])),
            .v5,
            "90 05 00 01 00 02 80"
        )
    }

    @Test func unsubscribe() throws {
        let packet = MQTTPacket.unsubscribe(UnsubscribePacket(packetIdentifier: 1, topicFilters: ["a/b"]))
        try check(packet, .v3_1_1, "a2 07 00 01 00 03 61 2f 62")
        try check(packet, .v5, "a2 08 00 01 00 00 03 61 2f 62")
    }

    @Test func unsuback() throws {
        try check(.unsuback(UnsubAckPacket(packetIdentifier: 1)), .v3_1_1, "b0 02 00 01")
        try check(.unsuback(UnsubAckPacket(packetIdentifier: 1, reasonCodes: [.success])), .v5, "b0 04 00 01 00 00")
    }

    @Test func disconnect() throws {
        try check(.disconnect(DisconnectPacket()), .v3_1_1, "e0 00")
        try check(.disconnect(DisconnectPacket()), .v5, "e0 00")
        try check(.disconnect(DisconnectPacket(reasonCode: .serverShuttingDown)), .v5, "e0 01 8b")
        try check(
            .disconnect(DisconnectPacket(properties: [.sessionExpiryInterval(1)])),
            .v5,
            "e0 07 00 05 11 00 00 00 01"
        )
        // 3.1.1 DISCONNECT has no body.
        #expect(
            try MQTTPacket.disconnect(DisconnectPacket(reasonCode: .serverShuttingDown)).encode(version: .v3_1_1)
                == hex("e0 00"))
    }

    @Test func auth() throws {
        try check(.auth(AuthPacket()), .v5, "f0 00")
        try check(
            .auth(AuthPacket(reasonCode: .continueAuthentication, properties: [.authenticationMethod("m")])),
            .v5,
            "f0 06 18 04 15 00 01 6d"
        )
    }

    @Test func everyPropertyEncodesWithItsIdentifierAndType() throws {
        // PUBLISH payload-less packets isolate the property bytes: 30 rl 00 01 61 <props>.
        func propertyBytes(_ property: MQTTProperty) throws -> [UInt8] {
            var buffer: [UInt8] = []
            let context: MQTTPropertyContext
            if property.identifier.isAllowed(in: .publish) {
                context = .publish
            } else if property.identifier.isAllowed(in: .connack) {
                context = .connack
            } else if property.identifier.isAllowed(in: .connect) {
                context = .connect
            } else {
                context = .will
            }
            let properties = MQTTProperties([property])
            switch context {
            case .publish:
                buffer = try MQTTPacket.publish(PublishPacket(topic: "a", properties: properties)).encode(version: .v5)
                return Array(buffer[5...])
            case .connack:
                buffer = try MQTTPacket.connack(ConnAckPacket(properties: properties)).encode(version: .v5)
                return Array(buffer[4...])
            case .connect:
                buffer = try MQTTPacket.connect(ConnectPacket(clientIdentifier: "", properties: properties))
                    .encode(version: .v5)
                return Array(buffer[12..<(buffer.count - 2)])
            default:
                let will = ConnectPacket.Will(topic: "w", payload: [], properties: properties)
                buffer = try MQTTPacket.connect(ConnectPacket(clientIdentifier: "", will: will)).encode(version: .v5)
                return Array(buffer[15..<(buffer.count - 5)])
            }
        }
        let expectations: [(MQTTProperty, String)] = [
            (.payloadFormatIndicator(.utf8), "01 01"),
            (.messageExpiryInterval(0x0102_0304), "02 01 02 03 04"),
            (.contentType("t"), "03 00 01 74"),
            (.responseTopic("r"), "08 00 01 72"),
            (.correlationData([9]), "09 00 01 09"),
            (.subscriptionIdentifier(300), "0b ac 02"),
            (.sessionExpiryInterval(5), "11 00 00 00 05"),
            (.assignedClientIdentifier("c"), "12 00 01 63"),
            (.serverKeepAlive(0x0203), "13 02 03"),
            (.authenticationMethod("m"), "15 00 01 6d"),
            (.requestProblemInformation(true), "17 01"),
            (.willDelayInterval(7), "18 00 00 00 07"),
            (.requestResponseInformation(false), "19 00"),
            (.responseInformation("i"), "1a 00 01 69"),
            (.serverReference("s"), "1c 00 01 73"),
            (.reasonString("x"), "1f 00 01 78"),
            (.receiveMaximum(0x0100), "21 01 00"),
            (.topicAliasMaximum(2), "22 00 02"),
            (.topicAlias(3), "23 00 03"),
            (.maximumQoS(.atMostOnce), "24 00"),
            (.retainAvailable(true), "25 01"),
            (.userProperty(name: "k", value: "v"), "26 00 01 6b 00 01 76"),
            (.maximumPacketSize(1024), "27 00 00 04 00"),
            (.wildcardSubscriptionAvailable(false), "28 00"),
            (.subscriptionIdentifierAvailable(true), "29 01"),
            (.sharedSubscriptionAvailable(true), "2a 01"),
        ]
        for (property, expected) in expectations {
            let body = hex(expected)
            #expect(try propertyBytes(property) == [UInt8(body.count)] + body, "\(property)")
        }
        // Authentication Data needs a method; check it inside a pair.
        let pair = try MQTTPacket.auth(
            AuthPacket(
                reasonCode: .continueAuthentication, properties: [.authenticationMethod("m"), .authenticationData([1])])
        ).encode(version: .v5)
        #expect(pair == hex("f0 0a 18 08 15 00 01 6d 16 00 01 01"))
    }
}
