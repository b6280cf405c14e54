import Foundation
import MQTTCodec
import NIOCore
import Testing
import UplinkMQTT
import UplinkMQTTNIO
import UplinkTestSupport

/// A client that is gentle with a broker that refuses it, and keeps the protocol's deadlines: backoff that a
/// broker dropping every connection cannot reset (AWS IoT Device Advisor's `MQTT_Connect_Exponential_Backoff_Retries`
/// and `MQTT_Reconnect_Backoff_Retries_On_Server_Disconnect`), PINGREQ by deadline, and `sub -C` finishing its QoS 2
/// handshakes before DISCONNECT. In-process fake brokers: no real broker drops every connection on purpose.
@Suite("gentle when refused: backoff, keep alive by deadline, QoS 2 handshakes finished", .serialized)
struct GentleClientTests {
    @Test("backoff state: grows on failed and short-lived connections, starts over only after a stable one")
    func backoffState() {
        let policy = MQTTReconnectPolicy(
            initialDelay: .milliseconds(100), maximumDelay: .seconds(60), stableAfter: .seconds(10))
        var backoff = MQTTReconnectBackoff(policy: policy)
        var generator = SystemRandomNumberGenerator()
        #expect(backoff.attempt == 0)
        for expected in 1...4 {
            backoff.connectionEnded(connectedFor: nil)  // refused, or no CONNACK
            let delay = backoff.nextDelay(using: &generator)
            #expect(delay <= policy.window(attempt: expected - 1))
            #expect(backoff.attempt == expected)
        }
        // Accepted, then dropped at once (AWS IoT at a denied SUBSCRIBE): not a reason to start over.
        backoff.connectionEnded(connectedFor: .milliseconds(30))
        _ = backoff.nextDelay(using: &generator)
        #expect(backoff.attempt == 5)
        backoff.connectionEnded(connectedFor: .seconds(9))
        _ = backoff.nextDelay(using: &generator)
        #expect(backoff.attempt == 6)
        // Up for the threshold: the next window is the first one again.
        backoff.connectionEnded(connectedFor: .seconds(10))
        #expect(backoff.attempt == 0)
        let draws = (0..<50).map { _ -> Duration in
            var fresh = MQTTReconnectBackoff(policy: policy)
            return fresh.nextDelay(using: &generator)
        }
        #expect(draws.allSatisfy { $0 <= .milliseconds(100) })
        #expect(Set(draws).count > 10, "full jitter")
    }

    /// Connects in `seconds` to a fake broker that runs `drop` on every connection and closes it.
    private func connectsInWindow(
        seconds: Double, subscribe: Bool,
        drop: @escaping @Sendable (inout MQTTFakePeer) async throws -> Void
    ) async throws -> Int {
        let broker = try await MQTTFakeBroker()
        let connects = MQTTLockedBox(0)
        let serving = Task {
            try await broker.serve(connections: 100_000) { _, peer in
                connects.value += 1
                try await drop(&peer)
            }
        }
        // The defaults a device would use: 100 ms first window, 60 s cap, full jitter.
        var configuration = MQTTClientConfiguration(clientIdentifier: MQTTTestClient.id("gentle"), version: .v5)
        configuration.connectTimeout = .seconds(3)
        let client = try MQTTClient(
            configuration: configuration, transport: try MQTTNIOTransport(host: "127.0.0.1", port: broker.port))
        if subscribe { _ = try await client.subscribe(to: "devices/d1/cmd", qos: .atLeastOnce) }
        _ = try? await mqttWithTimeout(5, "the first connect") { try await client.connect() }
        try await Task.sleep(for: .seconds(seconds))
        let count = connects.value
        await client.disconnect()
        serving.cancel()
        _ = try? await mqttWithTimeout(5, "the fake broker stops") { _ = await serving.result }
        return count
    }

    /// With the backoff reset at every CONNACK the client made a new connection every ~50 ms (383 connects in 20 s
    /// against AWS IoT; mosquitto_sub: 29). With full jitter from a 100 ms window doubling each time, 12 connects
    /// need the first 11 delays to sum below 4 s: the 9th to 11th alone are drawn from 0-25.6 s, 0-51.2 s and 0-60 s.
    @Test("a broker that closes every connection right after CONNACK: the delays grow (few connects in 4 s)")
    func dropAfterConnAck() async throws {
        let count = try await connectsInWindow(seconds: 4, subscribe: false) { peer in
            try await peer.accept()
        }
        #expect(count >= 2, "the client did reconnect")
        #expect(count <= 12, "\(count) connects in 4 s")
        print("a broker that drops after CONNACK: \(count) connects in 4 s")
    }

