import MQTTCodec

/// A small MQTT 3.1.1 client state machine for a microcontroller, on the shared codec, in the spirit of coreMQTT:
/// no I/O and no clock of its own. The application passes the time to every call, puts ``takeOutput()`` on its
/// transport, and feeds what the transport received to ``receive(_:now:)``.
///
/// CONNECT (persistent session by default), PUBLISH at QoS 0 and 1, SUBSCRIBE, PINGREQ, and reconnect: QoS 1
/// messages stay in flight until their PUBACK, across ``connectionLost()``, and go out again with DUP after the next
/// CONNACK, so nothing is lost. Topics are UTF-8 bytes throughout.
public struct MQTTDeviceClient {
    /// How the client connects.
    public struct Configuration {
        /// The client identifier.
        public var clientIdentifier: String
        /// Keep alive, in seconds (0 turns PINGREQ off).
        public var keepAlive: UInt16 = 30
        /// Whether the broker drops the session at connect (`false` keeps QoS 1 state across reconnects).
        public var cleanSession = false
        /// How long to wait for CONNACK, SUBACK and PINGRESP, in milliseconds.
        public var responseTimeout: UInt64 = 10_000
        /// The most QoS 1 messages awaiting PUBACK.
        public var maximumInFlight = 16
        /// The largest packet accepted from the broker, in bytes.
        public var maximumPacketSize = 4_096

        /// A configuration with defaults.
        public init(clientIdentifier: String) { self.clientIdentifier = clientIdentifier }
    }

    /// Where the connection stands.
    public enum State: Equatable, Sendable {
        /// No connection (initially, and after ``connectionLost()``).
        case disconnected
        /// CONNECT sent, CONNACK awaited.
        case connecting
        /// CONNACK accepted.
        case connected
    }

    /// What happened, for the application.
    public enum Event: Equatable, Sendable {
        /// CONNACK accepted; whether the broker had a session.
        case connected(sessionPresent: Bool)
        /// CONNACK refused, with its return code.
        case refused(returnCode: UInt8)
        /// A QoS 1 message was acknowledged.
        case published(packetIdentifier: UInt16)
        /// SUBACK: the granted QoS per filter (0x80 is a refusal).
        case subscribed(packetIdentifier: UInt16, granted: [UInt8])
        /// A message for one of the subscriptions (topic as UTF-8 bytes).
        case message(topic: [UInt8], payload: [UInt8], qos: UInt8)
        /// The connection must be dropped and made again: a malformed packet or a response that did not come.
        case failed(MQTTDeviceError)
    }

    private struct InFlight {
        var packetIdentifier: UInt16
        var topic: String
        var payload: [UInt8]
        var sent: Bool
    }

    /// The configuration in use.
    public let configuration: Configuration
    /// Where the connection stands.
    public private(set) var state = State.disconnected
    private var decoder: MQTTFrameDecoder
    private var output: [UInt8] = []
    private var inFlight: [InFlight] = []
    private var lastPacketIdentifier: UInt16 = 0
    private var lastSent: UInt64 = 0
    private var awaiting: (what: MQTTDeviceResponse, since: UInt64)?
    private var pendingSubscriptions: [UInt16] = []

    /// A disconnected client.
    public init(configuration: Configuration) {
        self.configuration = configuration
        decoder = MQTTFrameDecoder(version: .v3_1_1, maximumPacketSize: configuration.maximumPacketSize)
    }

    /// QoS 1 messages sent (or to be sent again) and not yet acknowledged.
    public var inFlightCount: Int { inFlight.count }

