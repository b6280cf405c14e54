import NIOCore
import UplinkMQTT

/// One NIO channel as an ``MQTTTransportConnection``.
///
/// `send` writes and flushes one buffer and returns when it is on the socket, so a following `close` never drops
/// it; `receive` takes whatever ``MQTTByteStreamHandler`` has buffered (one event-loop hop per call, however many
/// packets arrived).
final class MQTTNIOConnection: MQTTTransportConnection, Sendable {
    private let channel: any Channel
    private let handler: NIOLoopBound<MQTTByteStreamHandler>

    init(channel: any Channel, handler: NIOLoopBound<MQTTByteStreamHandler>) {
        self.channel = channel
        self.handler = handler
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    func receive() async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { continuation in
            let handler = self.handler
            if channel.eventLoop.inEventLoop {
                handler.value.receive(continuation)
            } else {
                channel.eventLoop.execute { handler.value.receive(continuation) }
            }
        }
    }

    func close() async {
        try? await channel.close()
    }
}
