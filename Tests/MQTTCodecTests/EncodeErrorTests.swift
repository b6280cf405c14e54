import MQTTCodec
import Testing

@Suite(.timeLimit(.minutes(1))) struct EncodeErrorTests {
    func expectError(
        _ expected: MQTTEncodeError,
        _ packet: MQTTPacket,
        _ version: MQTTProtocolVersion = .v5,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var buffer: [UInt8] = [1, 2, 3]
        #expect(throws: expected, sourceLocation: sourceLocation) {
            try packet.encode(version: version, into: &buffer)
        }
        // A failed encode leaves the destination untouched.
        #expect(buffer == [1, 2, 3], sourceLocation: sourceLocation)
    }

    @Test func fieldLengths() {
        let long = String(repeating: "a", count: 65_536)
        expectError(.stringTooLong(length: 65_536), .connect(ConnectPacket(clientIdentifier: long)))
        expectError(
            .binaryDataTooLong(length: 65_536),
            .connect(
                ConnectPacket(clientIdentifier: "x", username: "u", password: [UInt8](repeating: 0, count: 65_536)))
        )
        expectError(.stringTooLong(length: 65_536), .publish(PublishPacket(topic: long)))
        expectError(
            .stringTooLong(length: 65_536),
            .puback(PublishAckPacket(packetIdentifier: 1, properties: [.reasonString(long)]))
        )
        let maximal = String(repeating: "a", count: 65_535)
        #expect(throws: Never.self) {
            try MQTTPacket.connect(ConnectPacket(clientIdentifier: maximal)).encode(version: .v5)
        }
    }

    @Test func nullCharacters() {
        expectError(.nullCharacterInString, .connect(ConnectPacket(clientIdentifier: "a\u{0}")))
        expectError(.nullCharacterInString, .connect(ConnectPacket(clientIdentifier: "a", username: "\u{0}")))
        expectError(
            .nullCharacterInString,
            .disconnect(DisconnectPacket(properties: [.userProperty(name: "k", value: "v\u{0}")]))
        )
        expectError(.invalidTopicName, .publish(PublishPacket(topic: "a\u{0}")))
    }

    @Test func packetIdentifiers() {
        expectError(
            .missingPacketIdentifier(packetType: .publish), .publish(PublishPacket(topic: "a", qos: .atLeastOnce)))
        expectError(
            .missingPacketIdentifier(packetType: .publish),
            .publish(PublishPacket(topic: "a", qos: .exactlyOnce, packetIdentifier: 0))
        )
        expectError(.unexpectedPacketIdentifier, .publish(PublishPacket(topic: "a", packetIdentifier: 1)))
        expectError(.dupWithQoS0, .publish(PublishPacket(topic: "a", dup: true)))
        for packet: MQTTPacket in [
            .puback(PublishAckPacket(packetIdentifier: 0)), .pubrec(PublishAckPacket(packetIdentifier: 0)),
            .pubrel(PublishAckPacket(packetIdentifier: 0)), .pubcomp(PublishAckPacket(packetIdentifier: 0)),
            .subscribe(SubscribePacket(packetIdentifier: 0, subscriptions: [MQTTSubscription(topicFilter: "a")])),
            .suback(SubAckPacket(packetIdentifier: 0, reasonCodes: [.grantedQoS0])),
            .unsubscribe(UnsubscribePacket(packetIdentifier: 0, topicFilters: ["a"])),
            .unsuback(UnsubAckPacket(packetIdentifier: 0, reasonCodes: [.success])),
        ] {
            expectError(.missingPacketIdentifier(packetType: packet.packetType), packet, .v3_1_1)
        }
    }

    @Test func topics() {
        expectError(.invalidTopicName, .publish(PublishPacket(topic: "a/+")))
        expectError(.invalidTopicName, .publish(PublishPacket(topic: "#")))
        expectError(.emptyTopicName, .publish(PublishPacket(topic: "")), .v3_1_1)
        expectError(.emptyTopicName, .publish(PublishPacket(topic: "")), .v5)
        // A Topic Alias permits an empty topic only in MQTT 5.
        expectError(.emptyTopicName, .publish(PublishPacket(topic: "", properties: [.topicAlias(1)])), .v3_1_1)
        let will = ConnectPacket.Will(topic: "a/#", payload: [])
        expectError(.invalidTopicName, .connect(ConnectPacket(clientIdentifier: "x", will: will)))
        expectError(
            .emptyTopicName,
            .connect(ConnectPacket(clientIdentifier: "x", will: ConnectPacket.Will(topic: "", payload: [])))
        )
        expectError(
            .invalidTopicFilter,
            .subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: "a/#/b")]))
        )
        expectError(.invalidTopicFilter, .unsubscribe(UnsubscribePacket(packetIdentifier: 1, topicFilters: ["a", ""])))
        let shared = MQTTSubscription(topicFilter: "$share/g/a", options: MQTTSubscriptionOptions(noLocal: true))
        expectError(
            .noLocalOnSharedSubscription, .subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: [shared])))
    }

    @Test func emptyPayloads() {
        expectError(
            .emptyPayload(packetType: .subscribe), .subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: [])))
        expectError(
            .emptyPayload(packetType: .unsubscribe),
            .unsubscribe(UnsubscribePacket(packetIdentifier: 1, topicFilters: [])))
        expectError(.emptyPayload(packetType: .suback), .suback(SubAckPacket(packetIdentifier: 1, reasonCodes: [])))
        expectError(.emptyPayload(packetType: .unsuback), .unsuback(UnsubAckPacket(packetIdentifier: 1)), .v5)
        #expect(throws: Never.self) {
            try MQTTPacket.unsuback(UnsubAckPacket(packetIdentifier: 1)).encode(version: .v3_1_1)
        }
    }

    @Test func properties() {
        expectError(
            .propertyNotAllowed(.sessionExpiryInterval, context: .publish),
            .publish(PublishPacket(topic: "a", properties: [.sessionExpiryInterval(1)]))
        )
        expectError(
            .propertyNotAllowed(.topicAlias, context: .will),
            .connect(
                ConnectPacket(
                    clientIdentifier: "x",
                    will: ConnectPacket.Will(
                        topic: "w", payload: [],
                        properties: [.topicAlias(1)])))
        )
        expectError(
            .duplicateProperty(.topicAlias, context: .publish),
            .publish(PublishPacket(topic: "a", properties: [.topicAlias(1), .topicAlias(2)]))
        )
        expectError(
            .duplicateProperty(.subscriptionIdentifier, context: .subscribe),
            .subscribe(
                SubscribePacket(
                    packetIdentifier: 1, subscriptions: [MQTTSubscription(topicFilter: "a")],
                    properties: [.subscriptionIdentifier(1), .subscriptionIdentifier(2)]))
        )
        expectError(
            .invalidPropertyValue(.receiveMaximum, context: .connect),
            .connect(ConnectPacket(clientIdentifier: "x", properties: [.receiveMaximum(0)]))
        )
        expectError(
            .invalidPropertyValue(.maximumQoS, context: .connack),
            .connack(ConnAckPacket(properties: [.maximumQoS(.exactlyOnce)]))
        )
        expectError(
            .invalidPropertyValue(.subscriptionIdentifier, context: .publish),
            .publish(PublishPacket(topic: "a", properties: [.subscriptionIdentifier(0)]))
        )
        expectError(
            .invalidPropertyValue(.subscriptionIdentifier, context: .publish),
            .publish(PublishPacket(topic: "a", properties: [.subscriptionIdentifier(268_435_456)]))
        )
        expectError(
            .invalidPropertyValue(.topicAlias, context: .publish),
            .publish(PublishPacket(topic: "a", properties: [.topicAlias(0)]))
        )
        expectError(
            .invalidPropertyValue(.responseTopic, context: .publish),
            .publish(PublishPacket(topic: "a", properties: [.responseTopic("a/#")]))
        )
        expectError(
            .invalidPropertyValue(.maximumPacketSize, context: .connect),
            .connect(ConnectPacket(clientIdentifier: "x", properties: [.maximumPacketSize(0)]))
        )
        expectError(
            .authenticationDataWithoutMethod(context: .connect),
            .connect(ConnectPacket(clientIdentifier: "x", properties: [.authenticationData([1])]))
        )
        // In 3.1.1 properties are not sent, so they are not validated either.
        #expect(throws: Never.self) {
            try MQTTPacket.publish(PublishPacket(topic: "a", properties: [.sessionExpiryInterval(1)])).encode(
                version: .v3_1_1)
        }
    }

    @Test func reasonCodes() {
        expectError(
            .invalidReasonCode(packetType: .puback, code: .banned),
            .puback(PublishAckPacket(packetIdentifier: 1, reasonCode: .banned))
        )
        expectError(
            .invalidReasonCode(packetType: .pubrel, code: .quotaExceeded),
            .pubrel(PublishAckPacket(packetIdentifier: 1, reasonCode: .quotaExceeded))
        )
        expectError(
            .invalidReasonCode(packetType: .connack, code: .quotaExceeded),
            .connack(ConnAckPacket(reasonCode: .quotaExceeded)),
            .v3_1_1
        )
        expectError(
            .invalidReasonCode(packetType: .connack, code: .grantedQoS1),
            .connack(ConnAckPacket(reasonCode: .grantedQoS1)),
            .v5
        )
        expectError(
            .invalidReasonCode(packetType: .suback, code: .topicFilterInvalid),
            .suback(SubAckPacket(packetIdentifier: 1, reasonCodes: [.grantedQoS0, .topicFilterInvalid])),
            .v3_1_1
        )
        expectError(
            .invalidReasonCode(packetType: .suback, code: .noMatchingSubscribers),
            .suback(SubAckPacket(packetIdentifier: 1, reasonCodes: [.noMatchingSubscribers]))
        )
        expectError(
            .invalidReasonCode(packetType: .unsuback, code: .grantedQoS1),
            .unsuback(UnsubAckPacket(packetIdentifier: 1, reasonCodes: [.grantedQoS1]))
        )
        expectError(
            .invalidReasonCode(packetType: .disconnect, code: .grantedQoS1),
            .disconnect(DisconnectPacket(reasonCode: .grantedQoS1))
        )
        expectError(.invalidReasonCode(packetType: .auth, code: .banned), .auth(AuthPacket(reasonCode: .banned)))
        expectError(
            .sessionPresentWithFailure, .connack(ConnAckPacket(sessionPresent: true, reasonCode: .notAuthorized)))
    }

    @Test func versionRestrictions() {
        expectError(.packetTypeNotSupported(.auth, version: .v3_1_1), .auth(AuthPacket()), .v3_1_1)
        let connect = ConnectPacket(clientIdentifier: "x", password: [1])
        expectError(.passwordWithoutUsername, .connect(connect), .v3_1_1)
        #expect(throws: Never.self) { try MQTTPacket.connect(connect).encode(version: .v5) }
    }
}