    @Test("a broker that closes the connection at the first SUBSCRIBE (a denied subscription): the delays grow")
    func dropAtSubscribe() async throws {
        let count = try await connectsInWindow(seconds: 4, subscribe: true) { peer in
            try await peer.accept()
            _ = try await peer.receive()  // SUBSCRIBE: closed without SUBACK
        }
        #expect(count >= 2, "the client did reconnect")
        #expect(count <= 12, "\(count) connects in 4 s")
    }

    /// The broker measures the time between the packets it receives. The client is idle except when the broker makes
    /// it answer (a QoS 1 PUBLISH it acknowledges) at irregular times, so the PINGREQ deadline moves.
    @Test(
        "keep alive 2 s: no gap between two packets from the client exceeds 2 s; PINGREQ not early either",
        arguments: [MQTTProtocolVersion.v5, .v3_1_1])
    func keepAliveByDeadline(version: MQTTProtocolVersion) async throws {
        let keepAlive = 2.0
        let broker = try await MQTTFakeBroker()
        let arrivals = MQTTLockedBox<[(Double, MQTTPacket)]>([])
        let serving = Task {
            try await broker.serve { peer in
                let start = ContinuousClock.now
                func stamp(_ packet: MQTTPacket) {
                    let elapsed = ContinuousClock.now - start
                    arrivals.value.append(
                        (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, packet))
                }
                guard let connect = try await peer.receive() else { return }
                stamp(connect)
                try await peer.send(.connack(ConnAckPacket()))
                // Pokes at irregular times; the reader below answers PINGREQ.
                let output = peer.output
                let version = peer.version
                let poker = Task {
                    for (index, pause) in [0.3, 0.9, 1.7, 0.2, 1.3].enumerated() {
                        try await Task.sleep(for: .milliseconds(Int(pause * 1000)))
                        let publish = MQTTPacket.publish(
                            PublishPacket(
                                topic: "poke", payload: [], qos: .atLeastOnce, packetIdentifier: UInt16(index + 1)))
                        try await output.write(ByteBuffer(bytes: try publish.encode(version: version)))
                    }
                }
                while let packet = try? await peer.receive() {
                    stamp(packet)
                    if case .pingreq = packet { try await peer.send(.pingresp) }
                    if case .disconnect = packet { break }
                }
                poker.cancel()
            }
        }
        try await mqttWithTimeout(30, "the keep-alive exchange") {
            var configuration = MQTTTestClient.configuration(MQTTTestClient.id("ka"), version: version)
            configuration.keepAlive = UInt16(keepAlive)
            configuration.reconnect = .disabled
            let client = try MQTTClient(
                configuration: configuration, transport: try MQTTNIOTransport(host: "127.0.0.1", port: broker.port))
            try await client.connect()
            try await Task.sleep(for: .seconds(9))
            #expect(client.isConnected)
            await client.disconnect()
            try await serving.value
        }
        let seen = arrivals.value
        let times = seen.map(\.0)
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        let pings = seen.indices.dropFirst().filter {
            if case .pingreq = seen[$0].1 { return true } else { return false }
        }
        #expect(pings.count >= 2, "\(seen.map { "\($0.0) \($0.1.packetType)" })")
        let largest = gaps.max() ?? 0
        #expect(largest <= keepAlive, "a gap of \(largest) s with keep alive \(keepAlive) s")
        for index in pings {
            let gap = seen[index].0 - seen[index - 1].0
            #expect(gap >= keepAlive / 2, "PINGREQ only \(gap) s after the packet before it")
        }
    }

