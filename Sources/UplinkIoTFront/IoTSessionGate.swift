import MQTTCodec

/// What the gate asks its executor to do.
public enum IoTGateEffect: Sendable, Equatable {
    /// Send a packet to the broker.
    case toBroker(MQTTPacket)
    /// Send a packet to the device.
    case toDevice(MQTTPacket)
    /// Close the device's connection (and the broker's); the reason is for the log.
    case close(String)
    /// Nothing sent, for the log (a QoS 2 packet left unanswered, a delivery the policy hides).
    case note(String)
}

/// One device connection's MQTT state machine between the device and the broker (pure, no I/O): checks every
/// packet against the policies and the broker limits, and answers denials as AWS IoT does — MQTT 3.1.1: the
/// connection is closed; MQTT 5: reason code 0x87 (CONNACK, PUBACK, SUBACK, DISCONNECT).
public struct IoTSessionGate: Sendable {
    public let evaluator: IoTPolicyEvaluator
    public let limits: IoTBrokerLimits
    public let policies: [IoTPolicyDocument]
    public private(set) var context: IoTPolicyContext
    public private(set) var version: MQTTProtocolVersion = .v3_1_1
    public private(set) var connected = false
    /// The keep-alive applied when it differs from the requested one (told to MQTT 5 clients in CONNACK).
    private var appliedKeepAlive: UInt16?
    /// SUBSCRIBE packet id → (positions of the denied filters, filter count), to merge 0x87 into the SUBACK.
    private var deniedFilters: [UInt16: (denied: [Int], count: Int)] = [:]
    /// Decisions taken on this connection; forgotten when the context changes.
    private var decisions = IoTDecisionCache()

    public init(
        evaluator: IoTPolicyEvaluator, limits: IoTBrokerLimits, policies: [IoTPolicyDocument],
        context: IoTPolicyContext
    ) {
        self.evaluator = evaluator
        self.limits = limits
        self.policies = policies
        self.context = context
    }

    /// Sets `${iot:Connection.Thing.ThingName}`: the thing attached to the certificate named as the client id.
    public mutating func setThingName(_ name: String?) {
        context.thingName = name
        decisions.removeAll()
    }

    private mutating func allowed(_ action: IoTAction, _ name: String) -> Bool {
        let (evaluator, policies, context) = (evaluator, policies, context)
        return decisions.decision(action, name) {
            evaluator.evaluate(action, on: name, policies: policies, context: context).isAllowed
        }
    }

    /// Refuses with 0x87 on MQTT 5, by closing on 3.1.1.
    private func deny(_ packet: MQTTPacket?, _ reason: String) -> [IoTGateEffect] {
        guard version.isV5, let packet else { return [.close(reason)] }
        return [.toDevice(packet), .close(reason)]
    }

