import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// A real client of a module's server socket, from outside the module: TCP, TLS (swift-nio-ssl) or UDP over
/// 127.0.0.1. What it receives is collected; tests wait for it with deadlines (polling with `Task.sleep`).
final class ServerSocketPeer: Sendable {
    let channel: Channel
    /// UDP: where datagrams go.
    private let target: SocketAddress?
    private let inbox: PeerInbox

    /// The peer's local port (what the module reports in WIND 61), taken when it connected (on the peer's loop, in
    /// `channelActive`): it stays known after the module closed the connection.
    var localPort: Int { inbox.localPort ?? channel.localAddress?.port ?? 0 }

    private init(channel: Channel, inbox: PeerInbox, target: SocketAddress? = nil) {
        self.channel = channel
        self.inbox = inbox
        self.target = target
    }

    /// Connects over TCP, or TLS when `tls` is given (the handshake is done when this returns).
    static func tcp(
        port: Int, group: EventLoopGroup, tls: TLSConfiguration? = nil, serverName: String? = nil
    ) async throws -> ServerSocketPeer {
        let inbox = PeerInbox()
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: context, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(PeerCollector(inbox: inbox))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let peer = ServerSocketPeer(channel: channel, inbox: inbox)
        if tls != nil {
            // NIOSSL starts the handshake when the channel is active; wait for it to finish.
            let deadline = ContinuousClock.now + .seconds(30)
            while !inbox.handshakeDone && !inbox.closed {
                guard ContinuousClock.now < deadline else { throw PeerTimeout(what: "TLS handshake") }
                try await Task.sleep(for: .milliseconds(2))
            }
            if inbox.closed && !inbox.handshakeDone { throw PeerTimeout(what: "TLS handshake (closed)") }
        }
        return peer
    }

    /// A UDP socket on 127.0.0.1 that sends to the module's `port`.
    static func udp(port: Int, group: EventLoopGroup) async throws -> ServerSocketPeer {
        let inbox = PeerInbox()
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramCollector(inbox: inbox))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        return ServerSocketPeer(channel: channel, inbox: inbox, target: target)
    }

    func send(_ bytes: [UInt8]) async throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        if let target {
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: buffer)).get()
        } else {
            try await channel.writeAndFlush(buffer).get()
        }
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    /// Waits for exactly `count` bytes (at most 60 s).
    func receive(_ count: Int, timeout: Duration = .seconds(60)) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let bytes = inbox.take(count) { return bytes }
            guard ContinuousClock.now < deadline else { throw PeerTimeout(what: "\(count) bytes, have \(inbox.count)") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// The datagrams received so far, removed.
    func takeDatagrams() -> [[UInt8]] { inbox.takeDatagrams() }

    /// Waits until the module closed the connection (at most 30 s).
    func waitClosed(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !inbox.closed {
            guard ContinuousClock.now < deadline else { throw PeerTimeout(what: "close") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    var isClosed: Bool { inbox.closed }

    func close() async {
        try? await channel.close()
    }
}

/// A wait of a peer passed its deadline.
struct PeerTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "peer: no \(what) in time" }
}

/// What a peer received.
final class PeerInbox: Sendable {
    private let state = Mutex<(bytes: [UInt8], datagrams: [[UInt8]], closed: Bool, handshake: Bool)>(
        ([], [], false, false))

    func append(_ bytes: [UInt8]) { state.withLock { $0.bytes.append(contentsOf: bytes) } }
    func appendDatagram(_ bytes: [UInt8]) { state.withLock { $0.datagrams.append(bytes) } }
    func markClosed() { state.withLock { $0.closed = true } }
    func markHandshake() { state.withLock { $0.handshake = true } }
    private let port = Mutex<Int?>(nil)
    func setLocalPort(_ value: Int?) { port.withLock { $0 = value } }
    var localPort: Int? { port.withLock { $0 } }
    var closed: Bool { state.withLock { $0.closed } }
    var handshakeDone: Bool { state.withLock { $0.handshake } }
    var count: Int { state.withLock { $0.bytes.count } }

    func take(_ count: Int) -> [UInt8]? {
        state.withLock {
            guard $0.bytes.count >= count else { return nil }
            let head = Array($0.bytes.prefix(count))
            $0.bytes.removeFirst(count)
            return head
        }
    }

    func takeDatagrams() -> [[UInt8]] {
        state.withLock {
            let all = $0.datagrams
            $0.datagrams.removeAll()
            return all
        }
    }
}

private final class PeerCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let inbox: PeerInbox
    init(inbox: PeerInbox) { self.inbox = inbox }

    func channelActive(context: ChannelHandlerContext) {
        inbox.setLocalPort(context.channel.localAddress?.port)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.append(Array(Self.unwrapInboundIn(data).readableBytesView))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event { inbox.markHandshake() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.markClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

private final class DatagramCollector: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let inbox: PeerInbox
    init(inbox: PeerInbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.appendDatagram(Array(Self.unwrapInboundIn(data).data.readableBytesView))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}
