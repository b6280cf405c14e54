import NIOCore

/// The SPWF01 socket server (`AT+S.SOCKD`): a listening port on this machine and at most one client.
///
/// Confined to the module's event loop. TCP: one connected client at a time (another connection is closed at
/// once); its bytes wait in a bounded buffer (reads pause while it is full: TCP backpressure, nothing dropped).
/// UDP: the client is the sender of the last datagram; a datagram that does not fit the buffer is dropped and
/// reported (`+WIND:63`).
final class SocketServer {
    let port: Int
    let transport: ModuleSocket.Transport
    /// The listening channel (TCP) or the bound datagram channel (UDP).
    var channel: Channel?
    /// The connected client's buffer (and, for TCP, its channel); for UDP it exists from the start.
    var client: ModuleSocket?
    /// UDP: where the last datagram came from, where data-mode bytes go.
    var udpPeer: SocketAddress?
    /// Arrivals since the last `+WIND:64` was answered by data mode (its first field).
    var pendingMessages = 0

    init(port: Int, transport: ModuleSocket.Transport) {
        self.port = port
        self.transport = transport
    }

    /// Whether there is a client to exchange data with.
    var hasClient: Bool {
        transport == .udp ? udpPeer != nil : client?.channel?.isActive == true
    }

    /// Sends bytes to the client (one datagram for UDP); `nil` when there is none.
    func write(_ bytes: [UInt8]) -> EventLoopFuture<Void>? {
        switch transport {
        case .udp:
            guard let channel, let udpPeer else { return nil }
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            return channel.writeAndFlush(AddressedEnvelope(remoteAddress: udpPeer, data: buffer))
        case .tcp, .tls:
            guard let channel = client?.channel else { return nil }
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            return channel.writeAndFlush(buffer)
        }
    }

    /// Stops listening and drops the client.
    func close() {
        if transport != .udp { client?.channel?.close(promise: nil) }
        channel?.close(promise: nil)
        client = nil
        udpPeer = nil
    }
}

/// Receives the UDP socket server's datagrams: notes a new sender, keeps what fits, reports what does not.
final class SocketServerDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let buffer: ModuleSocket
    private let onSender: (SocketAddress) -> Void
    private let onDropped: (Int) -> Void
    private let onData: () -> Void

    init(
        buffer: ModuleSocket, onSender: @escaping (SocketAddress) -> Void, onDropped: @escaping (Int) -> Void,
        onData: @escaping () -> Void
    ) {
        self.buffer = buffer
        self.onSender = onSender
        self.onDropped = onDropped
        self.onData = onData
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        onSender(envelope.remoteAddress)
        let size = envelope.data.readableBytes
        if buffer.unread + size > buffer.receiveLimit {
            onDropped(size)
        } else {
            buffer.receive(envelope.data)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        onData()
    }
}
