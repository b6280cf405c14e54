import Foundation
import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO
import UplinkTestSupport

/// The RabbitMQ broker of the running suite, set by the ``RabbitMQScope`` trait.
enum RabbitMQ {
    @TaskLocal static var current: RabbitMQBroker?

    static func broker() throws -> RabbitMQBroker {
        guard let current else {
            throw MQTTTestSetupError(description: "no RabbitMQ broker: the suite needs the .rabbitMQ trait")
        }
        return current
    }

    /// A topic prefix of its own for each test: the suite shares one broker (and its retained messages).
    static func prefix(_ name: String) -> String { "\(name)-\(UInt32.random(in: 0...UInt32.max))" }
}

/// Starts one RabbitMQ for the whole suite (it takes about 14 s), and stops it (and its epmd) after the last test.
struct RabbitMQScope: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let broker = try await RabbitMQBroker.start()
        do {
            try await RabbitMQ.$current.withValue(broker) { try await function() }
        } catch {
            await broker.stop()
            throw error
        }
        await broker.stop()
    }
}

extension Trait where Self == RabbitMQScope {
    /// One RabbitMQ broker for the suite: ``RabbitMQ/broker()``.
    static var rabbitMQ: Self { Self() }
}

/// Our client against RabbitMQ 3.10's MQTT plugin (Debian `rabbitmq-server`), the other broker device fleets meet.
/// It speaks MQTT 3.1.1 only, with QoS 0 and 1; what it lacks is asserted as what it does instead: a QoS 2
/// subscription is granted QoS 1, a QoS 2 PUBLISH is answered with PUBACK (the publish fails with QoS Not
/// Supported), an MQTT 5 CONNECT is dropped without CONNACK.
@Suite("RabbitMQ: our client against its MQTT plugin, MQTT 3.1.1", .serialized, .rabbitMQ)
struct RabbitMQTests {
    static let version = MQTTProtocolVersion.v3_1_1

    static func client(_ name: String, cleanStart: Bool = true, id: String? = nil) throws -> MQTTClient {
        try MQTTTestClient.make(
            id ?? MQTTTestClient.id(name), port: try RabbitMQ.broker().port, version: version, cleanStart: cleanStart)
    }

    @Test("QoS 0 and 1 both ways: granted as asked, delivered at the lower of the two, a QoS 1 burst complete")
    func qos0And1() async throws {
        let topic = RabbitMQ.prefix("qos")
        let subscriber = try Self.client("sub")
        let publisher = try Self.client("pub")
        try await subscriber.connect()
        try await publisher.connect()
        let high = try await subscriber.subscribe(to: [
            MQTTSubscription(topicFilter: "\(topic)/high/#", qos: .atLeastOnce)
        ])
        #expect(high.reasonCodes == [.grantedQoS1])
        let low = try await subscriber.subscribe(to: [MQTTSubscription(topicFilter: "\(topic)/low/#", qos: .atMostOnce)]
        )
        #expect(low.reasonCodes == [.grantedQoS0])
        let highMessages = MQTTCollector(high)
        let lowMessages = MQTTCollector(low)
        for qos in [MQTTQoS.atMostOnce, .atLeastOnce] {
            for level in ["high", "low"] {
                let code = try await publisher.publish(
                    MQTTMessage(topic: "\(topic)/\(level)/\(qos.rawValue)", string: "m\(qos.rawValue)", qos: qos))
                #expect(code.isSuccess)
            }
        }
        try await highMessages.waitFor(2)
        try await lowMessages.waitFor(2)
        let high2 = highMessages.messages.sorted { $0.topic < $1.topic }
        #expect(high2.map(\.topic) == ["\(topic)/high/0", "\(topic)/high/1"])
        #expect(high2.map(\.qos) == [.atMostOnce, .atLeastOnce])
        #expect(high2.map(\.payloadString) == ["m0", "m1"])
        // A QoS 0 subscription downgrades QoS 1 messages.
        #expect(lowMessages.messages.map(\.qos) == [.atMostOnce, .atMostOnce])

        // 500 QoS 1 messages, pipelined (20 in flight, the 3.1.1 default): all arrive, in order.
        let before = highMessages.count
        for index in 0..<500 {
            try await publisher.enqueue(
                MQTTMessage(topic: "\(topic)/high/burst", string: "\(index)", qos: .atLeastOnce))
        }
        try await publisher.flush()
        try await highMessages.waitFor(before + 500, seconds: 30)
        let burst = highMessages.messages[before...].filter { $0.topic == "\(topic)/high/burst" }
        #expect(burst.map(\.payloadString) == (0..<500).map(String.init))
        #expect(burst.allSatisfy { $0.qos == .atLeastOnce })
        await publisher.disconnect()
        await subscriber.disconnect()
        try await mqttEventually("streams end after disconnect") { highMessages.isFinished && lowMessages.isFinished }
        #expect(highMessages.error == nil)
    }

