import NIOCore
import NIOPosix
import Synchronization

/// A real TCP or UDP client on 127.0.0.1 for the socket-server tests: sends bytes, collects what it receives.
final class RawPeer: Sendable {
    let group: MultiThreadedEventLoopGroup
    let channel: Channel
    let isUDP: Bool
    let target: SocketAddress
    private let box: Collector

    private init(
        group: MultiThreadedEventLoopGroup, channel: Channel, isUDP: Bool, target: SocketAddress, box: Collector
    ) {
        self.group = group
        self.channel = channel
        self.isUDP = isUDP
        self.target = target
        self.box = box
    }

    /// Connects a TCP client to `host`:`port` (127.0.0.1 by default).
    static func tcp(host: String = "127.0.0.1", port: Int) async throws -> RawPeer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let box = Collector()
        let channel: Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(CollectingHandler(box: box))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let target = try SocketAddress(ipAddress: host, port: port)
        return RawPeer(group: group, channel: channel, isUDP: false, target: target, box: box)
    }

    /// Binds a UDP socket on 127.0.0.1 that sends to 127.0.0.1:`port`.
    static func udp(port: Int) async throws -> RawPeer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let box = Collector()
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CollectingDatagramHandler(box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        return RawPeer(group: group, channel: channel, isUDP: true, target: target, box: box)
    }

    /// Sends bytes (one datagram for UDP).
    func send(_ text: String) async throws {
        try await send(bytes: Array(text.utf8))
    }

    func send(bytes: [UInt8]) async throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        if isUDP {
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: buffer)).get()
        } else {
            try await channel.writeAndFlush(buffer).get()
        }
    }

    /// Everything received so far.
    var bytes: [UInt8] { box.received.withLock { $0 } }

    /// Waits until at least `count` bytes arrived (or the deadline passes) and returns them all.
    func waitFor(_ count: Int, timeout: Duration = .seconds(30)) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while bytes.count < count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        return bytes
    }

    /// Waits until the module closed the connection.
    func waitClosed(timeout: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !box.closed.withLock({ $0 }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        return box.closed.withLock { $0 }
    }

    /// Closes the connection and stops the peer's loop (once; later calls do nothing).
    func close() async {
        guard
            !box.shutDown.withLock({
                let was = $0; $0 = true; return was
            })
        else { return }
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

fileprivate final class Collector: Sendable {
    let received = Mutex<[UInt8]>([])
    let closed = Mutex(false)
    let shutDown = Mutex(false)
}

private final class CollectingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let box: Collector
    init(box: Collector) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        box.received.withLock { $0.append(contentsOf: buffer.readableBytesView) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        box.closed.withLock { $0 = true }
        context.fireChannelInactive()
    }
}

private final class CollectingDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let box: Collector
    init(box: Collector) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        box.received.withLock { $0.append(contentsOf: envelope.data.readableBytesView) }
    }
}
