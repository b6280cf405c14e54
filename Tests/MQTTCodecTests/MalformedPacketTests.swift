import CodecTestSupport
import MQTTCodec
import Testing

struct MalformedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let version: MQTTProtocolVersion
    let bytes: [UInt8]
    let expected: MQTTDecodeError
    /// Errors only one-shot decoding reports (a frame decoder just waits for more bytes or keeps the rest).
    let oneShotOnly: Bool

    init(
        _ name: String, _ version: MQTTProtocolVersion, _ bytes: [UInt8], _ expected: MQTTDecodeError,
        oneShotOnly: Bool = false
    ) {
        self.name = name
        self.version = version
        self.bytes = bytes
        self.expected = expected
        self.oneShotOnly = oneShotOnly
    }

    var testDescription: String { name }
}

private let mqtt = str("MQTT")
private let v3: MQTTProtocolVersion = .v3_1_1
private let v5: MQTTProtocolVersion = .v5

private func connectV3(flags: UInt8, _ payload: [UInt8]) -> [UInt8] {
    frame(0x10, mqtt + [4, flags, 0, 30] + payload)
}

private func connectV5(flags: UInt8, properties: [UInt8], _ payload: [UInt8]) -> [UInt8] {
    frame(0x10, mqtt + [5, flags, 0, 30, UInt8(properties.count)] + properties + payload)
}

private func publishV5(properties: [UInt8], topic: String = "a") -> [UInt8] {
    frame(0x30, str(topic) + [UInt8(properties.count)] + properties)
}