    /// RabbitMQ 3.10's MQTT plugin has no QoS 2 ("QoS 2 is not supported": subscriptions are downgraded to QoS 1, a
    /// QoS 2 PUBLISH is treated as QoS 1). The client fails such a publish with QoS Not Supported, once, and keeps the
    /// connection.
    @Test("QoS 2: the subscription is granted QoS 1; a QoS 2 publish fails with QoS Not Supported, delivered once at 1")
    func qos2() async throws {
        let topic = RabbitMQ.prefix("qos2")
        let subscriber = try Self.client("sub")
        try await subscriber.connect()
        let stream = try await subscriber.subscribe(to: [MQTTSubscription(topicFilter: "\(topic)/#", qos: .exactlyOnce)]
        )
        #expect(stream.reasonCodes == [.grantedQoS1])
        let collector = MQTTCollector(stream)

        let tap = MQTTTapTransport(try MQTTNIOTransport(host: "127.0.0.1", port: try RabbitMQ.broker().port))
        let publisher = try MQTTClient(
            configuration: MQTTTestClient.configuration(MQTTTestClient.id("pub"), version: Self.version), transport: tap
        )
        try await publisher.connect()
        let error = await #expect(throws: MQTTClientError.self) {
            try await publisher.publish(MQTTMessage(topic: "\(topic)/two", string: "exactly once?", qos: .exactlyOnce))
        }
        if case .publishRejected(let code, _) = error {
            #expect(code == .qosNotSupported)
        } else {
            Issue.record("expected publishRejected(qosNotSupported), got \(String(describing: error))")
        }
        // The connection is kept and works; the QoS 1 message after it is a marker: the broker keeps the order of one
        // publisher's messages to one subscription, so once it arrives any copy of the QoS 2 message would have too.
        #expect(publisher.isConnected)
        try await publisher.publish(MQTTMessage(topic: "\(topic)/one", string: "marker", qos: .atLeastOnce))
        try await collector.waitFor(2)
        #expect(collector.messages.map(\.topic) == ["\(topic)/two", "\(topic)/one"])
        #expect(collector.messages.map(\.qos) == [.atLeastOnce, .atLeastOnce])
        #expect(tap.connectCount == 1, "the publisher reconnected")
        var decoder = MQTTFrameDecoder(version: Self.version)
        decoder.append(tap.sent)
        var publishes = 0
        while let packet = try decoder.next() {
            if case .publish(let publish) = packet, publish.topic == "\(topic)/two" { publishes += 1 }
        }
        #expect(publishes == 1, "the QoS 2 PUBLISH was sent \(publishes) times")
        await publisher.disconnect()
        await subscriber.disconnect()
    }

    @Test("retained messages reach later subscribers of the topic (not of a wildcard filter); an empty one clears")
    func retained() async throws {
        let topic = RabbitMQ.prefix("state")
        let publisher = try Self.client("pub")
        try await publisher.connect()
        try await publisher.publish(MQTTMessage(topic: "\(topic)/lamp", string: "on", qos: .atLeastOnce, retain: true))

        let late = try Self.client("late")
        try await late.connect()
        let collector = MQTTCollector(try await late.subscribe(to: "\(topic)/lamp", qos: .atLeastOnce))
        try await collector.waitFor(1)
        #expect(collector.messages.first?.retain == true)
        #expect(collector.messages.first?.payloadString == "on")
        // A message published to a live subscriber is not flagged retained.
        try await publisher.publish(MQTTMessage(topic: "\(topic)/lamp", string: "off", qos: .atLeastOnce, retain: true))
        try await collector.waitFor(2)
        #expect(collector.messages.map(\.retain) == [true, false])
        #expect(collector.messages.map(\.payloadString) == ["on", "off"])

        // A documented limit of RabbitMQ's retained store: no retained message for a filter with a wildcard. The fresh
        // message after the subscription is the marker: once it arrived, a retained one would have come first.
        let wild = try Self.client("wild")
        try await wild.connect()
        let wildcard = MQTTCollector(try await wild.subscribe(to: "\(topic)/+", qos: .atLeastOnce))
        try await publisher.publish(MQTTMessage(topic: "\(topic)/marker", string: "fresh", qos: .atLeastOnce))
        try await wildcard.waitFor(1)
        #expect(wildcard.messages.map(\.payloadString) == ["fresh"], "a wildcard subscription got a retained message")
        await wild.disconnect()

        try await publisher.publish(MQTTMessage(topic: "\(topic)/lamp", payload: [], qos: .atLeastOnce, retain: true))
        let later = try Self.client("later")
        try await later.connect()
        let none = MQTTCollector(try await later.subscribe(to: "\(topic)/lamp", qos: .atLeastOnce))
        try await publisher.publish(MQTTMessage(topic: "\(topic)/lamp", string: "fresh", qos: .atLeastOnce))
        try await none.waitFor(1)
        #expect(none.messages.map(\.payloadString) == ["fresh"])
        #expect(none.messages.map(\.retain) == [false])
        await publisher.disconnect()
        await late.disconnect()
        await later.disconnect()
    }

    @Test("the will is published (and retained) when the connection drops without DISCONNECT, not after one")
    func will() async throws {
        let topic = RabbitMQ.prefix("wills")
        let port = try RabbitMQ.broker().port
        let watcher = try Self.client("watch")
        try await watcher.connect()
        let collector = MQTTCollector(try await watcher.subscribe(to: "\(topic)/#", qos: .atLeastOnce))

        // Graceful: no will.
        var polite = MQTTTestClient.configuration(MQTTTestClient.id("polite"), version: Self.version)
        polite.will = ConnectPacket.Will(topic: "\(topic)/polite", payload: Array("gone".utf8), qos: .atLeastOnce)
        let politeClient = try MQTTClient(
            configuration: polite, transport: try MQTTNIOTransport(host: "127.0.0.1", port: port))
        try await politeClient.connect()
        await politeClient.disconnect()

        // Abrupt (the socket closed, no DISCONNECT, as a crash or a lost network): the will.
        var device = MQTTTestClient.configuration(MQTTTestClient.id("device"), version: Self.version)
        device.will = ConnectPacket.Will(
            topic: "\(topic)/device", payload: Array("offline".utf8), qos: .atLeastOnce, retain: true)
        device.reconnect = .disabled
        let tap = MQTTTapTransport(try MQTTNIOTransport(host: "127.0.0.1", port: port))
        let deviceClient = try MQTTClient(configuration: device, transport: tap)
        try await deviceClient.connect()
        await tap.sever()
        try await collector.waitFor(1)
        // A will of the polite client (it left first) would have come before the device's; the marker, published
        // after, closes the list: nothing else came on these topics.
        try await watcher.publish(MQTTMessage(topic: "\(topic)/marker", string: "end", qos: .atLeastOnce))
        try await collector.waitFor(2)
        #expect(collector.messages.map(\.topic) == ["\(topic)/device", "\(topic)/marker"])
        #expect(collector.messages.first?.payloadString == "offline")
        #expect(collector.messages.first?.qos == .atLeastOnce)

        // The will was retained: a later subscriber of its topic gets it.
        let late = MQTTCollector(try await watcher.subscribe(to: "\(topic)/device", qos: .atLeastOnce))
        try await late.waitFor(1)
        #expect(late.messages.first?.retain == true)
        #expect(late.messages.first?.payloadString == "offline")
        try await watcher.publish(MQTTMessage(topic: "\(topic)/device", payload: [], qos: .atLeastOnce, retain: true))
        await deviceClient.disconnect()
        await watcher.disconnect()
    }

    /// RabbitMQ keeps a 3.1.1 session (clean session 0) in a durable queue: QoS 1 messages published while the
    /// client is away are delivered when it comes back.
    @Test("a persistent session resumes: QoS 1 messages sent while offline arrive after reconnect, in order")
    func sessionResume() async throws {
        let topic = RabbitMQ.prefix("resume")
        let id = MQTTTestClient.id("persistent")
        let first = try Self.client("persistent", cleanStart: false, id: id)
        let result = try await first.connect()
        #expect(result.sessionPresent == false)
        let stream = try await first.subscribe(to: [MQTTSubscription(topicFilter: "\(topic)/#", qos: .atLeastOnce)])
        #expect(stream.reasonCodes == [.grantedQoS1])
        await first.disconnect()

        let publisher = try Self.client("pub")
        try await publisher.connect()
        for index in 0..<20 {
            try await publisher.publish(MQTTMessage(topic: "\(topic)/a", string: "a\(index)", qos: .atLeastOnce))
        }

        let second = try Self.client("persistent", cleanStart: false, id: id)
        // Registered before connecting, so the stored messages the broker sends right after CONNACK are routed.
        let collector = MQTTCollector(try await second.subscribe(to: "\(topic)/#", qos: .atLeastOnce))
        let resumed = try await second.connect()
        #expect(resumed.sessionPresent == true)
        try await collector.waitFor(20)
        #expect(collector.messages.map(\.payloadString) == (0..<20).map { "a\($0)" })
        #expect(collector.messages.allSatisfy { $0.qos == .atLeastOnce })
        await second.disconnect()

        // A clean session afterwards: the broker reports none and drops the stored one (its queue).
        let clean = try Self.client("persistent", cleanStart: true, id: id)
        #expect(try await clean.connect().sessionPresent == false)
        await clean.disconnect()
        await publisher.disconnect()
    }

    @Test("large payloads round trip intact at QoS 0 and 1", arguments: [256 * 1024, 1024 * 1024])
    func largePayloads(size: Int) async throws {
        let topic = RabbitMQ.prefix("large")
        // The client takes packets of at most 1 MiB by default (`maximumPacketSize`; MQTT 3.1.1 cannot tell the
        // broker): a subscriber of 1 MiB payloads raises it.
        let subscriber = try MQTTTestClient.make(
            MQTTTestClient.id("sub"), port: try RabbitMQ.broker().port, version: Self.version
        ) { $0.maximumPacketSize = 2 << 20 }
        let publisher = try Self.client("pub")
        try await subscriber.connect()
        try await publisher.connect()
        let collector = MQTTCollector(try await subscriber.subscribe(to: "\(topic)/#", qos: .atLeastOnce))
        var generator = SystemRandomNumberGenerator()
        let payloads = (0..<2).map { _ in (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        try await publisher.publish(MQTTMessage(topic: "\(topic)/0", payload: payloads[0], qos: .atMostOnce))
        try await publisher.publish(MQTTMessage(topic: "\(topic)/1", payload: payloads[1], qos: .atLeastOnce))
        try await collector.waitFor(2, seconds: 30)
        let received = collector.messages.sorted { $0.topic < $1.topic }
        #expect(received.map(\.payload.count) == [size, size])
        #expect(received.map(\.payload) == payloads, "payload corrupted")
        await publisher.disconnect()
        await subscriber.disconnect()
    }

    @Test("unsubscribe: after UNSUBACK nothing more arrives on that filter; the other subscription still delivers")
    func unsubscribe() async throws {
        let topic = RabbitMQ.prefix("u")
        let client = try Self.client("c")
        try await client.connect()
        let stream = try await client.subscribe(to: "\(topic)/1", qos: .atLeastOnce)
        let other = MQTTCollector(try await client.subscribe(to: "\(topic)/2", qos: .atLeastOnce))
        let collector = MQTTCollector(stream)
        try await client.publish(MQTTMessage(topic: "\(topic)/1", string: "one", qos: .atLeastOnce))
        try await collector.waitFor(1)
        try await client.unsubscribe(stream)
        try await mqttEventually("stream finished") { collector.isFinished }
        // Both filters at QoS 1 share the client's one queue, in order: once "three" arrives, "two" would have.
        try await client.publish(MQTTMessage(topic: "\(topic)/1", string: "two", qos: .atLeastOnce))
        try await client.publish(MQTTMessage(topic: "\(topic)/2", string: "three", qos: .atLeastOnce))
        try await other.waitFor(1)
        #expect(collector.messages.map(\.payloadString) == ["one"])
        #expect(other.messages.map(\.payloadString) == ["three"])

        // By filter (as `sub -U` does), from a second client watching: its subscription goes, the rest stays.
        let second = try Self.client("c2")
        try await second.connect()
        let watched = MQTTCollector(
            try await second.subscribe(to: [
                MQTTSubscription(topicFilter: "\(topic)/3", qos: .atLeastOnce),
                MQTTSubscription(topicFilter: "\(topic)/4", qos: .atLeastOnce),
            ]))
        #expect(try await second.unsubscribe(from: ["\(topic)/3"]).isEmpty)  // 3.1.1: UNSUBACK has no codes
        try await client.publish(MQTTMessage(topic: "\(topic)/3", string: "gone", qos: .atLeastOnce))
        try await client.publish(MQTTMessage(topic: "\(topic)/4", string: "kept", qos: .atLeastOnce))
        try await watched.waitFor(1)
        #expect(watched.messages.map(\.payloadString) == ["kept"])
        await second.disconnect()
        await client.disconnect()
    }

    /// RabbitMQ 3.10 cannot parse an MQTT 5 CONNECT (its properties) and closes the connection without CONNACK.
    @Test("MQTT 5 is refused: connect fails at once with a clear error, no hang; 3.1.1 still connects")
    func mqtt5Refused() async throws {
        let port = try RabbitMQ.broker().port
        var configuration = MQTTTestClient.configuration(MQTTTestClient.id("v5"), version: .v5)
        configuration.reconnect = .disabled
        let client = try MQTTClient(
            configuration: configuration, transport: try MQTTNIOTransport(host: "127.0.0.1", port: port))
        let error = await #expect(throws: MQTTClientError.self) {
            try await mqttWithTimeout(20, "connect with MQTT 5") { try await client.connect() }
        }
        // Not the CONNACK timeout (connectTimeout 5 s): the broker closed the connection, and the client says so.
        #expect(error == .connectionClosed(nil, reasonString: nil), "\(String(describing: error))")
        #expect(!client.isConnected)
        await client.disconnect()

        // The CLI speaks MQTT 5 unless told otherwise: it exits 1 with one line, promptly, not a hang.
        let folder = try MQTTScratch("rabbitmq-v5")
        let run = try await MQTTChild.run(
            try MQTTTools.uplink(), ["mqtt", "pub", "-h", "127.0.0.1", "-p", "\(port)", "-t", "t", "-m", "x"],
            in: folder, name: "v5", timeout: 30)
        #expect(run.status == 1, "\(run.err)")
        #expect(run.err == "uplink mqtt: connection closed\n")

        let classic = try Self.client("v311")
        try await classic.connect()
        #expect(classic.isConnected)
        await classic.disconnect()
    }

    /// `uplink mqtt sub` and `pub`, MQTT 3.1.1, QoS 1: 1,000 lines from standard input, every one printed once.
    @Test("uplink mqtt pub -l | sub -C at QoS 1: 1,000 messages, all printed, in order")
    func cli() async throws {
        let uplink = try MQTTTools.uplink()
        let folder = try MQTTScratch("rabbitmq-cli")
        let port = try RabbitMQ.broker().port
        let topic = RabbitMQ.prefix("cli")
        let total = 1_000
        let host = ["-h", "127.0.0.1", "-p", "\(port)", "-V", "311", "-q", "1"]
        // A retained marker tells when the subscriber is subscribed: it prints it first.
        let setter = try Self.client("marker")
        try await setter.connect()
        try await setter.publish(MQTTMessage(topic: "\(topic)/ready", string: "ready", qos: .atLeastOnce, retain: true))
        // (On its own topic: RabbitMQ sends no retained message to a wildcard filter.)
        let sub = try MQTTChild.start(
            uplink, ["mqtt", "sub"] + host + ["-t", "\(topic)/ready", "-t", "\(topic)/lines", "-C", "\(total + 1)"],
            in: folder, name: "sub")
        defer { sub.forceKill() }
        try await mqttEventually("the subscriber printed the retained marker", seconds: 20) {
            folder.read("sub.out").hasPrefix("ready\n")
        }
        try folder.write("input", (0..<total).map(String.init).joined(separator: "\n") + "\n")
        let pub = try await MQTTChild.run(
            uplink, ["mqtt", "pub"] + host + ["-t", "\(topic)/lines", "-l"], in: folder, name: "pub", timeout: 60,
            stdin: folder.path("input"))
        #expect(pub.status == 0, "\(pub.err)")
        let exited = await MQTTChild.wait(sub, seconds: 30)
        #expect(exited, "sub did not exit after \(total + 1) messages")
        if !exited { sub.forceKill() }
        #expect(sub.exitStatus == 0, "\(folder.read("sub.err"))")
        let lines = folder.read("sub.out").split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == total + 1)
        #expect(Array(lines.dropFirst()) == (0..<total).map { Substring(String($0)) })
        try await setter.publish(MQTTMessage(topic: "\(topic)/ready", payload: [], qos: .atLeastOnce, retain: true))
        await setter.disconnect()
    }
}
