import Foundation
import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO
import UplinkTestSupport

/// A subscriber with a persistent session that counts what it receives, by payload (the message number). Its
/// transport is tapped, so a test can see what the broker sent on each connection.
final class MQTTCountingSubscriber: @unchecked Sendable {
    let client: MQTTClient
    let collector: MQTTCollector
    let tap: MQTTTapTransport

    init(port: Int, qos: MQTTQoS, filter: String) async throws {
        tap = MQTTTapTransport(try MQTTNIOTransport(host: "127.0.0.1", port: port))
        var configuration = MQTTTestClient.configuration(
            MQTTTestClient.id("counter"), version: .v5, cleanStart: false, sessionExpiry: 3600)
        configuration.subscriptionBufferSize = 4096
        client = try MQTTClient(configuration: configuration, transport: tap)
        collector = MQTTCollector(try await client.subscribe(to: filter, qos: qos))
        try await client.connect()
    }

    /// Message numbers received, with repetitions.
    var numbers: [Int] { collector.messages.compactMap { Int($0.payloadString) } }

    /// Waits until `total` distinct numbers arrived.
    func waitForAll(_ total: Int, seconds: Double = 60) async throws {
        try await mqttEventually("all \(total) messages", seconds: seconds) { Set(self.numbers).count >= total }
    }