let malformedCases: [MalformedCase] = [
    // Fixed header.
    MalformedCase("remaining length over 4 bytes", v3, hex("30 ff ff ff ff 01"), .malformedRemainingLength),
    MalformedCase("non-minimal remaining length", v3, hex("c0 80 00"), .malformedRemainingLength),
    MalformedCase("packet type 0 (3.1.1)", v3, hex("00 00"), .reservedPacketType(0)),
    MalformedCase("packet type 0 (5)", v5, hex("00 00"), .reservedPacketType(0)),
    MalformedCase("packet type 15 in 3.1.1", v3, hex("f0 00"), .reservedPacketType(15)),
    MalformedCase("PUBREL flags 0", v3, hex("60 02 00 01"), .invalidFixedHeaderFlags(packetType: .pubrel, flags: 0)),
    MalformedCase(
        "SUBSCRIBE flags 0", v3, frame(0x80, [0, 1] + str("a") + [0]),
        .invalidFixedHeaderFlags(packetType: .subscribe, flags: 0)),
    MalformedCase(
        "UNSUBSCRIBE flags 0", v5, frame(0xA0, [0, 1, 0] + str("a")),
        .invalidFixedHeaderFlags(packetType: .unsubscribe, flags: 0)),
    MalformedCase("PINGREQ flags 1", v3, hex("c1 00"), .invalidFixedHeaderFlags(packetType: .pingreq, flags: 1)),
    MalformedCase(
        "CONNACK flags 2", v5, hex("22 03 00 00 00"), .invalidFixedHeaderFlags(packetType: .connack, flags: 2)),
    MalformedCase("PUBACK flags 2", v3, hex("42 02 00 01"), .invalidFixedHeaderFlags(packetType: .puback, flags: 2)),
    MalformedCase(
        "CONNECT flags 1", v3, [0x11] + Array(connectV3(flags: 2, str("x")).dropFirst()),
        .invalidFixedHeaderFlags(packetType: .connect, flags: 1)),
    MalformedCase("AUTH flags 1", v5, hex("f1 00"), .invalidFixedHeaderFlags(packetType: .auth, flags: 1)),
    MalformedCase("PUBLISH QoS 3", v3, hex("36 05 00 01 61 00 01"), .invalidQoS(packetType: .publish, offset: 0)),
    MalformedCase("DUP with QoS 0", v3, hex("38 03 00 01 61"), .dupWithQoS0),

    // Packet identifiers.
    MalformedCase(
        "PUBLISH QoS 1 packet id 0", v3, hex("32 05 00 01 61 00 00"), .zeroPacketIdentifier(packetType: .publish)),
    MalformedCase("PUBACK packet id 0", v5, hex("40 02 00 00"), .zeroPacketIdentifier(packetType: .puback)),
    MalformedCase("PUBREC packet id 0", v3, hex("50 02 00 00"), .zeroPacketIdentifier(packetType: .pubrec)),
    MalformedCase("PUBREL packet id 0", v3, hex("62 02 00 00"), .zeroPacketIdentifier(packetType: .pubrel)),
    MalformedCase("PUBCOMP packet id 0", v5, hex("70 02 00 00"), .zeroPacketIdentifier(packetType: .pubcomp)),
    MalformedCase(
        "SUBSCRIBE packet id 0", v3, frame(0x82, [0, 0] + str("a") + [0]), .zeroPacketIdentifier(packetType: .subscribe)
    ),
    MalformedCase("SUBACK packet id 0", v3, hex("90 03 00 00 00"), .zeroPacketIdentifier(packetType: .suback)),
    MalformedCase(
        "UNSUBSCRIBE packet id 0", v3, frame(0xA2, [0, 0] + str("a")), .zeroPacketIdentifier(packetType: .unsubscribe)),
    MalformedCase("UNSUBACK packet id 0", v3, hex("b0 02 00 00"), .zeroPacketIdentifier(packetType: .unsuback)),

    // Topic names.
    MalformedCase(
        "PUBLISH topic with +", v3, frame(0x30, str("a/+")), .invalidTopicName(packetType: .publish, offset: 2)),
    MalformedCase(
        "PUBLISH topic #", v5, frame(0x30, str("#") + [0]), .invalidTopicName(packetType: .publish, offset: 2)),
    MalformedCase("PUBLISH empty topic in 3.1.1", v3, frame(0x30, str("")), .emptyTopicName(packetType: .publish)),
    MalformedCase(
        "PUBLISH empty topic without alias", v5, publishV5(properties: [], topic: ""),
        .emptyTopicName(packetType: .publish)),
    MalformedCase(
        "PUBLISH empty topic with other property", v5, publishV5(properties: [0x01, 0x01], topic: ""),
        .emptyTopicName(packetType: .publish)),

    // UTF-8.
    MalformedCase(
        "invalid UTF-8 continuation", v3, frame(0x30, [0, 2, 0xC3, 0x28]),
        .invalidUTF8(packetType: .publish, offset: 4)),
    MalformedCase(
        "UTF-8 surrogate", v3, frame(0x30, [0, 3, 0xED, 0xA0, 0x80]),
        .invalidUTF8(packetType: .publish, offset: 4)),
    MalformedCase(
        "overlong UTF-8", v3, frame(0x30, [0, 2, 0xC0, 0xAF]), .invalidUTF8(packetType: .publish, offset: 4)),
    MalformedCase(
        "overlong 3-byte UTF-8", v3, frame(0x30, [0, 3, 0xE0, 0x80, 0xAF]),
        .invalidUTF8(packetType: .publish, offset: 4)),
    MalformedCase(
        "UTF-8 above U+10FFFF", v3, frame(0x30, [0, 4, 0xF4, 0x90, 0x80, 0x80]),
        .invalidUTF8(packetType: .publish, offset: 4)),
    MalformedCase(
        "UTF-8 lead byte 0xFF", v3, frame(0x30, [0, 1, 0xFF]), .invalidUTF8(packetType: .publish, offset: 4)),
    MalformedCase(
        "truncated UTF-8 sequence", v3, frame(0x30, [0, 2, 0x61, 0xE2]),
        .invalidUTF8(packetType: .publish, offset: 5)),
    MalformedCase(
        "U+0000 in topic", v3, frame(0x30, [0, 2, 0x61, 0x00]), .nullCharacter(packetType: .publish, offset: 5)),
    MalformedCase(
        "U+0000 in client id", v3, connectV3(flags: 2, [0, 2, 0x61, 0x00]),
        .nullCharacter(packetType: .connect, offset: 15)),
    MalformedCase(
        "invalid UTF-8 in user property", v5, publishV5(properties: [0x26, 0, 1, 0xFF, 0, 0]),
        .invalidUTF8(packetType: .publish, offset: 9)),
    MalformedCase(
        "invalid UTF-8 in SUBSCRIBE filter", v3, frame(0x82, [0, 1, 0, 1, 0x80, 0]),
        .invalidUTF8(packetType: .subscribe, offset: 6)),

    // Properties.
    MalformedCase(
        "unknown property id", v5, publishV5(properties: [0x05]),
        .invalidPropertyIdentifier(packetType: .publish, identifier: 5, offset: 6)),
    MalformedCase(
        "property id 0", v5, publishV5(properties: [0x00, 0x00]),
        .invalidPropertyIdentifier(packetType: .publish, identifier: 0, offset: 6)),
    MalformedCase(
        "multi-byte property id", v5, publishV5(properties: [0x81, 0x01]),
        .invalidPropertyIdentifier(packetType: .publish, identifier: 0x81, offset: 6)),
    MalformedCase(
        "session expiry in PUBLISH", v5, publishV5(properties: [0x11, 0, 0, 0, 1]),
        .propertyNotAllowed(.sessionExpiryInterval, context: .publish)),
    MalformedCase(
        "will delay in CONNECT properties", v5, connectV5(flags: 2, properties: [0x18, 0, 0, 0, 1], str("x")),
        .propertyNotAllowed(.willDelayInterval, context: .connect)),
    MalformedCase(
        "topic alias in will properties", v5,
        connectV5(flags: 0x06, properties: [], str("x") + [3, 0x23, 0, 1] + str("w") + str("")),
        .propertyNotAllowed(.topicAlias, context: .will)),
    MalformedCase(
        "reason string in SUBSCRIBE", v5, frame(0x82, [0, 1, 4, 0x1F, 0, 1, 0x61] + str("a") + [0]),
        .propertyNotAllowed(.reasonString, context: .subscribe)),
    MalformedCase(
        "session expiry in PUBACK", v5, frame(0x40, [0, 1, 0, 5, 0x11, 0, 0, 0, 1]),
        .propertyNotAllowed(.sessionExpiryInterval, context: .puback)),
    MalformedCase(
        "topic alias in CONNACK", v5, frame(0x20, [0, 0, 3, 0x23, 0, 1]),
        .propertyNotAllowed(.topicAlias, context: .connack)),
    MalformedCase(
        "server reference in AUTH", v5, frame(0xF0, [0x18, 4, 0x1C, 0, 1, 0x61]),
        .propertyNotAllowed(.serverReference, context: .auth)),
    MalformedCase(
        "duplicate topic alias", v5, publishV5(properties: [0x23, 0, 1, 0x23, 0, 2]),
        .duplicateProperty(.topicAlias, context: .publish)),
    MalformedCase(
        "duplicate subscription id in SUBSCRIBE", v5,
        frame(0x82, [0, 1, 4, 0x0B, 1, 0x0B, 2] + str("a") + [0]),
        .duplicateProperty(.subscriptionIdentifier, context: .subscribe)),
    MalformedCase(
        "duplicate reason string", v5, frame(0x40, [0, 1, 0x10, 6, 0x1F, 0, 0, 0x1F, 0, 0]),
        .duplicateProperty(.reasonString, context: .puback)),
    MalformedCase(
        "duplicate session expiry in CONNACK", v5,
        frame(0x20, [0, 0, 10, 0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 2]),
        .duplicateProperty(.sessionExpiryInterval, context: .connack)),
    MalformedCase(
        "property length past packet", v5, frame(0x30, str("a") + [5, 0x01]),
        .propertyLengthExceedsPacket(packetType: .publish, offset: 5)),
    MalformedCase(
        "property value past property length", v5, frame(0x30, str("a") + [2, 0x02, 0]),
        .propertyTruncated(.messageExpiryInterval, context: .publish, offset: 6)),
    MalformedCase(
        "user property value truncated", v5, frame(0x30, str("a") + [5, 0x26, 0, 1, 0x61, 0]),
        .propertyTruncated(.userProperty, context: .publish, offset: 6)),
    MalformedCase(
        "malformed property length", v5, frame(0x30, str("a") + [0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
        .malformedVariableByteInteger(packetType: .publish, offset: 5)),
    MalformedCase(
        "non-minimal subscription identifier", v5, publishV5(properties: [0x0B, 0x80, 0x00]),
        .malformedVariableByteInteger(packetType: .publish, offset: 7)),
    MalformedCase(
        "receive maximum 0", v5, frame(0x20, [0, 0, 3, 0x21, 0, 0]),
        .invalidPropertyValue(.receiveMaximum, context: .connack)),
    MalformedCase(
        "maximum QoS 2", v5, frame(0x20, [0, 0, 2, 0x24, 2]), .invalidPropertyValue(.maximumQoS, context: .connack)),
    MalformedCase(
        "retain available 2", v5, frame(0x20, [0, 0, 2, 0x25, 2]),
        .invalidPropertyValue(.retainAvailable, context: .connack)),
    MalformedCase(
        "request problem information 2", v5, connectV5(flags: 2, properties: [0x17, 2], str("x")),
        .invalidPropertyValue(.requestProblemInformation, context: .connect)),
    MalformedCase(
        "payload format indicator 2", v5, publishV5(properties: [0x01, 2]),
        .invalidPropertyValue(.payloadFormatIndicator, context: .publish)),
    MalformedCase(
        "topic alias 0", v5, publishV5(properties: [0x23, 0, 0]),
        .invalidPropertyValue(.topicAlias, context: .publish)),
    MalformedCase(
        "subscription identifier 0", v5, frame(0x82, [0, 1, 2, 0x0B, 0] + str("a") + [0]),
        .invalidPropertyValue(.subscriptionIdentifier, context: .subscribe)),
    MalformedCase(
        "maximum packet size 0", v5, connectV5(flags: 2, properties: [0x27, 0, 0, 0, 0], str("x")),
        .invalidPropertyValue(.maximumPacketSize, context: .connect)),
    MalformedCase(
        "response topic with wildcard", v5, publishV5(properties: [0x08, 0, 2, 0x61, 0x23]),
        .invalidPropertyValue(.responseTopic, context: .publish)),
    MalformedCase(
        "authentication data without method", v5, connectV5(flags: 2, properties: [0x16, 0, 1, 1], str("x")),
        .authenticationDataWithoutMethod(context: .connect)),

    // Truncation and trailing bytes.
    MalformedCase("PUBLISH topic past end", v3, hex("30 03 00 05 61"), .truncated(packetType: .publish, offset: 2)),
    MalformedCase(
        "PUBLISH QoS 1 without packet id", v3, frame(0x32, str("a") + [0]),
        .truncated(packetType: .publish, offset: 5)),
    MalformedCase("CONNACK too short", v3, hex("20 01 00"), .truncated(packetType: .connack, offset: 3)),
    MalformedCase(
        "v5 CONNACK without property length", v5, hex("20 02 00 00"), .truncated(packetType: .connack, offset: 4)),
    MalformedCase("PUBACK too short", v3, hex("40 01 00"), .truncated(packetType: .puback, offset: 2)),
    MalformedCase(
        "CONNECT without client id", v3, frame(0x10, mqtt + [4, 2, 0, 30]), .truncated(packetType: .connect, offset: 12)
    ),
    MalformedCase(
        "CONNECT without password", v5, connectV5(flags: 0xC2, properties: [], str("x") + str("u")),
        .truncated(packetType: .connect, offset: 19)),
    MalformedCase(
        "SUBSCRIBE without options byte", v3, frame(0x82, [0, 1] + str("a")),
        .truncated(packetType: .subscribe, offset: 7)),
    MalformedCase("PINGREQ with body", v3, hex("c0 01 00"), .trailingBytes(packetType: .pingreq, count: 1)),
    MalformedCase("PINGRESP with body", v5, hex("d0 02 00 00"), .trailingBytes(packetType: .pingresp, count: 2)),
    MalformedCase(
        "3.1.1 PUBACK with reason code", v3, hex("40 03 00 01 00"), .trailingBytes(packetType: .puback, count: 1)),
    MalformedCase(
        "3.1.1 CONNACK with properties", v3, hex("20 03 00 00 00"), .trailingBytes(packetType: .connack, count: 1)),
    MalformedCase("3.1.1 DISCONNECT with body", v3, hex("e0 01 00"), .trailingBytes(packetType: .disconnect, count: 1)),
    MalformedCase(
        "3.1.1 UNSUBACK with codes", v3, hex("b0 03 00 01 00"), .trailingBytes(packetType: .unsuback, count: 1)),
    MalformedCase(
        "CONNECT with extra bytes", v3, connectV3(flags: 2, str("x") + [0xFF]),
        .trailingBytes(packetType: .connect, count: 1)),
    MalformedCase(
        "v5 PUBACK with bytes after properties", v5, frame(0x40, [0, 1, 0x10, 0, 0xAA]),
        .trailingBytes(packetType: .puback, count: 1)),
    MalformedCase(
        "v5 DISCONNECT with bytes after properties", v5, frame(0xE0, [0x8B, 0, 0xAA, 0xBB]),
        .trailingBytes(packetType: .disconnect, count: 2)),

    // CONNECT.
    MalformedCase("protocol name MQTX", v3, frame(0x10, str("MQTX") + [4, 2, 0, 30] + str("x")), .invalidProtocolName),
    MalformedCase(
        "protocol name MQIsdp", v3, frame(0x10, str("MQIsdp") + [3, 2, 0, 30] + str("x")), .invalidProtocolName),
    MalformedCase("protocol level 3", v3, frame(0x10, mqtt + [3, 2, 0, 30] + str("x")), .unsupportedProtocolLevel(3)),
    MalformedCase("protocol level 6", v5, frame(0x10, mqtt + [6, 2, 0, 30] + str("x")), .unsupportedProtocolLevel(6)),
    MalformedCase("reserved CONNECT flag", v3, connectV3(flags: 0x03, str("x")), .reservedConnectFlag),
    MalformedCase(
        "will QoS 3", v3, connectV3(flags: 0x1E, str("x") + str("w") + str("p")),
        .invalidQoS(packetType: .connect, offset: 9)),
    MalformedCase("will QoS without will flag", v3, connectV3(flags: 0x0A, str("x")), .invalidWillFlags),
    MalformedCase(
        "will retain without will flag", v5, connectV5(flags: 0x22, properties: [], str("x")), .invalidWillFlags),
    MalformedCase(
        "password without user name in 3.1.1", v3, connectV3(flags: 0x42, str("x") + str("p")),
        .passwordWithoutUsername),
    MalformedCase(
        "will topic with wildcard", v3, connectV3(flags: 0x06, str("x") + str("a/#") + str("")),
        .invalidTopicName(packetType: .connect, offset: 15)),
    MalformedCase(
        "empty will topic", v3, connectV3(flags: 0x06, str("x") + str("") + str("")),
        .emptyTopicName(packetType: .connect)),

    // CONNACK.
    MalformedCase("CONNACK reserved flags", v3, hex("20 02 02 00"), .invalidConnAckFlags(2)),
    MalformedCase("session present with failure (3.1.1)", v3, hex("20 02 01 05"), .sessionPresentWithFailure),
    MalformedCase("session present with failure (5)", v5, hex("20 03 01 87 00"), .sessionPresentWithFailure),
    MalformedCase("3.1.1 return code 6", v3, hex("20 02 00 06"), .invalidReasonCode(packetType: .connack, code: 6)),
    MalformedCase(
        "CONNACK reason 0x10", v5, hex("20 03 00 10 00"), .invalidReasonCode(packetType: .connack, code: 0x10)),

    // Reason codes.
    MalformedCase("PUBACK reason 0x05", v5, hex("40 03 00 01 05"), .invalidReasonCode(packetType: .puback, code: 5)),
    MalformedCase("PUBREL reason 0x10", v5, hex("62 03 00 01 10"), .invalidReasonCode(packetType: .pubrel, code: 0x10)),
    MalformedCase("SUBACK 3.1.1 code 3", v3, hex("90 03 00 01 03"), .invalidReasonCode(packetType: .suback, code: 3)),
    MalformedCase(
        "SUBACK 3.1.1 code 0x87", v3, hex("90 03 00 01 87"), .invalidReasonCode(packetType: .suback, code: 0x87)),
    MalformedCase(
        "SUBACK reason 0x10", v5, hex("90 04 00 01 00 10"), .invalidReasonCode(packetType: .suback, code: 0x10)),
    MalformedCase(
        "UNSUBACK reason 0x01", v5, hex("b0 04 00 01 00 01"), .invalidReasonCode(packetType: .unsuback, code: 1)),
    MalformedCase("DISCONNECT reason 0x05", v5, hex("e0 01 05"), .invalidReasonCode(packetType: .disconnect, code: 5)),
    MalformedCase("AUTH reason 0x01", v5, hex("f0 01 01"), .invalidReasonCode(packetType: .auth, code: 1)),

    // Payload presence.
    MalformedCase("SUBSCRIBE without filters (3.1.1)", v3, hex("82 02 00 01"), .emptyPayload(packetType: .subscribe)),
    MalformedCase("SUBSCRIBE without filters (5)", v5, hex("82 03 00 01 00"), .emptyPayload(packetType: .subscribe)),
    MalformedCase("UNSUBSCRIBE without filters", v3, hex("a2 02 00 01"), .emptyPayload(packetType: .unsubscribe)),
    MalformedCase("SUBACK without codes", v3, hex("90 02 00 01"), .emptyPayload(packetType: .suback)),
    MalformedCase("v5 UNSUBACK without codes", v5, hex("b0 03 00 01 00"), .emptyPayload(packetType: .unsuback)),

    // Subscription options and filters.
    MalformedCase(
        "3.1.1 subscription option reserved bits", v3, frame(0x82, [0, 1] + str("a") + [0x04]),
        .invalidSubscriptionOptions(offset: 7, options: 0x04)),
    MalformedCase(
        "v5 subscription option reserved bits", v5, frame(0x82, [0, 1, 0] + str("a") + [0xC0]),
        .invalidSubscriptionOptions(offset: 8, options: 0xC0)),
    MalformedCase(
        "subscription QoS 3", v5, frame(0x82, [0, 1, 0] + str("a") + [0x03]),
        .invalidQoS(packetType: .subscribe, offset: 8)),
    MalformedCase(
        "retain handling 3", v5, frame(0x82, [0, 1, 0] + str("a") + [0x30]), .invalidRetainHandling(offset: 8)),
    MalformedCase(
        "no local on shared subscription", v5, frame(0x82, [0, 1, 0] + str("$share/g/a") + [0x04]),
        .noLocalOnSharedSubscription(offset: 17)),
    MalformedCase(
        "filter a/#/b", v3, frame(0x82, [0, 1] + str("a/#/b") + [0]),
        .invalidTopicFilter(packetType: .subscribe, offset: 4)),
    MalformedCase(
        "filter a+", v3, frame(0x82, [0, 1] + str("a+") + [0]),
        .invalidTopicFilter(packetType: .subscribe, offset: 4)),
    MalformedCase(
        "empty filter", v3, frame(0x82, [0, 1] + str("") + [0]),
        .invalidTopicFilter(packetType: .subscribe, offset: 4)),
    MalformedCase(
        "shared subscription without filter", v5, frame(0x82, [0, 1, 0] + str("$share/g/") + [0]),
        .invalidTopicFilter(packetType: .subscribe, offset: 5)),
    MalformedCase(
        "second filter invalid", v3, frame(0x82, [0, 1] + str("a") + [0] + str("b#") + [0]),
        .invalidTopicFilter(packetType: .subscribe, offset: 8)),
    MalformedCase(
        "UNSUBSCRIBE filter #/a", v5, frame(0xA2, [0, 1, 0] + str("#/a")),
        .invalidTopicFilter(packetType: .unsubscribe, offset: 5)),

    // One-shot framing.
    MalformedCase("empty input", v3, [], .incompletePacket(expected: 1, available: 0), oneShotOnly: true),
    MalformedCase(
        "incomplete fixed header", v3, [0x30], .incompletePacket(expected: 2, available: 1), oneShotOnly: true),
    MalformedCase(
        "incomplete body", v3, hex("30 05 00"), .incompletePacket(expected: 7, available: 3), oneShotOnly: true),
    MalformedCase(
        "bytes after the packet", v3, hex("c0 00 c0 00"), .trailingBytes(packetType: .pingreq, count: 2),
        oneShotOnly: true),
]

@Suite(.timeLimit(.minutes(1))) struct MalformedPacketTests {
    @Test(arguments: malformedCases)
    func oneShotDecodeThrowsExpectedError(_ testCase: MalformedCase) {
        #expect(throws: testCase.expected) { try MQTTDecoder.decode(testCase.bytes, version: testCase.version) }
    }

    @Test(arguments: malformedCases.filter { !$0.oneShotOnly })
    func frameDecoderThrowsExpectedError(_ testCase: MalformedCase) {
        var decoder = MQTTFrameDecoder(version: testCase.version)
        decoder.append(testCase.bytes)
        #expect(throws: testCase.expected) { try decoder.next() }
    }

    @Test(arguments: malformedCases.filter { !$0.oneShotOnly })
    func frameDecoderThrowsAfterGoodPacketsFedByteByByte(_ testCase: MalformedCase) throws {
        var decoder = MQTTFrameDecoder(version: testCase.version)
        var thrown: MQTTDecodeError?
        var packets = 0
        for byte in hex("c0 00 d0 00") + testCase.bytes {
            decoder.append([byte])
            do {
                while try decoder.next() != nil { packets += 1 }
            } catch {
                thrown = error
                break
            }
        }
        #expect(packets == 2)
        #expect(thrown == testCase.expected)
    }

    @Test func validEdgeCasesDecode() throws {
        // Empty topic with a Topic Alias is fine in MQTT 5.
        #expect(
            try MQTTDecoder.decode(publishV5(properties: [0x23, 0, 5], topic: ""), version: .v5)
                == .publish(PublishPacket(topic: "", properties: [.topicAlias(5)])))
        // Subscription Identifier may repeat in PUBLISH.
        let repeated = try MQTTDecoder.decode(publishV5(properties: [0x0B, 1, 0x0B, 2]), version: .v5)
        #expect(
            repeated
                == .publish(
                    PublishPacket(topic: "a", properties: [.subscriptionIdentifier(1), .subscriptionIdentifier(2)])))
        // Password without user name is allowed in MQTT 5.
        let connect = try MQTTDecoder.decode(connectV5(flags: 0x42, properties: [], str("x") + str("p")), version: .v5)
        #expect(connect == .connect(ConnectPacket(clientIdentifier: "x", keepAlive: 30, password: Array("p".utf8))))
        // 4-byte UTF-8 and the largest scalar are valid.
        let emoji = try MQTTDecoder.decode(
            frame(0x30, [0, 8, 0xF0, 0x9F, 0x9A, 0x80, 0xF4, 0x8F, 0xBF, 0xBF]), version: .v3_1_1)
        #expect(emoji == .publish(PublishPacket(topic: "🚀\u{10FFFF}")))
        // Shared subscription without No Local is fine.
        let shared = try MQTTDecoder.decode(frame(0x82, [0, 1, 0] + str("$share/g/a/#") + [0x01]), version: .v5)
        #expect(
            shared
                == .subscribe(
                    SubscribePacket(
                        packetIdentifier: 1,
                        subscriptions: [
                            MQTTSubscription(topicFilter: "$share/g/a/#", qos: .atLeastOnce)
                        ])))
    }

    @Test func disconnectReasonCodes() {
        #expect(MQTTDecodeError.malformedRemainingLength.disconnectReasonCode == .malformedPacket)
        #expect(MQTTDecodeError.truncated(packetType: .publish, offset: 2).disconnectReasonCode == .malformedPacket)
        #expect(MQTTDecodeError.invalidUTF8(packetType: .publish, offset: 2).disconnectReasonCode == .malformedPacket)
        #expect(MQTTDecodeError.packetTooLarge(size: 10, maximum: 5).disconnectReasonCode == .packetTooLarge)
        #expect(
            MQTTDecodeError.duplicateProperty(.topicAlias, context: .publish).disconnectReasonCode == .protocolError)
        #expect(
            MQTTDecodeError.propertyNotAllowed(.topicAlias, context: .connack).disconnectReasonCode == .protocolError)
        #expect(
            MQTTDecodeError.invalidPropertyValue(.topicAlias, context: .publish).disconnectReasonCode
                == .topicAliasInvalid)
        #expect(
            MQTTDecodeError.invalidPropertyValue(.receiveMaximum, context: .connect).disconnectReasonCode
                == .protocolError)
        #expect(MQTTDecodeError.emptyTopicName(packetType: .publish).disconnectReasonCode == .protocolError)
        #expect(MQTTDecodeError.unsupportedProtocolLevel(3).disconnectReasonCode == .unsupportedProtocolVersion)
        #expect(MQTTDecodeError.invalidRetainHandling(offset: 8).disconnectReasonCode == .protocolError)
        #expect(
            MQTTDecodeError.invalidSubscriptionOptions(offset: 8, options: 0xC0).disconnectReasonCode
                == .malformedPacket)
        for testCase in malformedCases {
            let code = testCase.expected.disconnectReasonCode
            #expect(code.isFailure && (code.isValid(for: .disconnect) || code.isValid(for: .connack)))
        }
    }
}
