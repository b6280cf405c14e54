import Foundation
import MQTTCodec
import Testing
import UplinkMQTT
import UplinkMQTTNIO

/// A subscription stream held up to 1,024 messages of up to 1 MiB each, about 1 GiB for one slow consumer (issue 12):
/// it is bounded in bytes too, and reaching either bound holds the reader back.
@Suite("subscription streams are bounded in bytes as well as messages", .timeLimit(.minutes(1)))
struct StreamByteLimitTests {
    @Test("a consumer that does not read: the stream stops growing at its byte bound, then delivers everything")
    func byteBound() async throws {
        let total = 40
        let size = 100_000
        let limit = 300_000
        _ = try await withFakeBroker({ peer in
            try await peer.accept()
            guard case .subscribe(let subscribe)? = try await peer.receive() else {
                throw MQTTTestSetupError(description: "expected SUBSCRIBE")
            }
            try await peer.send(
                .suback(SubAckPacket(packetIdentifier: subscribe.packetIdentifier, reasonCodes: [.grantedQoS0])))
            for index in 0..<total {
                var payload = [UInt8](repeating: 0x41, count: size)
                payload[0] = UInt8(index)
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
            #expect(held < limit + size + 100, "held \(held) bytes with a bound of \(limit)")
            #expect(stream.bufferedCount < total)
            var received: [UInt8] = []
            for try await message in stream {
                received.append(message.payload[0])
                if received.count == total { break }
            }
            #expect(received == (0..<total).map { UInt8($0) })
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
