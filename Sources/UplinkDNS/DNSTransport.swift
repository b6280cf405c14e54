import DNSCodec
import NIOCore
import NIOPosix

/// Decides whether bytes that arrived are the reply to one query (RFC 5452 §9.1): same id, QR set, opcode
/// QUERY, and the same question (name compared case-insensitively, type, class).
///
/// Anything else is dropped and the wait goes on. The one exception to the question rule: an error reply
/// (neither NOERROR nor NXDOMAIN) with an empty question section is accepted, because some servers answer an
/// EDNS query they do not understand with FORMERR and no question; it can only make the resolver move on.
struct DNSReplyMatcher: Sendable {
    let query: DNSMessage

    enum Verdict {
        /// Not ours: ignore it.
        case drop
        /// Our reply.
        case reply(DNSMessage)
        /// Claims to be our reply (id, QR) but cannot be decoded.
        case malformed(DNSDecodeError)
    }

    func classify(_ bytes: [UInt8]) -> Verdict {
        guard let header = DNSMessage.peekHeader(bytes), header.id == query.header.id, header.isResponse,
            header.opcode == .QUERY
        else { return .drop }
        let reply: DNSMessage
        do {
            reply = try DNSMessage.decode(bytes, acceptingTruncation: true)
        } catch {
            return .malformed(error)
        }
        if reply.questions.count == 1, let asked = query.questions.first {
            let question = reply.questions[0]
            guard question.name == asked.name, question.type == asked.type, question.class == asked.class else {
                return .drop
            }
            return .reply(reply)
        }
        if reply.questions.isEmpty, reply.responseCode != .NOERROR, reply.responseCode != .NXDOMAIN {
            return .reply(reply)
        }
        return .drop
    }
}

/// What the UDP wait produced.
enum DNSUDPOutcome: Sendable {
    case reply(DNSMessage, size: Int)
    case malformed(DNSDecodeError, size: Int)
}