    /// A packet from the device, with the protocol version the decoder read it as (a CONNECT sets the version).
    public mutating func fromDevice(_ packet: MQTTPacket, decodedAs decodedVersion: MQTTProtocolVersion)
        -> [IoTGateEffect]
    {
        if !connected {
            guard case .connect(var connect) = packet else {
                return [.close("first packet \(packet.packetType) is not CONNECT")]
            }
            connected = true
            version = decodedVersion
            context.clientId = connect.clientIdentifier
            decisions.removeAll()
            if connect.clientIdentifier.utf8.count > limits.maximumClientIdBytes {
                return deny(
                    .connack(ConnAckPacket(reasonCode: .clientIdentifierNotValid)),
                    "client id of \(connect.clientIdentifier.utf8.count) bytes (at most \(limits.maximumClientIdBytes))"
                )
            }
            guard allowed(.connect, connect.clientIdentifier) else {
                return deny(
                    .connack(ConnAckPacket(reasonCode: .notAuthorized)),
                    "iot:Connect denied for client \(connect.clientIdentifier)")
            }
            let keepAlive = limits.keepAlive(connect.keepAlive)
            if keepAlive != connect.keepAlive {
                appliedKeepAlive = keepAlive
                connect.keepAlive = keepAlive
            }
            return [.toBroker(.connect(connect))]
        }
        switch packet {
        case .connect:
            return [.close("a second CONNECT on the connection")]
        case .publish(let publish):
            if publish.payload.count > limits.maximumPayload {
                return deny(
                    .disconnect(DisconnectPacket(reasonCode: .packetTooLarge)),
                    "payload of \(publish.payload.count) bytes (at most \(limits.maximumPayload))")
            }
            if let problem = limits.topicProblem(publish.topic) {
                return deny(.disconnect(DisconnectPacket(reasonCode: .topicNameInvalid)), problem)
            }
            if publish.qos == .exactlyOnce {
                return [.note("QoS 2 PUBLISH on \(publish.topic) not answered (AWS IoT has no QoS 2)")]
            }
            let permitted =
                allowed(.publish, publish.topic) && (!publish.retain || allowed(.retainPublish, publish.topic))
            guard permitted else {
                let reason = "iot:\(publish.retain ? "Publish/RetainPublish" : "Publish") denied on \(publish.topic)"
                if version.isV5, publish.qos == .atLeastOnce, let id = publish.packetIdentifier {
                    return [
                        .toDevice(.puback(PublishAckPacket(packetIdentifier: id, reasonCode: .notAuthorized))),
                        .note(reason),
                    ]
                }
                return deny(.disconnect(DisconnectPacket(reasonCode: .notAuthorized)), reason)
            }
            return [.toBroker(packet)]
        case .subscribe(var subscribe):
            if subscribe.subscriptions.count > limits.maximumFiltersPerSubscribe {
                return [
                    .close(
                        "SUBSCRIBE with \(subscribe.subscriptions.count) filters (at most \(limits.maximumFiltersPerSubscribe))"
                    )
                ]
            }
            if subscribe.subscriptions.contains(where: { $0.options.qos == .exactlyOnce }) {
                return [.note("QoS 2 SUBSCRIBE not answered (AWS IoT has no QoS 2)")]
            }
            let denied = subscribe.subscriptions.indices.filter {
                !allowed(.subscribe, subscribe.subscriptions[$0].topicFilter)
            }
            guard !denied.isEmpty else { return [.toBroker(packet)] }
            let names = denied.map { subscribe.subscriptions[$0].topicFilter }.joined(separator: ", ")
            guard version.isV5 else { return [.close("iot:Subscribe denied on \(names)")] }
            let count = subscribe.subscriptions.count
            if denied.count == count {
                return [
                    .toDevice(
                        .suback(
                            SubAckPacket(
                                packetIdentifier: subscribe.packetIdentifier,
                                reasonCodes: Array(repeating: .notAuthorized, count: count)))),
                    .note("iot:Subscribe denied on \(names)"),
                ]
            }
            deniedFilters[subscribe.packetIdentifier] = (denied, count)
            subscribe.subscriptions = subscribe.subscriptions.indices.filter { !denied.contains($0) }.map {
                subscribe.subscriptions[$0]
            }
            return [.toBroker(.subscribe(subscribe)), .note("iot:Subscribe denied on \(names)")]
        case .pubrec, .pubrel, .pubcomp:
            return [.note("QoS 2 \(packet.packetType) not answered (AWS IoT has no QoS 2)")]
        case .auth:
            return [.close("AUTH is not supported")]
        default:
            return [.toBroker(packet)]
        }
    }

    /// A packet from the broker.
    public mutating func fromBroker(_ packet: MQTTPacket) -> [IoTGateEffect] {
        switch packet {
        case .connack(var connack):
            if version.isV5, let keepAlive = appliedKeepAlive, connack.properties.serverKeepAlive == nil {
                connack.properties.serverKeepAlive = keepAlive
            }
            return [.toDevice(.connack(connack))]
        case .publish(let publish):
            guard allowed(.receive, publish.topic) else {
                var effects: [IoTGateEffect] = [.note("iot:Receive denied on \(publish.topic): not delivered")]
                if let id = publish.packetIdentifier, publish.qos == .atLeastOnce {
                    effects.append(.toBroker(.puback(PublishAckPacket(packetIdentifier: id))))
                }
                return effects
            }
            return [.toDevice(packet)]
        case .suback(var suback):
            if let entry = deniedFilters.removeValue(forKey: suback.packetIdentifier) {
                var codes = suback.reasonCodes.makeIterator()
                suback.reasonCodes = (0..<entry.count).map {
                    entry.denied.contains($0) ? .notAuthorized : (codes.next() ?? .unspecifiedError)
                }
            }
            return [.toDevice(.suback(suback))]
        default:
            return [.toDevice(packet)]
        }
    }
}