    /// Waits until nothing new arrived for `quiet` seconds.
    func waitForQuiet(_ quiet: Double = 0.5) async throws {
        var last = -1
        var stableSince = Date()
        while Date().timeIntervalSince(stableSince) < quiet {
            let now = collector.count
            if now != last {
                last = now
                stableSince = Date()
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    /// Checks: every number 0..<total arrived; at QoS 2 exactly once.
    func check(total: Int, qos: MQTTQoS, sourceLocation: SourceLocation = #_sourceLocation) {
        let numbers = self.numbers
        let distinct = Set(numbers)
        let missing = (0..<total).filter { !distinct.contains($0) }
        #expect(missing.count == 0, "lost \(missing.count): \(missing.prefix(20))", sourceLocation: sourceLocation)
        if qos == .exactlyOnce {
            let duplicates = numbers.count - distinct.count
            #expect(duplicates == 0, "\(duplicates) QoS 2 duplicates delivered", sourceLocation: sourceLocation)
        }
    }
}

/// Decodes what one side of a tapped connection carried.
enum MQTTTapTrace {
    static func packets(_ bytes: [UInt8]) -> [MQTTPacket] {
        var decoder = MQTTFrameDecoder(version: .v5)
        decoder.append(bytes)
        var packets: [MQTTPacket] = []
        while let packet = try? decoder.next() { packets.append(packet) }
        return packets
    }

    /// Message numbers of the PUBLISHes `sent` carried whose acknowledgment (PUBACK, or PUBREC for QoS 2) is in
    /// `received`: what the broker had acknowledged.
    static func acknowledged(sent: [UInt8], received: [UInt8]) -> Set<Int> {
        var byIdentifier: [UInt16: Int] = [:]
        for case .publish(let publish) in packets(sent) {
            if let id = publish.packetIdentifier, let number = Int(String(decoding: publish.payload, as: UTF8.self)) {
                byIdentifier[id] = number
            }
        }
        var numbers = Set<Int>()
        for packet in packets(received) {
            switch packet {
            case .puback(let ack), .pubrec(let ack):
                if !ack.reasonCode.isFailure, let number = byIdentifier[ack.packetIdentifier] { numbers.insert(number) }
            default: break
            }
        }
        return numbers
    }

    /// QoS 2 messages the broker sent on `received` and had not released (no PUBREL) when that connection ended:
    /// the client holds their packet identifiers and must not deliver a resend of them again.
    static func unreleased(received: [UInt8]) -> [UInt16: Int] {
        var held: [UInt16: Int] = [:]
        for packet in packets(received) {
            switch packet {
            case .publish(let publish) where publish.qos == .exactlyOnce:
                if let id = publish.packetIdentifier, let number = Int(String(decoding: publish.payload, as: UTF8.self))
                {
                    held[id] = number
                }
            case .pubrel(let ack):
                held[ack.packetIdentifier] = nil
            default: break
            }
        }
        return held
    }
}

@Suite("fault tests: kill -9 in the middle of 10,000-message streams", .serialized)
struct FaultTests {
    static let total = 10_000

    /// mosquitto 2.0.11 cannot persist before it acknowledges: it writes its whole database at the end of a loop
    /// iteration (`autosave_on_changes true` + `autosave_interval 1`, the most eager setting it has), after the
    /// PUBACK/PUBREC/PUBCOMP of that iteration are on the wire, and there is no option to save synchronously. A
    /// kill -9 therefore rolls the broker back to a state older than what it acknowledged: it can forget a message
    /// it acknowledged (lost by the broker), and it can deliver again a QoS 2 message whose handshake with the
    /// subscriber had completed after the last save (replayed by the broker). Neither is the client's doing, and the
    /// test asserts exactly what the client controls:
    /// - every message is delivered, except ones the broker acknowledged before it was killed (seen on the wire);
    /// - at QoS 2 no message is delivered twice by one broker run, and a QoS 2 message whose PUBREL had not arrived
    ///   when the broker died (its packet id held by the subscriber) is delivered once, though the broker resends it;
    /// - the publisher's session completes: every accepted message ends its handshake after the restart.
    @Test(
        "kill -9 mosquitto (persistence on) mid-stream and restart it: nothing lost or duplicated by the client",
        arguments: [MQTTQoS.atLeastOnce, .exactlyOnce])
    func killBroker(qos: MQTTQoS) async throws {
        let broker = try await Mosquitto(persistence: true)
        let counter = try await MQTTCountingSubscriber(port: broker.port, qos: qos, filter: "fault/broker")
        let publisherTap = MQTTTapTransport(try MQTTNIOTransport(host: "127.0.0.1", port: broker.port))
        var configuration = MQTTTestClient.configuration(
            MQTTTestClient.id("pub"), version: .v5, cleanStart: false, sessionExpiry: 3600)
        configuration.queueOverflowPolicy = .wait
        configuration.maximumQueuedMessages = 1000
        let publisher = try MQTTClient(configuration: configuration, transport: publisherTap)
        try await publisher.connect()
        let feeding = Task {
            for index in 0..<FaultTests.total {
                try await publisher.enqueue(MQTTMessage(topic: "fault/broker", string: "\(index)", qos: qos))
            }
            try await publisher.flush()
        }
        try await mqttEventually("a third of the stream", seconds: 60) {
            counter.collector.count >= FaultTests.total / 3
        }
        await broker.kill9()
        // Everything the dead broker had written is read before it comes back.
        try await mqttEventually("both clients saw the broker go") {
            !counter.client.isConnected && !publisher.isConnected
        }
        try await counter.waitForQuiet(0.3)
        let beforeRestart = counter.numbers
        try await broker.launch()
        do {
            try await mqttWithTimeout(60, "the publisher finishes") { try await feeding.value }
            // What the broker lost cannot arrive: wait for the rest, then for quiet.
            try await mqttEventually("the stream settles", seconds: 60) {
                counter.collector.count >= beforeRestart.count && counter.client.isConnected
            }
            try await counter.waitForQuiet(1)
        } catch {
            Issue.record(
                "\(error); publisher pending \(publisher.pendingMessageCount), connected \(publisher.isConnected); subscriber connected \(counter.client.isConnected)\n\(broker.log.suffix(3000))"
            )
            throw error
        }
        #expect(publisher.pendingMessageCount == 0)

        let numbers = counter.numbers
        let afterRestart = Array(numbers[beforeRestart.count...])
        let missing = Set(0..<FaultTests.total).subtracting(numbers)
        let acknowledged = MQTTTapTrace.acknowledged(
            sent: publisherTap.sent(onConnection: 0), received: publisherTap.received(onConnection: 0))
        let notAcknowledged = missing.subtracting(acknowledged)
        #expect(
            notAcknowledged.isEmpty,
            "lost \(notAcknowledged.count) messages the broker never acknowledged: \(notAcknowledged.sorted().prefix(20))"
        )
        var replayed = 0
        if qos == .exactlyOnce {
            for (run, delivered) in [("before the kill", beforeRestart), ("after the restart", afterRestart)] {
                let twice = Dictionary(grouping: delivered, by: { $0 }).filter { $0.value.count > 1 }.keys
                #expect(twice.isEmpty, "delivered twice \(run): \(twice.sorted().prefix(20))")
            }
            // Held by the subscriber (PUBLISH received, no PUBREL) when the broker died, and sent again by the
            // restarted broker under the same packet identifier: the same message, delivered only once.
            let held = MQTTTapTrace.unreleased(received: counter.tap.received(onConnection: 0))
            var resent = Set<Int>()
            for connection in 1..<max(1, counter.tap.connectCount) {
                for case .publish(let publish) in MQTTTapTrace.packets(counter.tap.received(onConnection: connection)) {
                    if let id = publish.packetIdentifier, let number = held[id],
                        String(decoding: publish.payload, as: UTF8.self) == "\(number)"
                    {
                        resent.insert(number)
                    }
                }
            }
            let counts = Dictionary(grouping: numbers, by: { $0 }).mapValues(\.count)
            let heldTwice = resent.filter { (counts[$0] ?? 0) > 1 }
            #expect(
                heldTwice.isEmpty,
                "held QoS 2 messages the broker resent were delivered again: \(heldTwice.sorted().prefix(20))")
            replayed = numbers.count - counts.count
        }
        print(
            "kill -9 mosquitto after \(beforeRestart.count)/\(FaultTests.total) delivered, QoS \(qos.rawValue): received \(numbers.count); lost by the broker after acknowledging: \(missing.count); QoS 2 replayed by the broker: \(replayed)"
        )
        await publisher.disconnect()
        await counter.client.disconnect()
        await broker.stop()
    }

    @Test(
        "kill -9 `uplink mqtt pub --session DIR` mid-stream and start it again: nothing lost, no QoS 2 duplicate",
        arguments: [MQTTQoS.atLeastOnce, .exactlyOnce])
    func killClient(qos: MQTTQoS) async throws {
        let uplink = try MQTTTools.uplink()
        let broker = try await Mosquitto()
        let folder = try MQTTScratch("killclient")
        let counter = try await MQTTCountingSubscriber(port: broker.port, qos: qos, filter: "fault/client")
        try folder.write("input1", (0..<FaultTests.total).map(String.init).joined(separator: "\n") + "\n")
        let session = folder.path("session")
        let arguments = [
            "mqtt", "pub", "-h", "127.0.0.1", "-p", "\(broker.port)", "-t", "fault/client",
            "-q", "\(qos.rawValue)", "-l", "--session", session,
        ]
        let first = try MQTTChild.start(uplink, arguments, in: folder, name: "pub1", stdin: folder.path("input1"))
        try await mqttEventually("a third of the stream", seconds: 60) {
            counter.collector.count >= FaultTests.total / 3 || !first.isRunning
        }
        #expect(first.isRunning, "the publisher finished before it could be killed: \(folder.read("pub1.err"))")
        await MQTTChild.kill9(first)

        // What the killed process had durably accepted but not finished.
        let pending = try await MQTTFileSessionStore.open(directory: session).load()
        try await counter.waitForQuiet()
        let stored = pending.outbound.values.compactMap { Int($0.message.payloadString) }
        let highest = max(stored.max() ?? -1, counter.numbers.max() ?? -1)
        print(
            "kill -9 uplink at \(counter.collector.count) received; \(stored.count) in its store; resuming after \(highest)"
        )

        try folder.write("input2", ((highest + 1)..<FaultTests.total).map(String.init).joined(separator: "\n") + "\n")
        let second = try MQTTChild.start(uplink, arguments, in: folder, name: "pub2", stdin: folder.path("input2"))
        let finished = await MQTTChild.wait(second, seconds: 60)
        if !finished { await MQTTChild.kill9(second) }
        #expect(finished && second.exitStatus == 0, "second run failed: \(folder.read("pub2.err"))")
        try await counter.waitForAll(FaultTests.total)
        try await counter.waitForQuiet()
        counter.check(total: FaultTests.total, qos: qos)
        #expect(try await MQTTFileSessionStore.open(directory: session).load().outbound.isEmpty)
        await counter.client.disconnect()
        await broker.stop()
    }
}

/// Executables the tests run.
enum MQTTTools {
    /// The `uplink` of the same build as this test bundle (any --scratch-path), or `UPLINK_BIN`.
    static func uplink(filePath: String = #filePath) throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["UPLINK_BIN"], !explicit.isEmpty { return explicit }
        return try product("uplink", filePath: filePath)
    }

    /// `uplink-mqtt`, the MQTT commands' own executable, of the same build as this test bundle.
    static func uplinkMQTT(filePath: String = #filePath) throws -> String {
        try product("uplink-mqtt", filePath: filePath)
    }

    private static func product(_ name: String, filePath: String) throws -> String {
        let sibling = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(name).path
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates = [sibling, root.appendingPathComponent(".build/debug/\(name)").path]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        throw MQTTTestSetupError(description: "no \(name) executable at \(sibling): run `swift build` first")
    }
}
