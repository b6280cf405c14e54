import Foundation
import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO

/// A subscription stream held up to 1,024 messages of up to 1 MiB each, about 1 GiB for one slow consumer (issue 12):
/// it is bounded in bytes too, and reaching either bound holds the reader back.
@Suite("subscription streams are bounded in bytes as well as messages", .timeLimit(.minutes(1)))
struct StreamByteLimitTests {
    /// The reader decodes at most 64 KiB of messages a round before it checks the streams (`roundPayloadBytes`):
    /// the bound is overshot by at most that and one message, however much one socket read brought.
    @Test(
        "a consumer that does not read: the stream stops growing at its byte bound, then delivers everything",
        arguments: [(total: 40, size: 100_000), (total: 250, size: 2_000)])
    func byteBound(total: Int, size: Int) async throws {
        let limit = 300_000
        let round = 64 << 10
        _ = try await withFakeBroker({ peer in
            try await peer.accept()
            guard case .subscribe(let subscribe)? = try await peer.receive() else {
                throw MQTTTestSetupError(description: "expected SUBSCRIBE")
            }
            try await peer.send(
                .suback(SubAckPacket(packetIdentifier: subscribe.packetIdentifier, reasonCodes: [.grantedQoS0])))
            for index in 0..<total {
                var payload = [UInt8](repeating: 0x41, count: size)
                payload[0] = UInt8(index & 0xFF)
                payload[1] = UInt8(index >> 8)
                try await peer.send(.publish(PublishPacket(topic: "big", payload: payload, qos: .atMostOnce)))
            }
            return try await peer.drain()
        }) { port in
            let client = try hostileClient(port: port, version: .v5)
            try await client.connect()
            let stream = try await client.subscribe(
                to: [MQTTSubscription(topicFilter: "big", qos: .atMostOnce)], bufferBytes: limit)
            // The reader fills the stream to its byte bound, then waits: nothing is taken meanwhile.
            try await mqttEventually("the stream fills") { stream.bufferedBytes >= limit }
            try await Task.sleep(for: .milliseconds(300))
            let held = stream.bufferedBytes
            // Before the last round the stream held less than `limit`; a round is one message when messages are
            // larger than a round, else under `round` bytes plus the one that crossed it (+ 3-byte topics).
            let roundAtMost = size >= round ? size + 3 : round + size + 3
            #expect(held < limit + roundAtMost, "held \(held) bytes with a bound of \(limit)")
            #expect(stream.bufferedCount < total)
            var received: [Int] = []
            for try await message in stream {
                received.append(Int(message.payload[0]) | Int(message.payload[1]) << 8)
                if received.count == total { break }
            }
            #expect(received == Array(0..<total))
            await client.disconnect()
        }
    }

    @Test("subscriptionBufferBytes must be positive")
    func validation() throws {
        var configuration = MQTTClientConfiguration(clientIdentifier: "x")
        configuration.subscriptionBufferBytes = 0
        #expect(throws: MQTTClientError.invalidArgument("subscriptionBufferBytes must be at least 1")) {
            try configuration.validate()
        }
    }
}
