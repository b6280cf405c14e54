import CodecTestSupport
import MQTTCodec

/// Builds a packet from its first byte and body, computing the remaining length.
func frame(_ first: UInt8, _ body: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [first]
    var value = body.count
    repeat {
        var byte = UInt8(value & 0x7F)
        value >>= 7
        if value > 0 { byte |= 0x80 }
        out.append(byte)
    } while value > 0
    return out + body
}

/// A length-prefixed UTF-8 string.
func str(_ text: String) -> [UInt8] {
    let utf8 = Array(text.utf8)
    return [UInt8(utf8.count >> 8), UInt8(utf8.count & 0xFF)] + utf8
}

/// Encodes a packet, failing the calling test on error.
func encoded(_ packet: MQTTPacket, _ version: MQTTProtocolVersion) throws -> [UInt8] {
    try packet.encode(version: version)
}

enum Samples {
    static let userProperties: [MQTTProperty] = [
        .userProperty(name: "region", value: "eu-west-1"),
        .userProperty(name: "region", value: "duplicate names are allowed"),
        .userProperty(name: "ünïcødé", value: "✓ 🚀"),
    ]

    static func props(_ version: MQTTProtocolVersion, _ list: [MQTTProperty]) -> MQTTProperties {
        version == .v5 ? MQTTProperties(list + userProperties) : MQTTProperties()
    }

    static func connect(_ version: MQTTProtocolVersion) -> ConnectPacket {
        ConnectPacket(
            clientIdentifier: "uplink-device-01",
            cleanStart: false,
            keepAlive: 1200,
            username: "user",
            password: [0x00, 0xFF, 0x10, 0x80],
            will: ConnectPacket.Will(
                topic: "devices/01/status",
                payload: Array("offline".utf8),
                qos: .exactlyOnce,
                retain: true,
                properties: props(
                    version,
                    [
                        .willDelayInterval(30),
                        .payloadFormatIndicator(.utf8),
                        .messageExpiryInterval(3600),
                        .contentType("text/plain"),
                        .responseTopic("devices/01/response"),
                        .correlationData([1, 2, 3]),
                    ]
                )
            ),
            properties: props(
                version,
                [
                    .sessionExpiryInterval(0xFFFF_FFFF),
                    .receiveMaximum(20),
                    .maximumPacketSize(131_072),
                    .topicAliasMaximum(10),
                    .requestResponseInformation(true),
                    .requestProblemInformation(false),
                    .authenticationMethod("SCRAM-SHA-256"),
                    .authenticationData([9, 8, 7]),
                ]
            )
        )
    }

    static func connack(_ version: MQTTProtocolVersion) -> ConnAckPacket {
        ConnAckPacket(
            sessionPresent: true,
            reasonCode: .success,
            properties: props(
                version,
                [
                    .sessionExpiryInterval(120),
                    .receiveMaximum(100),
                    .maximumQoS(.atLeastOnce),
                    .retainAvailable(false),
                    .maximumPacketSize(268_435_455),
                    .assignedClientIdentifier("auto-1234"),
                    .topicAliasMaximum(5),
                    .reasonString("welcome"),
                    .wildcardSubscriptionAvailable(true),
                    .subscriptionIdentifierAvailable(true),
                    .sharedSubscriptionAvailable(false),
                    .serverKeepAlive(30),
                    .responseInformation("responses/"),
                    .serverReference("other.example.com"),
                    .authenticationMethod("SCRAM-SHA-256"),
                    .authenticationData([]),
                ]
            )
        )
    }

    static func publish(_ version: MQTTProtocolVersion) -> PublishPacket {
        PublishPacket(
            topic: "sensors/temperature/kitchen",
            payload: Array("21.5".utf8),
            qos: .atLeastOnce,
            retain: true,
            dup: true,
            packetIdentifier: 0xBEEF,
            properties: props(
                version,
                [
                    .payloadFormatIndicator(.utf8),
                    .messageExpiryInterval(60),
                    .topicAlias(3),
                    .responseTopic("replies/kitchen"),
                    .correlationData([0xCA, 0xFE]),
                    .subscriptionIdentifier(1),
                    .subscriptionIdentifier(268_435_455),
                    .contentType("application/json"),
                ]
            )
        )
    }

    static func ack(_ version: MQTTProtocolVersion, code: MQTTReasonCode) -> PublishAckPacket {
        PublishAckPacket(
            packetIdentifier: 0x0102,
            reasonCode: version == .v5 ? code : .success,
            properties: props(version, [.reasonString("because")])
        )
    }

