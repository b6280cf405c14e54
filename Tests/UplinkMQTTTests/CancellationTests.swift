import Foundation
import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO

/// Every wait of the client ends at once when its task is cancelled (issue 12): before, a cancelled `publish`,
/// `flush`, `connect` or producer waiting for queue room waited on until the broker (or nobody) answered.
@Suite("cancellation: each wait of the client ends promptly with CancellationError", .timeLimit(.minutes(1)))
struct CancellationTests {
    @Test(
        "a cancelled QoS 1 publish throws CancellationError before any PUBACK; the message is still delivered",
        arguments: MQTTVersions.all)
    func publish(version: MQTTProtocolVersion) async throws {
        let cancelled = MQTTLockedBox(false)
        let seen = try await withFakeBroker({ peer in
            try await peer.accept()
            guard case .publish(let publish)? = try await peer.receive(), let id = publish.packetIdentifier else {
                throw MQTTTestSetupError(description: "expected PUBLISH")
            }
            // The PUBACK waits until the client's publish call has ended by cancellation.
            try await mqttEventually("the publish is cancelled") { cancelled.value }
            try await peer.send(.puback(PublishAckPacket(packetIdentifier: id)))
            return try await peer.drain()
        }) { port in
            let client = try hostileClient(port: port, version: version)
            try await client.connect()
            let task = Task { try await client.publish(MQTTMessage(topic: "t", string: "x", qos: .atLeastOnce)) }
            try await mqttEventually("the message is in flight") { client.pendingMessageCount == 1 }
            task.cancel()
            let result = await task.result
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(client.pendingMessageCount == 1, "the accepted message stays in the session")
            cancelled.value = true
            try await client.flush()
            #expect(client.pendingMessageCount == 0)
            await client.disconnect()
        }
        let publishes = seen.filter { if case .publish = $0 { return true } else { return false } }
        #expect(publishes.isEmpty, "sent once, not again: \(seen)")
    }

    @Test("a publish in a task cancelled before the call is not accepted")
    func publishAlreadyCancelled() async throws {
        var configuration = MQTTTestClient.configuration("cancelled", version: .v5)
        configuration.reconnect = .disabled
        let client = try MQTTClient(
            configuration: configuration, transport: try MQTTNIOTransport(host: "127.0.0.1", port: 1))
        let task = Task {
            while !Task.isCancelled { await Task.yield() }
            return try await client.publish(MQTTMessage(topic: "t", string: "x", qos: .atLeastOnce))
        }
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(client.pendingMessageCount == 0)
    }

    @Test("a cancelled flush throws CancellationError; the messages stay pending")
    func flush() async throws {
        let cancelled = MQTTLockedBox(false)
        _ = try await withFakeBroker({ peer in
            try await peer.accept()
            guard case .publish(let publish)? = try await peer.receive(), let id = publish.packetIdentifier else {
                throw MQTTTestSetupError(description: "expected PUBLISH")
            }
            try await mqttEventually("the flush is cancelled") { cancelled.value }
            try await peer.send(.puback(PublishAckPacket(packetIdentifier: id)))
            return try await peer.drain()
        }) { port in
            let client = try hostileClient(port: port, version: .v5)
            try await client.connect()
            try await client.enqueue(MQTTMessage(topic: "t", string: "x", qos: .atLeastOnce))
            let task = Task { try await client.flush() }
            try await Task.sleep(for: .milliseconds(100))
            task.cancel()
            let result = await task.result
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(client.pendingMessageCount == 1)
            cancelled.value = true
            try await client.flush()
            await client.disconnect()
        }
    }

    @Test("a cancelled connect throws CancellationError long before the connect timeout")
    func connect() async throws {
        let broker = try await MQTTFakeBroker()
        let serving = Task {
            try await broker.serve { peer in
                _ = try await peer.receive()  // CONNECT, never answered
                _ = try await peer.drain()
            }
        }
        var configuration = MQTTTestClient.configuration("cancel-connect", version: .v5)
        configuration.reconnect = .disabled
        configuration.connectTimeout = .seconds(50)
        let client = try MQTTClient(
            configuration: configuration, transport: try MQTTNIOTransport(host: "127.0.0.1", port: broker.port))
        let task = Task { try await client.connect() }
        try await Task.sleep(for: .milliseconds(300))
        let start = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(ContinuousClock.now - start < .seconds(5))
        await client.disconnect()
        _ = await serving.result
    }

    @Test("a producer waiting for queue room (.wait policy) throws CancellationError when cancelled")
    func waitingProducer() async throws {
        var configuration = MQTTTestClient.configuration("cancel-wait", version: .v5)
        configuration.maximumQueuedMessages = 1
        configuration.queueOverflowPolicy = .wait
        let client = try MQTTClient(
            configuration: configuration, transport: try MQTTNIOTransport(host: "127.0.0.1", port: 1))
        try await client.enqueue(MQTTMessage(topic: "t", string: "1", qos: .atLeastOnce))  // offline: queued
        let task = Task { try await client.enqueue(MQTTMessage(topic: "t", string: "2", qos: .atLeastOnce)) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(client.pendingMessageCount == 1)
    }
}
