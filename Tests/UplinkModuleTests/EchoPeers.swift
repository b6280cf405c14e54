import NIOCore
import NIOPosix
import UplinkTestSupport

/// Real network peers on 127.0.0.1 for socket tests: TCP echo, UDP echo, and a TCP server that
/// sends a payload and closes.
final class EchoPeers: Sendable {
    let group: MultiThreadedEventLoopGroup
    let tcpEchoPort: Int
    let udpEchoPort: Int
    private let channels: [Channel]

    init() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let tcp = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TCPEchoHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let udp = try await DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(UDPEcho()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        tcpEchoPort = tcp.localAddress?.port ?? 0
        udpEchoPort = udp.localAddress?.port ?? 0
        channels = [tcp, udp]
    }

    /// Starts a TCP server that writes `payload` to each client, then closes it.
    func sendAndClose(_ payload: [UInt8]) async throws -> Int {
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SendAndClose(payload: payload))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return server.localAddress?.port ?? 0
    }

    func shutdown() async {
        for channel in channels { try? await channel.close() }
        try? await group.shutdownGracefully()
    }
}

private final class UDPEcho: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        context.writeAndFlush(
            Self.wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: envelope.data)),
            promise: nil)
    }
}

private final class SendAndClose: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let payload: [UInt8]

    init(payload: [UInt8]) {
        self.payload = payload
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: payload.count)
        buffer.writeBytes(payload)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(Self.wrapOutboundOut(buffer)).whenComplete { _ in
            loopBound.value.close(promise: nil)
        }
    }
}

/// ``EchoPeers`` for the length of `body`, shut down when it ends, however it ends.
func withEchoPeers<T>(_ body: (EchoPeers) async throws -> T) async throws -> T {
    let peers = try await EchoPeers()
    return try await withCleanup {
        try await body(peers)
    } cleanup: {
        await peers.shutdown()
    }
}
