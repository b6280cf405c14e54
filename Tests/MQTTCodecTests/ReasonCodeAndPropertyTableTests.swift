import MQTTCodec
import Testing

@Suite(.timeLimit(.minutes(1))) struct ReasonCodeAndPropertyTableTests {
    @Test func reasonCodeValuesAndNames() {
        let table: [(MQTTReasonCode, UInt8, String)] = [
            (.success, 0x00, "Success"), (.normalDisconnection, 0x00, "Success"), (.grantedQoS0, 0x00, "Success"),
            (.grantedQoS1, 0x01, "Granted QoS 1"), (.grantedQoS2, 0x02, "Granted QoS 2"),
            (.disconnectWithWillMessage, 0x04, "Disconnect with Will Message"),
            (.noMatchingSubscribers, 0x10, "No matching subscribers"),
            (.noSubscriptionExisted, 0x11, "No subscription existed"),
            (.continueAuthentication, 0x18, "Continue authentication"), (.reAuthenticate, 0x19, "Re-authenticate"),
            (.unspecifiedError, 0x80, "Unspecified error"), (.malformedPacket, 0x81, "Malformed Packet"),
            (.protocolError, 0x82, "Protocol Error"),
            (.implementationSpecificError, 0x83, "Implementation specific error"),
            (.unsupportedProtocolVersion, 0x84, "Unsupported Protocol Version"),
            (.clientIdentifierNotValid, 0x85, "Client Identifier not valid"),
            (.badUserNameOrPassword, 0x86, "Bad User Name or Password"), (.notAuthorized, 0x87, "Not authorized"),
            (.serverUnavailable, 0x88, "Server unavailable"), (.serverBusy, 0x89, "Server busy"),
            (.banned, 0x8A, "Banned"), (.serverShuttingDown, 0x8B, "Server shutting down"),
            (.badAuthenticationMethod, 0x8C, "Bad authentication method"),
            (.keepAliveTimeout, 0x8D, "Keep Alive timeout"), (.sessionTakenOver, 0x8E, "Session taken over"),
            (.topicFilterInvalid, 0x8F, "Topic Filter invalid"), (.topicNameInvalid, 0x90, "Topic Name invalid"),
            (.packetIdentifierInUse, 0x91, "Packet Identifier in use"),
            (.packetIdentifierNotFound, 0x92, "Packet Identifier not found"),
            (.receiveMaximumExceeded, 0x93, "Receive Maximum exceeded"),
            (.topicAliasInvalid, 0x94, "Topic Alias invalid"), (.packetTooLarge, 0x95, "Packet too large"),
            (.messageRateTooHigh, 0x96, "Message rate too high"), (.quotaExceeded, 0x97, "Quota exceeded"),
            (.administrativeAction, 0x98, "Administrative action"),
            (.payloadFormatInvalid, 0x99, "Payload format invalid"),
            (.retainNotSupported, 0x9A, "Retain not supported"), (.qosNotSupported, 0x9B, "QoS not supported"),
            (.useAnotherServer, 0x9C, "Use another server"), (.serverMoved, 0x9D, "Server moved"),
            (.sharedSubscriptionsNotSupported, 0x9E, "Shared Subscriptions not supported"),
            (.connectionRateExceeded, 0x9F, "Connection rate exceeded"),
            (.maximumConnectTime, 0xA0, "Maximum connect time"),
            (.subscriptionIdentifiersNotSupported, 0xA1, "Subscription Identifiers not supported"),
            (.wildcardSubscriptionsNotSupported, 0xA2, "Wildcard Subscriptions not supported"),
        ]
        for (code, value, name) in table {
            #expect(code.rawValue == value)
            #expect(code.name == name)
            #expect(code.isFailure == (value >= 0x80))
        }
        #expect(MQTTReasonCode(0x03).name == "Unknown reason code")
    }

    @Test func reasonCodeSetsPerPacket() {
        func valid(_ type: MQTTPacketType) -> [UInt8] {
            (0...255).map(UInt8.init).filter { MQTTReasonCode($0).isValid(for: type) }
        }
        #expect(
            valid(.connack) == [
                0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90,
                0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
            ])
        #expect(valid(.puback) == [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99])
        #expect(valid(.pubrec) == valid(.puback))
        #expect(valid(.pubrel) == [0x00, 0x92])
        #expect(valid(.pubcomp) == [0x00, 0x92])
        #expect(valid(.suback) == [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2])
        #expect(valid(.unsuback) == [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91])
        #expect(
            valid(.disconnect) == [
                0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90,
                0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
            ])
        #expect(valid(.auth) == [0x00, 0x18, 0x19])
        for type in [MQTTPacketType.connect, .publish, .subscribe, .unsubscribe, .pingreq, .pingresp] {
            #expect(valid(type).isEmpty)
        }
    }

    @Test func propertyIdentifierTable() {
        typealias C = MQTTPropertyContext
        let all: [C] = [
            .connect, .connack, .publish, .will, .puback, .pubrec, .pubrel, .pubcomp, .subscribe, .suback,
            .unsubscribe, .unsuback, .disconnect, .auth,
        ]
        let table: [(MQTTPropertyIdentifier, UInt8, MQTTPropertyDataType, [C])] = [
            (.payloadFormatIndicator, 0x01, .byte, [.publish, .will]),
            (.messageExpiryInterval, 0x02, .fourByteInteger, [.publish, .will]),
            (.contentType, 0x03, .utf8String, [.publish, .will]),
            (.responseTopic, 0x08, .utf8String, [.publish, .will]),
            (.correlationData, 0x09, .binaryData, [.publish, .will]),
            (.subscriptionIdentifier, 0x0B, .variableByteInteger, [.publish, .subscribe]),
            (.sessionExpiryInterval, 0x11, .fourByteInteger, [.connect, .connack, .disconnect]),
            (.assignedClientIdentifier, 0x12, .utf8String, [.connack]),
            (.serverKeepAlive, 0x13, .twoByteInteger, [.connack]),
            (.authenticationMethod, 0x15, .utf8String, [.connect, .connack, .auth]),
            (.authenticationData, 0x16, .binaryData, [.connect, .connack, .auth]),
            (.requestProblemInformation, 0x17, .byte, [.connect]),
            (.willDelayInterval, 0x18, .fourByteInteger, [.will]),
            (.requestResponseInformation, 0x19, .byte, [.connect]),
            (.responseInformation, 0x1A, .utf8String, [.connack]),
            (.serverReference, 0x1C, .utf8String, [.connack, .disconnect]),
            (
                .reasonString, 0x1F, .utf8String,
                [.connack, .puback, .pubrec, .pubrel, .pubcomp, .suback, .unsuback, .disconnect, .auth]
            ),
            (.receiveMaximum, 0x21, .twoByteInteger, [.connect, .connack]),
            (.topicAliasMaximum, 0x22, .twoByteInteger, [.connect, .connack]),
            (.topicAlias, 0x23, .twoByteInteger, [.publish]),
            (.maximumQoS, 0x24, .byte, [.connack]),
            (.retainAvailable, 0x25, .byte, [.connack]),
            (.userProperty, 0x26, .utf8StringPair, all),
            (.maximumPacketSize, 0x27, .fourByteInteger, [.connect, .connack]),
            (.wildcardSubscriptionAvailable, 0x28, .byte, [.connack]),
            (.subscriptionIdentifierAvailable, 0x29, .byte, [.connack]),
            (.sharedSubscriptionAvailable, 0x2A, .byte, [.connack]),
        ]
        #expect(table.count == 27)
        for (identifier, raw, type, contexts) in table {
            #expect(identifier.rawValue == raw)
            #expect(identifier.dataType == type)
            for context in all {
                #expect(identifier.isAllowed(in: context) == contexts.contains(context), "\(identifier) in \(context)")
            }
        }
        var known = 0
        for raw in 0...255 where MQTTPropertyIdentifier(rawValue: UInt8(raw)) != nil { known += 1 }
        #expect(known == 27)
        #expect(MQTTPropertyIdentifier.userProperty.isRepeatable(in: .connect))
        #expect(MQTTPropertyIdentifier.subscriptionIdentifier.isRepeatable(in: .publish))
        #expect(!MQTTPropertyIdentifier.subscriptionIdentifier.isRepeatable(in: .subscribe))
        #expect(!MQTTPropertyIdentifier.topicAlias.isRepeatable(in: .publish))
        #expect(MQTTPropertyContext.will.packetType == .connect)
    }

    @Test func packetTypeFlags() {
        #expect(MQTTPacketType.publish.requiredFlags == nil)
        #expect(MQTTPacketType.pubrel.requiredFlags == 2)
        #expect(MQTTPacketType.subscribe.requiredFlags == 2)
        #expect(MQTTPacketType.unsubscribe.requiredFlags == 2)
        #expect(MQTTPacketType.connect.requiredFlags == 0)
        #expect(!MQTTPacketType.auth.exists(in: .v3_1_1))
        #expect(MQTTPacketType.auth.exists(in: .v5))
    }
}