    static func subscribe(_ version: MQTTProtocolVersion) -> SubscribePacket {
        let v5 = version == .v5
        return SubscribePacket(
            packetIdentifier: 7,
            subscriptions: [
                MQTTSubscription(topicFilter: "a/b", qos: .atMostOnce),
                MQTTSubscription(
                    topicFilter: "sensors/+/temperature",
                    options: MQTTSubscriptionOptions(
                        qos: .atLeastOnce,
                        noLocal: v5,
                        retainAsPublished: v5,
                        retainHandling: v5 ? .sendOnSubscribeIfNew : .sendOnSubscribe
                    )
                ),
                MQTTSubscription(
                    topicFilter: "$share/group/devices/#",
                    options: MQTTSubscriptionOptions(
                        qos: .exactlyOnce, retainHandling: v5 ? .doNotSend : .sendOnSubscribe)
                ),
            ],
            properties: props(version, [.subscriptionIdentifier(16_384)])
        )
    }

    static func suback(_ version: MQTTProtocolVersion) -> SubAckPacket {
        let codes: [MQTTReasonCode] =
            version == .v5
            ? [
                .grantedQoS0, .grantedQoS1, .grantedQoS2, .unspecifiedError, .topicFilterInvalid,
                .wildcardSubscriptionsNotSupported,
            ]
            : [.grantedQoS0, .grantedQoS1, .grantedQoS2, .unspecifiedError]
        return SubAckPacket(packetIdentifier: 7, reasonCodes: codes, properties: props(version, [.reasonString("ok")]))
    }

    static func unsubscribe(_ version: MQTTProtocolVersion) -> UnsubscribePacket {
        UnsubscribePacket(
            packetIdentifier: 8,
            topicFilters: ["a/b", "sensors/+/temperature", "#"],
            properties: props(version, [])
        )
    }

    static func unsuback(_ version: MQTTProtocolVersion) -> UnsubAckPacket {
        UnsubAckPacket(
            packetIdentifier: 8,
            reasonCodes: version == .v5 ? [.success, .noSubscriptionExisted, .notAuthorized] : [],
            properties: props(version, [.reasonString("done")])
        )
    }

    static func disconnect(_ version: MQTTProtocolVersion) -> DisconnectPacket {
        DisconnectPacket(
            reasonCode: version == .v5 ? .serverMoved : .normalDisconnection,
            properties: props(
                version,
                [.sessionExpiryInterval(0), .reasonString("moving"), .serverReference("new.example.com")]
            )
        )
    }

    static func auth() -> AuthPacket {
        AuthPacket(
            reasonCode: .continueAuthentication,
            properties: props(
                .v5,
                [.authenticationMethod("SCRAM-SHA-256"), .authenticationData([1, 2, 3, 4]), .reasonString("step 2")]
            )
        )
    }

    /// One of every packet type valid in `version`, with every property that type allows in MQTT 5.
    static func all(_ version: MQTTProtocolVersion) -> [MQTTPacket] {
        var packets: [MQTTPacket] = [
            .connect(connect(version)),
            .connack(connack(version)),
            .publish(publish(version)),
            .publish(PublishPacket(topic: "t", payload: [], qos: .atMostOnce)),
            .publish(
                PublishPacket(
                    topic: "big", payload: Array(repeating: 0xAB, count: 70_000), qos: .exactlyOnce,
                    packetIdentifier: 65_535)
            ),
            .puback(ack(version, code: .noMatchingSubscribers)),
            .pubrec(ack(version, code: .quotaExceeded)),
            .pubrel(ack(version, code: .packetIdentifierNotFound)),
            .pubcomp(ack(version, code: .success)),
            .puback(PublishAckPacket(packetIdentifier: 1)),
            .subscribe(subscribe(version)),
            .suback(suback(version)),
            .unsubscribe(unsubscribe(version)),
            .unsuback(unsuback(version)),
            .pingreq,
            .pingresp,
            .disconnect(disconnect(version)),
            .disconnect(DisconnectPacket()),
            .connect(ConnectPacket(clientIdentifier: "", cleanStart: true, keepAlive: 0)),
            .connack(ConnAckPacket(sessionPresent: false, reasonCode: .notAuthorized)),
        ]
        if version == .v5 {
            packets.append(.auth(auth()))
            packets.append(.auth(AuthPacket()))
            packets.append(.publish(PublishPacket(topic: "", payload: [1], properties: [.topicAlias(3)])))
        }
        return packets
    }
}
