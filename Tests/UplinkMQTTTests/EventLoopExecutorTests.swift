import MQTTCodec
import NIOCore
import NIOPosix
import Testing
import UplinkMQTT
import UplinkMQTTNIO

/// The client with its tasks on the transport's event loop (``MQTTEventLoopExecutor``), as `uplink mqtt` runs it.
@Suite("MQTTEventLoopExecutor: client, socket and consumer on one event loop, against mosquitto")
struct EventLoopExecutorTests {
    @Test(
        "every QoS both ways on one thread; the consumer runs on the loop; batches drain without suspending",
        arguments: [MQTTProtocolVersion.v5, .v3_1_1])
    func oneThread(version: MQTTProtocolVersion) async throws {
        let broker = try await Mosquitto()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let executor = MQTTEventLoopExecutor(group.next())
        var configuration = MQTTTestClient.configuration(MQTTTestClient.id("loop"), version: version)
        configuration.taskExecutor = executor
        let client = try MQTTClient(
            configuration: configuration,
            transport: try MQTTNIOTransport(host: "127.0.0.1", port: broker.port, eventLoopGroup: group))
        let perQoS = 500
        let received = try await withTaskExecutorPreference(executor) {
            try await client.connect()
            #expect(executor.eventLoop.inEventLoop)
            let stream = try await client.subscribe(to: "loop/#", qos: .exactlyOnce)
            // The consumer is a child task: it inherits the executor. (A task that waits for its own QoS 1/2
            // acknowledgements while its subscription buffer is full and unread waits forever: backpressure.)
            async let consumed = Self.consume(stream, count: 3 * perQoS, on: executor)
            for qos in [MQTTQoS.atMostOnce, .atLeastOnce, .exactlyOnce] {
                for index in 0..<perQoS {
                    try await client.enqueue(MQTTMessage(topic: "loop/\(qos.rawValue)", string: "\(index)", qos: qos))
                }
            }
            try await client.flush()
            let messages = try await consumed
            await client.disconnect()
            return messages
        }
        #expect(received.count == 3 * perQoS)
        for qos in [MQTTQoS.atMostOnce, .atLeastOnce, .exactlyOnce] {
            let payloads = received.filter { $0.topic == "loop/\(qos.rawValue)" }.map(\.payloadString)
            #expect(payloads == (0..<perQoS).map { "\($0)" }, "QoS \(qos.rawValue): every message once, in order")
            #expect(received.filter { $0.topic == "loop/\(qos.rawValue)" }.allSatisfy { $0.qos == qos })
        }
        try await group.shutdownGracefully()
        await broker.stop()
    }

    private static func consume(_ stream: MQTTSubscriptionStream, count: Int, on executor: MQTTEventLoopExecutor)
        async throws -> [MQTTMessage]
    {
        var iterator = stream.makeAsyncIterator()
        var messages: [MQTTMessage] = []
        while messages.count < count, let first = try await iterator.next() {
            #expect(executor.eventLoop.inEventLoop)
            messages.append(first)
            while let next = iterator.nextIfBuffered() { messages.append(next) }
        }
        #expect(iterator.nextIfBuffered() == nil)
        return messages
    }
}
