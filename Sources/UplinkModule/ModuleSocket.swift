import NIOCore

/// One client socket of the module: its channel and the bytes received but not yet read by the host.
///
/// Confined to the module's event loop. The receive buffer is bounded: when it holds
/// ``receiveLimit`` bytes or more, the socket stops reading from the peer (TCP backpressure), so
/// nothing is dropped; reading resumes when the host drains it with SOCKR.
final class ModuleSocket {
    enum Transport: String {
        case tcp = "t"
        case udp = "u"
        case tls = "s"
    }

    let id: Int
    /// The server socket (SOCKDON) this is a client of, or `nil` for a client socket (SOCKON).
    let serverID: Int?
    let transport: Transport
    let indications: Bool
    let remoteAddress: String
    let remotePort: Int
    let receiveLimit: Int
    var channel: Channel?

    /// Received data: for TCP, chunks in order; for UDP, one entry per datagram (boundaries kept).
    private var segments = CircularBuffer<ByteBuffer>(initialCapacity: 8)
    private(set) var unread = 0
    /// Bytes received since the last `+WIND:55` was sent (SPWF04 reports it).
    var receivedSinceIndication = 0
    private(set) var peerClosed = false
    private var readHeld = false
    /// Set while the module's output to the host is backed up: nothing more is read from the peer.
    private var outputHeld = false

    init(
        id: Int, transport: Transport, indications: Bool, remoteAddress: String, remotePort: Int, receiveLimit: Int,
        serverID: Int? = nil
    ) {
        self.id = id
        self.serverID = serverID
        self.transport = transport
        self.indications = indications
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.receiveLimit = receiveLimit
    }

    /// The length of the next datagram (UDP) or of everything unread (TCP), as SOCKQ reports it.
    var queryLength: Int {
        transport == .udp ? (segments.first?.readableBytes ?? 0) : unread
    }

    func receive(_ buffer: ByteBuffer) {
        guard buffer.readableBytes > 0 else { return }  // empty datagrams carry nothing to read
        segments.append(buffer)
        unread += buffer.readableBytes
        receivedSinceIndication += buffer.readableBytes
    }

    func markPeerClosed() {
        peerClosed = true
    }

    /// Removes and returns the next `count` bytes (the caller checked `count <= unread`).
    func take(_ count: Int, into output: inout ByteBuffer) {
        var remaining = count
        while remaining > 0, var first = segments.first {
            let n = min(remaining, first.readableBytes)
            if var slice = first.readSlice(length: n) {
                output.writeBuffer(&slice)
            }
            remaining -= n
            unread -= n
            if first.readableBytes == 0 {
                segments.removeFirst()
            } else {
                segments[segments.startIndex] = first
            }
        }
        resumeIfHeld()
    }

    /// Holds (or releases) reads from the peer while the host does not take the module's output.
    func holdForOutput(_ held: Bool) {
        outputHeld = held
        resumeIfHeld()
    }

    private func resumeIfHeld() {
        if readHeld && unread < receiveLimit && !outputHeld {
            readHeld = false
            channel?.read()
        }
    }

    /// Decides whether a read request from NIO may go to the peer now.
    func shouldReadNow() -> Bool {
        if unread >= receiveLimit || outputHeld {
            readHeld = true
            return false
        }
        return true
    }
}

/// Moves bytes between a socket's channel and the module, and holds reads while the buffer is full.
final class ModuleSocketHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let socket: ModuleSocket
    private let onData: (ModuleSocket) -> Void
    private let onClose: (ModuleSocket) -> Void
    init(
        socket: ModuleSocket, onData: @escaping (ModuleSocket) -> Void,
        onClose: @escaping (ModuleSocket) -> Void
    ) {
        self.socket = socket
        self.onData = onData
        self.onClose = onClose
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        socket.receive(Self.unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        onData(socket)
    }

    func channelInactive(context: ChannelHandlerContext) {
        onClose(socket)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP socket survives an ICMP error; a stream socket is done.
        if socket.transport != .udp {
            context.close(promise: nil)
        }
    }

    func read(context: ChannelHandlerContext) {
        if socket.shouldReadNow() {
            context.read()
        }
    }
}

/// Unwraps UDP envelopes into their payload so the socket handler sees plain bytes.
final class DatagramPayloadHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias InboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(Self.wrapInboundOut(Self.unwrapInboundIn(data).data))
    }
}
