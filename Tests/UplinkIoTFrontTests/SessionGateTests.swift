import MQTTCodec
import Testing

@testable import UplinkIoTFront

/// The per-connection gate (pure): denials as AWS answers them, broker limits, QoS 2 left unanswered.
@Suite("MQTT gate: policies and broker limits, MQTT 3.1.1 and 5")
struct SessionGateTests {
    static let arn = "arn:aws:iot:us-east-1:123456789012"

    static func gate(_ statements: [String]) throws -> IoTSessionGate {
        let document = try IoTPolicyDocument(
            json: "{\"Version\":\"2012-10-17\",\"Statement\":[\(statements.joined(separator: ","))]}")
        return IoTSessionGate(
            evaluator: IoTPolicyEvaluator(region: "us-east-1", account: "123456789012"), limits: IoTBrokerLimits(),
            policies: [document], context: IoTPolicyContext())
    }

    static let standard = [
        "{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"\(arn):client/dev\"}",
        "{\"Effect\":\"Allow\",\"Action\":[\"iot:Publish\",\"iot:Receive\"],\"Resource\":\"\(arn):topic/ok/*\"}",
        "{\"Effect\":\"Allow\",\"Action\":\"iot:Subscribe\",\"Resource\":\"\(arn):topicfilter/ok/*\"}",
    ]

    static func connected(_ version: MQTTProtocolVersion, keepAlive: UInt16 = 60) throws -> IoTSessionGate {
        var gate = try gate(standard)
        let effects = gate.fromDevice(
            .connect(ConnectPacket(clientIdentifier: "dev", keepAlive: keepAlive)), decodedAs: version)
        #expect(effects == [.toBroker(.connect(ConnectPacket(clientIdentifier: "dev", keepAlive: keepAlive)))])
        return gate
    }

    static func isClose(_ effects: [IoTGateEffect]) -> Bool {
        if case .close = effects.last { return true }
        return false
    }

    @Test("CONNECT denied: 3.1.1 closed without CONNACK, 5 CONNACK 0x87")
    func connectDenied() throws {
        var old = try Self.gate(Self.standard)
        let refused = old.fromDevice(.connect(ConnectPacket(clientIdentifier: "other")), decodedAs: .v3_1_1)
        #expect(refused.count == 1 && Self.isClose(refused))
        var new = try Self.gate(Self.standard)
        let answered = new.fromDevice(.connect(ConnectPacket(clientIdentifier: "other")), decodedAs: .v5)
        #expect(answered.first == .toDevice(.connack(ConnAckPacket(reasonCode: .notAuthorized))))
        #expect(Self.isClose(answered))
    }