/// Receives datagrams on a connected UDP socket and completes the promise with the first one that answers the
/// query. Zero-length datagrams, datagrams from another address and replies that do not match are ignored.
final class DNSUDPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let matcher: DNSReplyMatcher
    let server: SocketAddress
    let promise: EventLoopPromise<DNSUDPOutcome>

    init(matcher: DNSReplyMatcher, server: SocketAddress, promise: EventLoopPromise<DNSUDPOutcome>) {
        self.matcher = matcher
        self.server = server
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        guard sameEndpoint(envelope.remoteAddress, server) else { return }
        let size = envelope.data.readableBytes
        guard size > 0 else { return }
        let bytes = Array(envelope.data.readableBytesView)
        switch matcher.classify(bytes) {
        case .drop: return
        case .reply(let message): promise.succeed(.reply(message, size: size))
        case .malformed(let error): promise.succeed(.malformed(error, size: size))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // On a connected socket an ICMP port unreachable arrives as ECONNREFUSED.
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            promise.fail(DNSResolverError.networkError("port unreachable"))
        } else {
            promise.fail(DNSResolverError.networkError("\(error)"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(DNSResolverError.networkError("UDP socket closed"))
        context.fireChannelInactive()
    }
}

/// Collects one length-prefixed DNS message from a TCP stream (RFC 1035 §4.2.2, RFC 7766).
final class DNSTCPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let promise: EventLoopPromise<[UInt8]>
    private var buffer: [UInt8] = []

    init(promise: EventLoopPromise<[UInt8]>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let chunk = Self.unwrapInboundIn(data)
        buffer.append(contentsOf: chunk.readableBytesView)
        guard buffer.count >= 2 else { return }
        let length = Int(buffer[0]) << 8 | Int(buffer[1])
        if length == 0 {
            promise.fail(DNSResolverError.malformedReply("TCP: zero-length message"))
            return
        }
        if buffer.count >= 2 + length {
            promise.succeed(Array(buffer[2..<(2 + length)]))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(DNSResolverError.networkError("TCP: \(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if buffer.count < 2 {
            promise.fail(
                DNSResolverError.malformedReply("TCP: connection closed after \(buffer.count) of 2 length bytes"))
        } else {
            let length = Int(buffer[0]) << 8 | Int(buffer[1])
            promise.fail(
                DNSResolverError.malformedReply(
                    "TCP: connection closed after \(buffer.count - 2) of \(length) message bytes"))
        }
        context.fireChannelInactive()
    }
}

/// Whether two socket addresses are the same IP and port (ignoring how they were built).
func sameEndpoint(_ lhs: SocketAddress?, _ rhs: SocketAddress) -> Bool {
    guard let lhs else { return false }
    return lhs.port == rhs.port && lhs.ipAddress == rhs.ipAddress
}

/// Maps any error from NIO or the handlers to a resolver error.
func resolverError(_ error: any Error) -> DNSResolverError {
    if let error = error as? DNSResolverError { return error }
    if error is CancellationError { return .cancelled }
    if let error = error as? ChannelError, case .connectTimeout = error { return .timeout }
    if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return .networkError("connection refused") }
    return .networkError("\(error)")
}

/// One DNS exchange over UDP or TCP, each on a fresh socket with a kernel-chosen source port.
struct DNSTransport: Sendable {
    let group: any EventLoopGroup

    /// Sends `query` over a new connected UDP socket and waits up to `timeout` for the matching reply.
    func udp(_ query: DNSMessage, server: SocketAddress, timeout: TimeAmount) async throws(DNSResolverError)
        -> DNSExchange
    {
        let queryBytes = query.encode()
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: DNSUDPOutcome.self)
        let matcher = DNSReplyMatcher(query: query)
        let started = NIODeadline.now()
        let timeoutTask = eventLoop.scheduleTask(in: timeout) { promise.fail(DNSResolverError.timeout) }
        let channelFuture = DatagramBootstrap(group: eventLoop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        DNSUDPReplyHandler(matcher: matcher, server: server, promise: promise))
                }
            }
            .connect(to: server)
        let outcome = try await exchange(queryBytes, over: channelFuture, promise: promise, timer: timeoutTask)
        switch outcome {
        case .reply(let reply, let size):
            return DNSExchange(
                server: server, transport: .udp, query: query, reply: reply, replySize: size,
                roundTrip: NIODeadline.now() - started)
        case .malformed(let error, _):
            throw .malformedReply(error.description)
        }
    }

    /// Connects to `server` over TCP, sends `query` with its 2-byte length prefix and reads one reply, all within
    /// `timeout`.
    func tcp(_ query: DNSMessage, server: SocketAddress, timeout: TimeAmount) async throws(DNSResolverError)
        -> DNSExchange
    {
        let queryBytes = query.encode()
        guard queryBytes.count <= 0xFFFF else { throw .invalidName("query too large for TCP") }
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: [UInt8].self)
        let started = NIODeadline.now()
        let timeoutTask = eventLoop.scheduleTask(in: timeout) { promise.fail(DNSResolverError.timeout) }
        let channelFuture = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DNSTCPReplyHandler(promise: promise))
                }
            }
            .connect(to: server)
        var framed = [UInt8(queryBytes.count >> 8), UInt8(queryBytes.count & 0xFF)]
        framed += queryBytes
        let bytes = try await exchange(framed, over: channelFuture, promise: promise, timer: timeoutTask)
        switch DNSReplyMatcher(query: query).classify(bytes) {
        case .reply(let reply):
            return DNSExchange(
                server: server, transport: .tcp, query: query, reply: reply, replySize: bytes.count,
                roundTrip: NIODeadline.now() - started)
        case .malformed(let error):
            throw .malformedReply(error.description)
        case .drop:
            throw .malformedReply("TCP: the reply does not match the query")
        }
    }

    /// Writes `bytes` once the channel is connected and waits for `promise` (completed by the channel's reply
    /// handler or by `timer`); any failure fails it. When it completes the timer is cancelled and the channel closed;
    /// cancelling the task fails it.
    private func exchange<Outcome: Sendable>(
        _ bytes: [UInt8], over channelFuture: EventLoopFuture<any Channel>, promise: EventLoopPromise<Outcome>,
        timer: Scheduled<Void>
    ) async throws(DNSResolverError) -> Outcome {
        channelFuture.whenComplete { result in
            switch result {
            case .success(let channel):
                let buffer = channel.allocator.buffer(bytes: bytes)
                channel.writeAndFlush(buffer).whenFailure { error in promise.fail(resolverError(error)) }
            case .failure(let error):
                promise.fail(resolverError(error))
            }
        }
        promise.futureResult.whenComplete { _ in
            timer.cancel()
            channelFuture.whenSuccess { channel in channel.close(promise: nil) }
        }
        do {
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                promise.fail(CancellationError())
            }
        } catch {
            throw resolverError(error)
        }
    }
}
