import Foundation
import Testing
import UplinkTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A million QoS 1 messages from `uplink-mqtt pub -l` through mosquitto to an `uplink-mqtt sub` whose standard
/// output is read slowly, in bursts with pauses: every message arrives, in order, and neither process's peak
/// memory grows past a fixed bound, whatever the backlog. `uplink-mqtt sub` runs its client on one event loop and
/// writes its output (at most 16 KiB buffered) with blocking writes: while the pipe is full it reads nothing from
/// the broker (measured: with the subscription stream's own bounds removed the peak stays the same, so this test
/// guards the tool, and StreamByteLimitTests the stream's bounds). The backlog waits in mosquitto, which is told to
/// queue without limit (`max_queued_messages 0`: a stock broker drops QoS 1 messages past 1,000 queued, which is
/// not what this test is about).
@Suite("soak: 1,000,000 QoS 1 messages to a slow subscriber, memory bounded", .serialized, .timeLimit(.minutes(15)))
struct SoakTests {
    /// The bound on each process's peak resident set (VmHWM), documented in docs/mqtt.md. A debug build's
    /// executable and its shared libraries take about 20 MiB of it; the rest is the tool's buffers (output, the
    /// in-flight window, the publisher's line reader).
    static let peakBound = 48 * 1024 * 1024
    static let count = 1_000_000

    @Test("1,000,000 QoS 1 messages, every one delivered in order; peak RSS of publisher and subscriber bounded")
    func millionMessagesToASlowSubscriber() async throws {
        let uplink = try MQTTTools.uplinkMQTT()
        let folder = try MQTTScratch("soak")
        let broker = try await Mosquitto(config: ["max_queued_messages 0", "log_type subscribe"])
        defer { Task { await broker.stop() } }
        let lines = folder.path("lines.txt")
        var text = ""
        text.reserveCapacity(Self.count * 64)
        // 64-byte lines: the number, then padding, so a backlog held in the subscriber would show in its memory.
        let padding = " " + String(repeating: "x", count: 50)
        for index in 0..<Self.count { text += Self.line(index, padding) + "\n" }
        try text.write(toFile: lines, atomically: true, encoding: .utf8)

        // The subscriber writes into a pipe that this test reads slowly.
        var pipeEnds: [Int32] = [0, 0]
        try #require(pipe(&pipeEnds) == 0)
        let readEnd = pipeEnds[0]
        defer { close(readEnd) }
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        let topic = "soak/\(UUID().uuidString)"
        let subscriber = try ChildProcess(
            path: uplink,
            arguments: [
                "sub", "-h", "127.0.0.1", "-p", "\(broker.port)", "-q", "1", "-t", topic, "-C", "\(Self.count)",
            ],
            standardOutput: .descriptor(pipeEnds[1]), standardError: .file(folder.path("sub.err")))
        close(pipeEnds[1])
        defer { subscriber.forceKill() }
        try await waitForSubscription(broker: broker, topic: topic)

        let publisher = try ChildProcess(
            path: uplink,
            arguments: ["pub", "-h", "127.0.0.1", "-p", "\(broker.port)", "-q", "1", "-t", topic, "-l"],
            standardInput: lines, standardOutput: .discard, standardError: .file(folder.path("pub.err")))
        defer { publisher.forceKill() }

        var received: [UInt8] = []
        var next = 0
        var outOfOrder: String?
        var peaks = (publisher: 0, subscriber: 0)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var readSinceBreak = 0
        let deadline = ContinuousClock.now + .seconds(600)
        while next < Self.count && ContinuousClock.now < deadline {
            peaks.publisher = max(peaks.publisher, publisher.memory()?.peak ?? 0)
            peaks.subscriber = max(peaks.subscriber, subscriber.memory()?.peak ?? 0)
            // Slow: at most 256 KiB between pauses of 20 ms, a 10 s stop at 100,000 messages (the publisher sends
            // some 200,000 more meanwhile: about 30 MiB that a tool without bounds would hold), and a 1 s stop
            // every 100,000 messages.
            let count = read(readEnd, &buffer, min(buffer.count, 262_144 - readSinceBreak))
            if count > 0 {
                received.append(contentsOf: buffer[0..<count])
                readSinceBreak += count
                var start = 0
                while let newline = received[start...].firstIndex(of: 0x0A) {
                    let line = String(decoding: received[start..<newline], as: UTF8.self)
                    start = newline + 1
                    if outOfOrder == nil && line != Self.line(next, padding) {
                        outOfOrder = "message \(next) arrived as \(line)"
                    }
                    next += 1
                    // One long stop while the publisher goes on at full speed, then a short one every 100,000.
                    if next == 100_000 { try await Task.sleep(for: .seconds(10)) }
                    if next % 100_000 == 0 { try await Task.sleep(for: .seconds(1)) }
                }
                received = Array(received[start...])
                if readSinceBreak < 262_144 { continue }
            } else if count == 0 {
                break  // the subscriber closed its output
            }
            readSinceBreak = 0
            try await Task.sleep(for: .milliseconds(20))
        }
        let subscriberExited = await MQTTChild.wait(subscriber, seconds: 30)
        let publisherExited = await MQTTChild.wait(publisher, seconds: 30)

        #expect(next == Self.count, "\(next) of \(Self.count) messages; sub: \(folder.read("sub.err").suffix(500))")
        #expect(outOfOrder == nil, "\(outOfOrder ?? "")")
        #expect(subscriberExited && subscriber.exitStatus == 0, "sub: \(folder.read("sub.err").suffix(500))")
        #expect(publisherExited && publisher.exitStatus == 0, "pub: \(folder.read("pub.err").suffix(500))")
        #expect(peaks.publisher > 0 && peaks.subscriber > 0, "VmHWM was read")
        #expect(peaks.publisher <= Self.peakBound, "publisher peak \(peaks.publisher / 1_048_576) MiB")
        #expect(peaks.subscriber <= Self.peakBound, "subscriber peak \(peaks.subscriber / 1_048_576) MiB")
        print(
            "[soak] \(next) messages; peak RSS publisher \(peaks.publisher / 1_048_576) MiB, subscriber "
                + "\(peaks.subscriber / 1_048_576) MiB (bound \(Self.peakBound / 1_048_576) MiB)")
    }

    /// Line `index` of the publisher's input: the number, zero-padded, then `padding`.
    static func line(_ index: Int, _ padding: String) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 7 - digits.count)) + digits + padding
    }

    /// Waits until mosquitto logs the subscription (`log_type subscribe`): a probe message would be counted.
    private func waitForSubscription(broker: Mosquitto, topic: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if broker.log.contains(" \(topic)") { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw MQTTTestSetupError(description: "the subscriber did not subscribe in 30 s:\n\(broker.log.suffix(2000))")
    }
}