    @Test("Keep alive outside 30–1200 s is brought into range; MQTT 5 is told in CONNACK")
    func keepAlive() throws {
        var gate = try Self.gate(Self.standard)
        let effects = gate.fromDevice(.connect(ConnectPacket(clientIdentifier: "dev", keepAlive: 5)), decodedAs: .v5)
        #expect(effects == [.toBroker(.connect(ConnectPacket(clientIdentifier: "dev", keepAlive: 30)))])
        let connack = gate.fromBroker(.connack(ConnAckPacket()))
        guard case .toDevice(.connack(let answer)) = connack.first else {
            Issue.record("no CONNACK: \(connack)")
            return
        }
        #expect(answer.properties.serverKeepAlive == 30)
        var zero = try Self.gate(Self.standard)
        #expect(
            zero.fromDevice(.connect(ConnectPacket(clientIdentifier: "dev", keepAlive: 0)), decodedAs: .v3_1_1)
                == [.toBroker(.connect(ConnectPacket(clientIdentifier: "dev", keepAlive: 1200)))])
    }

    @Test("PUBLISH: allowed forwarded; denied 3.1.1 closed, 5 PUBACK 0x87 (QoS 1) or DISCONNECT 0x87 (QoS 0)")
    func publish() throws {
        let allowed = MQTTPacket.publish(
            PublishPacket(topic: "ok/1", payload: [1], qos: .atLeastOnce, packetIdentifier: 1))
        var old = try Self.connected(.v3_1_1)
        #expect(old.fromDevice(allowed, decodedAs: .v3_1_1) == [.toBroker(allowed)])
        #expect(
            Self.isClose(
                old.fromDevice(.publish(PublishPacket(topic: "no", payload: [], qos: .atMostOnce)), decodedAs: .v3_1_1))
        )
        var new = try Self.connected(.v5)
        let denied = new.fromDevice(
            .publish(PublishPacket(topic: "no", payload: [], qos: .atLeastOnce, packetIdentifier: 7)), decodedAs: .v5)
        #expect(denied.first == .toDevice(.puback(PublishAckPacket(packetIdentifier: 7, reasonCode: .notAuthorized))))
        #expect(!Self.isClose(denied))
        let zero = new.fromDevice(.publish(PublishPacket(topic: "no", payload: [], qos: .atMostOnce)), decodedAs: .v5)
        #expect(zero.first == .toDevice(.disconnect(DisconnectPacket(reasonCode: .notAuthorized))))
        #expect(Self.isClose(zero))
    }

    @Test("Decisions are kept per connection, bounded: more topics than the cache holds are each decided right")
    func decisionCache() throws {
        var evaluations = 0
        var cache = IoTDecisionCache()
        for _ in 0..<3 {
            #expect(
                cache.decision(.publish, "a") {
                    evaluations += 1; return true
                })
        }
        #expect(evaluations == 1)
        for index in 0..<IoTDecisionCache.capacity {
            _ = cache.decision(.publish, "t\(index)") { index.isMultiple(of: 2) }
        }
        // Full: it started over, so "a" is evaluated again — and with the new answer.
        #expect(
            !cache.decision(.publish, "a") {
                evaluations += 1; return false
            })
        #expect(evaluations == 2)
        #expect(cache.decision(.receive, "a") { true }, "another action is another decision")

        var gate = try Self.connected(.v3_1_1)
        for index in 0..<(IoTDecisionCache.capacity * 2 + 10) {
            let packet = MQTTPacket.publish(PublishPacket(topic: "ok/\(index)", payload: [], qos: .atMostOnce))
            #expect(gate.fromDevice(packet, decodedAs: .v3_1_1) == [.toBroker(packet)])
        }
        #expect(
            Self.isClose(
                gate.fromDevice(.publish(PublishPacket(topic: "no", payload: [], qos: .atMostOnce)), decodedAs: .v3_1_1)
            ))
    }

    @Test("RETAIN needs iot:RetainPublish as well as iot:Publish")
    func retain() throws {
        var gate = try Self.connected(.v3_1_1)
        #expect(
            Self.isClose(
                gate.fromDevice(.publish(PublishPacket(topic: "ok/1", payload: [1], retain: true)), decodedAs: .v3_1_1))
        )
    }

    @Test("QoS 2 PUBLISH and SUBSCRIBE are never answered nor forwarded")
    func qos2() throws {
        var gate = try Self.connected(.v3_1_1)
        let publish = gate.fromDevice(
            .publish(PublishPacket(topic: "ok/1", payload: [1], qos: .exactlyOnce, packetIdentifier: 2)),
            decodedAs: .v3_1_1)
        #expect(publish.allSatisfy { if case .note = $0 { true } else { false } })
        let subscribe = gate.fromDevice(
            .subscribe(
                SubscribePacket(packetIdentifier: 3, subscriptions: [.init(topicFilter: "ok/1", qos: .exactlyOnce)])),
            decodedAs: .v3_1_1)
        #expect(subscribe.allSatisfy { if case .note = $0 { true } else { false } })
    }

    @Test("Limits: payload over 128 KB, topic over 256 bytes or 7 '/', more than 8 filters → disconnect")
    func limits() throws {
        var gate = try Self.connected(.v3_1_1)
        #expect(
            Self.isClose(
                gate.fromDevice(
                    .publish(PublishPacket(topic: "ok/1", payload: Array(repeating: 0, count: 128 * 1024 + 1))),
                    decodedAs: .v3_1_1)))
        gate = try Self.connected(.v3_1_1)
        #expect(
            !Self.isClose(
                gate.fromDevice(
                    .publish(PublishPacket(topic: "ok/1", payload: Array(repeating: 0, count: 128 * 1024))),
                    decodedAs: .v3_1_1)))
        #expect(
            Self.isClose(
                gate.fromDevice(.publish(PublishPacket(topic: "ok/1/2/3/4/5/6/7/8", payload: [])), decodedAs: .v3_1_1)))
        gate = try Self.connected(.v3_1_1)
        #expect(
            !Self.isClose(
                gate.fromDevice(.publish(PublishPacket(topic: "ok/1/2/3/4/5/6/7", payload: [])), decodedAs: .v3_1_1)))
        #expect(
            Self.isClose(
                gate.fromDevice(
                    .publish(PublishPacket(topic: "ok/" + String(repeating: "x", count: 254), payload: [])),
                    decodedAs: .v3_1_1)))
        gate = try Self.connected(.v3_1_1)
        let nine = (0..<9).map { MQTTSubscription(topicFilter: "ok/\($0)", qos: .atLeastOnce) }
        #expect(
            Self.isClose(
                gate.fromDevice(
                    .subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: nine)), decodedAs: .v3_1_1)))
        gate = try Self.connected(.v3_1_1)
        #expect(
            gate.fromDevice(
                .subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: Array(nine.prefix(8)))),
                decodedAs: .v3_1_1)
                == [.toBroker(.subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: Array(nine.prefix(8)))))])
        // A second CONNECT closes the connection.
        #expect(Self.isClose(gate.fromDevice(.connect(ConnectPacket(clientIdentifier: "dev")), decodedAs: .v3_1_1)))
    }

    @Test("SUBSCRIBE partly denied on MQTT 5: allowed filters forwarded, 0x87 merged into the broker's SUBACK")
    func subscribeMerge() throws {
        var gate = try Self.connected(.v5)
        let filters = [
            MQTTSubscription(topicFilter: "no/1", qos: .atLeastOnce),
            MQTTSubscription(topicFilter: "ok/1", qos: .atLeastOnce),
        ]
        let effects = gate.fromDevice(
            .subscribe(SubscribePacket(packetIdentifier: 9, subscriptions: filters)), decodedAs: .v5)
        #expect(
            effects.first == .toBroker(.subscribe(SubscribePacket(packetIdentifier: 9, subscriptions: [filters[1]]))))
        let suback = gate.fromBroker(.suback(SubAckPacket(packetIdentifier: 9, reasonCodes: [.grantedQoS1])))
        #expect(
            suback == [
                .toDevice(.suback(SubAckPacket(packetIdentifier: 9, reasonCodes: [.notAuthorized, .grantedQoS1])))
            ])
        // 3.1.1: any denied filter closes the connection (no SUBACK 0x80).
        var old = try Self.connected(.v3_1_1)
        #expect(
            Self.isClose(
                old.fromDevice(
                    .subscribe(SubscribePacket(packetIdentifier: 9, subscriptions: filters)), decodedAs: .v3_1_1)))
    }

    @Test("iot:Receive: a denied delivery is dropped, and acknowledged to the broker at QoS 1")
    func receive() throws {
        var gate = try Self.connected(.v3_1_1)
        let hidden = gate.fromBroker(
            .publish(PublishPacket(topic: "secret", payload: [1], qos: .atLeastOnce, packetIdentifier: 4)))
        #expect(hidden.contains(.toBroker(.puback(PublishAckPacket(packetIdentifier: 4)))))
        #expect(!hidden.contains { if case .toDevice = $0 { true } else { false } })
        let shown = MQTTPacket.publish(PublishPacket(topic: "ok/x", payload: [1]))
        #expect(gate.fromBroker(shown) == [.toDevice(shown)])
    }

    @Test("Anything before CONNECT closes the connection")
    func firstPacket() throws {
        var gate = try Self.gate(Self.standard)
        #expect(Self.isClose(gate.fromDevice(.pingreq, decodedAs: .v3_1_1)))
    }
}