    /// `sub -C N` at QoS 2 printed N messages it acknowledged with PUBREC; the broker's PUBREL comes later (here
    /// 300 ms later). DISCONNECT must wait for the PUBCOMPs, or the broker keeps those messages unfinished.
    @Test("sub -C 3 -q 2: PUBCOMP for every printed message before DISCONNECT", arguments: ["5", "311"])
    func countFinishesQoS2(version: String) async throws {
        let uplink = try MQTTTools.uplink()
        let folder = try MQTTScratch("gentle")
        let broker = try await MQTTFakeBroker()
        let seen = MQTTLockedBox<[MQTTPacket]>([])
        let serving = Task {
            try await broker.serve { peer in
                try await peer.accept()
                guard case .subscribe(let subscribe)? = try await peer.receive() else { return }
                try await peer.send(
                    .suback(SubAckPacket(packetIdentifier: subscribe.packetIdentifier, reasonCodes: [.grantedQoS2])))
                for id in 1...3 {
                    try await peer.send(
                        .publish(
                            PublishPacket(
                                topic: "t", payload: Array("m\(id)".utf8), qos: .exactlyOnce,
                                packetIdentifier: UInt16(id))))
                }
                var packets: [MQTTPacket] = []
                var released = false
                while let packet = try? await peer.receive() {
                    packets.append(packet)
                    if case .disconnect = packet { break }
                    let recs = packets.filter { if case .pubrec = $0 { return true } else { return false } }.count
                    if recs == 3 && !released {
                        released = true
                        try await Task.sleep(for: .milliseconds(300))
                        for id in 1...3 {
                            try? await peer.send(.pubrel(PublishAckPacket(packetIdentifier: UInt16(id))))
                        }
                    }
                }
                seen.value = packets
            }
        }
        let run = try await MQTTChild.run(
            uplink,
            ["mqtt", "sub", "-h", "127.0.0.1", "-p", "\(broker.port)", "-V", version, "-t", "t", "-q", "2", "-C", "3"],
            in: folder, name: "sub", timeout: 20)
        try await mqttWithTimeout(10, "the fake broker") { try await serving.value }
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out == "m1\nm2\nm3\n")
        let packets = seen.value
        let comps = packets.filter { if case .pubcomp = $0 { return true } else { return false } }.count
        #expect(comps == 3, "\(packets)")
        #expect(
            packets.last.map { if case .disconnect = $0 { return true } else { return false } } == true,
            "DISCONNECT last: \(packets)")
    }

    /// Regression: disconnect() closed the socket right after writing DISCONNECT; what the broker still sent (an
    /// UNSUBACK, retained messages) was answered with a TCP reset, and the reset made mosquitto discard our PUBACK and
    /// DISCONNECT unread: the message came again on the next connection (one `sub -C 1 -U` in five, busy machine).
    @Test("disconnect() right after a QoS 1 message, the broker still sending: it got the PUBACK (20 runs)")
    func disconnectDoesNotReset() async throws {
        let broker = try await Mosquitto()
        let publisher = try MQTTTestClient.make(MQTTTestClient.id("pub"), port: broker.port, version: .v5)
        try await publisher.connect()
        // Retained messages, so that the broker is still writing to the client when it disconnects.
        for index in 0..<200 {
            try await publisher.enqueue(
                MQTTMessage(
                    topic: "retained/\(index)", payload: [UInt8](repeating: 0x61, count: 100), qos: .atLeastOnce,
                    retain: true))
        }
        try await publisher.flush()
        var redelivered: [Int] = []
        for run in 0..<20 {
            let id = MQTTTestClient.id("reset")
            let topic = "reset/\(run)"
            func session() throws -> MQTTClient {
                try MQTTTestClient.make(id, port: broker.port, version: .v3_1_1, cleanStart: false) {
                    $0.reconnect = .disabled
                }
            }
            let first = try session()
            try await first.connect()
            _ = try await first.subscribe(to: topic, qos: .atLeastOnce)
            await first.disconnect()
            try await publisher.publish(MQTTMessage(topic: topic, string: "queued", qos: .atLeastOnce))

            let second = try session()
            let stream = try await second.subscribe(to: topic, qos: .atLeastOnce)
            // Their SUBACK, retained messages and UNSUBACK come as we disconnect.
            _ = try await second.subscribe(to: "retained/#", qos: .atMostOnce)
            try await second.unsubscribe(from: ["reset/none"])
            try await second.connect()
            let message = try await mqttWithTimeout(10, "the queued message") { () -> MQTTMessage? in
                var iterator = stream.makeAsyncIterator()
                return try await iterator.next()
            }
            #expect(message?.payloadString == "queued")
            await second.disconnect()

            let third = try session()
            let again = MQTTCollector(try await third.subscribe(to: topic, qos: .atLeastOnce))
            try await third.connect()
            try await Task.sleep(for: .milliseconds(200))
            if again.count > 0 { redelivered.append(run) }
            await third.disconnect()
        }
        #expect(redelivered.isEmpty, "delivered again after disconnect() in runs \(redelivered)")
        await publisher.disconnect()
        await broker.stop()
    }
}