    /// The bytes to put on the transport now; empties the buffer.
    public mutating func takeOutput() -> [UInt8] {
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    /// Starts a connection on a fresh transport: CONNECT.
    public mutating func connect(now: UInt64) throws(MQTTDeviceError) {
        decoder.reset()
        output.removeAll()
        pendingSubscriptions.removeAll()
        let configuration = configuration
        try send(now: now) { (output) throws(MQTTEncodeError) in
            try MQTTEncoder.encode311Connect(
                clientIdentifier: configuration.clientIdentifier, cleanSession: configuration.cleanSession,
                keepAlive: configuration.keepAlive, into: &output)
        }
        state = .connecting
        awaiting = (.connack, now)
    }

    /// The transport broke: the client waits for the next ``connect(now:)``; QoS 1 messages stay in flight.
    @inline(never)
    public mutating func connectionLost() {
        state = .disconnected
        awaiting = nil
        output.removeAll()
        decoder.reset()
    }

    /// Publishes a message; QoS 1 returns its packet identifier and keeps it until PUBACK. While disconnected a QoS 1
    /// message is kept and sent after the next CONNACK.
    @discardableResult
    public mutating func publish(topic: String, payload: [UInt8], qos: MQTTQoS = .atMostOnce, now: UInt64)
        throws(MQTTDeviceError) -> UInt16?
    {
        guard qos != .exactlyOnce else { throw .qos2Unsupported }
        if qos == .atMostOnce {
            guard state == .connected else { throw .notConnected }
            try send(now: now) { (output) throws(MQTTEncodeError) in
                try MQTTEncoder.encode311Publish(
                    topic: topic, payload: payload, qos: .atMostOnce, packetIdentifier: nil, into: &output)
            }
            return nil
        }
        guard inFlight.count < configuration.maximumInFlight else { throw .inFlightFull(inFlight.count) }
        let identifier = nextPacketIdentifier()
        // Encoded now even while disconnected: a message that cannot be encoded (a wildcard in its topic, say) is
        // refused here, instead of waiting in flight and failing every reconnect.
        var packet: [UInt8] = []
        do {
            try MQTTEncoder.encode311Publish(
                topic: topic, payload: payload, qos: .atLeastOnce, packetIdentifier: identifier, into: &packet)
        } catch {
            throw .encoding
        }
        if state == .connected {
            output += packet
            lastSent = now
        }
        inFlight.append(
            InFlight(packetIdentifier: identifier, topic: topic, payload: payload, sent: state == .connected))
        return identifier
    }

    /// Subscribes to one filter at QoS 0 or 1 (QoS 2 throws ``MQTTDeviceError/qos2Unsupported``); returns the
    /// SUBSCRIBE's packet identifier.
    @discardableResult
    public mutating func subscribe(to filter: String, qos: MQTTQoS = .atLeastOnce, now: UInt64)
        throws(MQTTDeviceError) -> UInt16
    {
        guard qos != .exactlyOnce else { throw .qos2Unsupported }
        guard state == .connected else { throw .notConnected }
        let identifier = nextPacketIdentifier()
        try send(now: now) { (output) throws(MQTTEncodeError) in
            try MQTTEncoder.encode311Subscribe(
                packetIdentifier: identifier, topicFilter: filter, qos: qos, into: &output)
        }
        pendingSubscriptions.append(identifier)
        if awaiting == nil { awaiting = (.suback, now) }
        return identifier
    }

    /// Bytes from the transport: the events they carry, in order.
    public mutating func receive(_ bytes: [UInt8], now: UInt64) -> [Event] {
        decoder.append(bytes)
        var events: [Event] = []
        while true {
            let packet: MQTT311ClientPacket?
            do {
                packet = try decoder.nextFrom311QoS1Server()
            } catch {
                // A packet only a client sends is well formed, but never comes from a broker; nor does a QoS 2 PUBLISH,
                // PUBREC, PUBREL, PUBCOMP or UNSUBACK to this client, which asks for none of them, nor DISCONNECT
                // (MQTT 3.1.1 has the server send none).
                if case .unexpectedPacketType = error {
                    Self.emit(&events, .failed(.unexpected(nil)))
                } else {
                    Self.emit(&events, .failed(.malformed))
                }
                connectionLost()
                return events
            }
            guard let packet else { return events }
            handle(packet, now: now, &events)
            if state == .disconnected { return events }
        }
    }

    /// Time passed: PINGREQ when the link was quiet for the keep alive; a failure when an awaited response is late.
    public mutating func tick(now: UInt64) -> [Event] {
        guard state != .disconnected else { return [] }
        if let awaiting, now >= awaiting.since + configuration.responseTimeout {
            let what = awaiting.what
            connectionLost()
            return [.failed(.noResponse(what))]
        }
        let keepAlive = UInt64(configuration.keepAlive) * 1_000
        if state == .connected, keepAlive > 0, now >= lastSent + keepAlive {
            do {
                try send(now: now) { (output) throws(MQTTEncodeError) in MQTTEncoder.encode311Pingreq(into: &output) }
                if awaiting == nil { awaiting = (.pingresp, now) }
            } catch {
                return [.failed(error)]
            }
        }
        return []
    }

    private mutating func handle(_ packet: MQTT311ClientPacket, now: UInt64, _ events: inout [Event]) {
        switch packet {
        case .connack(let sessionPresent, let returnCode):
            guard state == .connecting else { return fail(.unexpected(.connack), &events) }
            awaiting = nil
            guard returnCode == .accepted else {
                Self.emit(&events, .refused(returnCode: returnCode.rawValue))
                connectionLost()
                return
            }
            state = .connected
            Self.emit(&events, .connected(sessionPresent: sessionPresent))
            // What waited for PUBACK goes out again (with DUP when it had gone out before).
            for index in inFlight.indices {
                let message = inFlight[index]
                do {
                    try send(now: now) { (output) throws(MQTTEncodeError) in
                        try MQTTEncoder.encode311Publish(
                            topic: message.topic, payload: message.payload, qos: .atLeastOnce, dup: message.sent,
                            packetIdentifier: message.packetIdentifier, into: &output)
                    }
                } catch {
                    return fail(error, &events)
                }
                inFlight[index].sent = true
            }
        case .puback(let identifier):
            if let index = inFlight.firstIndex(where: { $0.packetIdentifier == identifier }) {
                inFlight.remove(at: index)
                Self.emit(&events, .published(packetIdentifier: identifier))
            }
        case .suback(let identifier, let returnCodes):
            pendingSubscriptions.removeAll { $0 == identifier }
            if pendingSubscriptions.isEmpty, awaiting?.what == .suback { awaiting = nil }
            Self.emit(&events, .subscribed(packetIdentifier: identifier, granted: returnCodes))
        case .pingresp:
            if awaiting?.what == .pingresp { awaiting = nil }
        case .publish(let topic, let payload, let qos, _, _, let identifier):
            if qos == .atLeastOnce, let identifier {
                do {
                    try send(now: now) { (output) throws(MQTTEncodeError) in
                        try MQTTEncoder.encode311(puback: PublishAckPacket(packetIdentifier: identifier), into: &output)
                    }
                } catch {
                    return fail(error, &events)
                }
            }
            Self.emit(&events, .message(topic: topic, payload: payload, qos: qos.rawValue))
        }
    }

    /// Appends an event (out of line: one copy of the array's append, not one per event the client reports).
    @inline(never)
    private static func emit(_ events: inout [Event], _ event: Event) {
        events.append(event)
    }

    private mutating func fail(_ error: MQTTDeviceError, _ events: inout [Event]) {
        Self.emit(&events, .failed(error))
        connectionLost()
    }

    /// Appends a packet to the output with `encode` (one of the 3.1.1 encoder's entries: the client carries none of
    /// MQTT 5's encoding).
    private mutating func send(now: UInt64, _ encode: (inout [UInt8]) throws(MQTTEncodeError) -> Void)
        throws(MQTTDeviceError)
    {
        do {
            try encode(&output)
        } catch {
            throw .encoding
        }
        lastSent = now
    }

    private mutating func nextPacketIdentifier() -> UInt16 {
        repeat {
            lastPacketIdentifier = lastPacketIdentifier == UInt16.max ? 1 : lastPacketIdentifier + 1
        } while inFlight.contains(where: { $0.packetIdentifier == lastPacketIdentifier })
            || pendingSubscriptions.contains(lastPacketIdentifier)
        return lastPacketIdentifier
    }
}

/// Why the device client refused a call or dropped its connection.
public enum MQTTDeviceError: Error, Equatable, Sendable {
    /// The call needs a connection (CONNACK accepted).
    case notConnected
    /// As many QoS 1 messages as allowed await their PUBACK.
    case inFlightFull(Int)
    /// The packet cannot be encoded (a topic or identifier too long, a NUL in a string).
    case encoding
    /// The broker's bytes are not a well-formed MQTT 3.1.1 packet.
    case malformed
    /// The broker sent a packet the client did not expect (`nil`: a type this client never asks for).
    case unexpected(MQTTDeviceResponse?)
    /// A response did not come within the configured timeout.
    case noResponse(MQTTDeviceResponse)
    /// QoS 2 is not supported by this client.
    case qos2Unsupported

    /// One line for a console.
    public var message: String {
        switch self {
        case .notConnected: return "MQTT: not connected"
        case .inFlightFull(let count): return "MQTT: \(count) messages await PUBACK"
        case .encoding: return "MQTT: cannot encode the packet"
        case .malformed: return "MQTT: malformed packet from the broker"
        case .unexpected(let what): return "MQTT: unexpected \(what?.name ?? "packet") from the broker"
        case .noResponse(let what): return "MQTT: no \(what.name) in time"
        case .qos2Unsupported: return "MQTT: QoS 2 is not supported"
        }
    }
}

/// A response the device client waits for.
public enum MQTTDeviceResponse: Equatable, Sendable {
    case connack
    case suback
    case pingresp

    /// The packet's name.
    public var name: String {
        switch self {
        case .connack: return "CONNACK"
        case .suback: return "SUBACK"
        case .pingresp: return "PINGRESP"
        }
    }
}
