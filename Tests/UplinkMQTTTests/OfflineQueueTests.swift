import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO

/// The offline queue and its overflow policies: messages accepted before the first connection wait in a queue of
/// `maximumQueuedMessages` and reach mosquitto once connected; a full queue does what the policy says.
@Suite("offline queue: bounded, with the reject / dropOldest / wait policies, against mosquitto")
struct OfflineQueueTests {
    private static func message(_ index: Int) -> MQTTMessage {
        MQTTMessage(topic: "offline/queue", string: "\(index)", qos: .atLeastOnce)
    }

    /// A subscriber on `offline/queue` and a client that has not connected yet, with a queue of 3.
    private static func rig(_ policy: MQTTQueueOverflowPolicy) async throws -> (
        Mosquitto, MQTTClient, MQTTClient, MQTTCollector
    ) {
        let broker = try await Mosquitto()
        let watcher = try MQTTTestClient.make(MQTTTestClient.id("watch"), port: broker.port, version: .v5)
        try await watcher.connect()
        let collector = MQTTCollector(try await watcher.subscribe(to: "offline/queue", qos: .atLeastOnce))
        let client = try MQTTTestClient.make(MQTTTestClient.id("offline"), port: broker.port, version: .v5) {
            $0.maximumQueuedMessages = 3
            $0.queueOverflowPolicy = policy
        }
        return (broker, watcher, client, collector)
    }

    @Test("reject: the fourth message fails with queueFull; the three accepted are delivered after connecting")
    func reject() async throws {
        let (broker, watcher, client, collector) = try await Self.rig(.reject)
        for index in 0..<3 { try await client.enqueue(Self.message(index)) }
        #expect(client.pendingMessageCount == 3)
        await #expect(throws: MQTTClientError.queueFull) { try await client.enqueue(Self.message(3)) }
        try await client.connect()
        try await client.flush()
        try await collector.waitFor(3)
        #expect(collector.messages.map(\.payloadString) == ["0", "1", "2"])
        #expect(client.droppedMessageCount == 0)
        await client.disconnect()
        await watcher.disconnect()
        await broker.stop()
    }

    @Test("dropOldest: a waiting publish of the oldest fails with droppedFromQueue, counted; the newest are delivered")
    func dropOldest() async throws {
        let (broker, watcher, client, collector) = try await Self.rig(.dropOldest)
        // The oldest is a `publish` that waits for its PUBACK: it learns that it was dropped.
        let oldest = Task { try await client.publish(Self.message(0)) }
        while client.pendingMessageCount < 1 { try await Task.sleep(for: .milliseconds(5)) }
        for index in 1..<5 { try await client.enqueue(Self.message(index)) }
        await #expect(throws: MQTTClientError.droppedFromQueue) { try await oldest.value }
        #expect(client.droppedMessageCount == 2)
        #expect(client.pendingMessageCount == 3)
        try await client.connect()
        try await client.flush()
        try await collector.waitFor(3)
        #expect(collector.messages.map(\.payloadString) == ["2", "3", "4"])
        await client.disconnect()
        await watcher.disconnect()
        await broker.stop()
    }

    @Test("wait: the fourth enqueue waits for room and completes once connected; nothing lost or reordered")
    func wait() async throws {
        let (broker, watcher, client, collector) = try await Self.rig(.wait)
        for index in 0..<3 { try await client.enqueue(Self.message(index)) }
        let fourth = Task { try await client.enqueue(Self.message(3)) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(client.pendingMessageCount == 3, "the fourth waits outside the queue")
        try await client.connect()
        try await fourth.value
        try await client.flush()
        try await collector.waitFor(4)
        #expect(collector.messages.map(\.payloadString) == ["0", "1", "2", "3"])
        await client.disconnect()
        await watcher.disconnect()
        await broker.stop()
    }
}
