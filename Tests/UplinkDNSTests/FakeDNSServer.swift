import DNSCodec
import NIOCore
import NIOPosix
import Synchronization
import UplinkDNS
import UplinkTestSupport

/// What the fake server does with one query.
enum FakeAction: Sendable {
    /// UDP: one datagram; TCP: the message with its 2-byte length prefix.
    case reply([UInt8])
    /// TCP: these bytes exactly (to cut a message or its length); UDP: one datagram.
    case raw([UInt8])
    /// UDP: a datagram sent from another port of 127.0.0.1 (a source mismatch).
    case fromOtherPort([UInt8])
    /// TCP: close the connection.
    case close
}

/// One query the fake server received.
struct FakeQuery: Sendable {
    var transport: DNSTransportKind
    var message: DNSMessage
    var sourcePort: Int?
}

/// An in-process DNS server on 127.0.0.1 (UDP and TCP on the same ephemeral port) whose replies are scripted
/// per query, for what a real server will not do: malformed replies, wrong ids, silence, cut TCP streams.
final class FakeDNSServer: StoppableServer, Sendable {
    typealias Behavior = @Sendable (_ query: DNSMessage, _ transport: DNSTransportKind) -> [FakeAction]

    let address: SocketAddress
    private let udp: any Channel
    private let tcp: any Channel
    private let spoofer: any Channel
    private let log: FakeQueryLog

    var port: Int { address.port ?? 0 }

    /// The queries received so far.
    var queries: [FakeQuery] { log.entries.withLock { $0 } }

    init(group: any EventLoopGroup, behavior: @escaping Behavior) async throws {
        let log = FakeQueryLog()
        let spoofer = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        // The UDP port the kernel picks may be taken for TCP (by another test's connection): try again.
        var attempt = 0
        var bound: (udp: Channel, tcp: Channel, port: Int)? = nil
        while bound == nil {
            attempt += 1
            let udp = try await DatagramBootstrap(group: group)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            FakeUDPHandler(behavior: behavior, log: log, spoofer: spoofer))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            let port = udp.localAddress?.port ?? 0
            do {
                let tcp = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(FakeTCPHandler(behavior: behavior, log: log))
                        }
                    }
                    .bind(host: "127.0.0.1", port: port).get()
                bound = (udp, tcp, port)
            } catch {
                try? await udp.close()
                if attempt >= 20 { throw error }
            }
        }
        guard let (udp, tcp, port) = bound else { throw ChannelError.ioOnClosedChannel }
        self.udp = udp
        self.tcp = tcp
        self.spoofer = spoofer
        self.log = log
        self.address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
    }

    func stop() async {
        for channel in [udp, tcp, spoofer] { try? await channel.close() }
    }
}

private final class FakeUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let behavior: FakeDNSServer.Behavior
    let log: FakeQueryLog
    let spoofer: any Channel

    init(behavior: @escaping FakeDNSServer.Behavior, log: FakeQueryLog, spoofer: any Channel) {
        self.behavior = behavior
        self.log = log
        self.spoofer = spoofer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        guard let query = try? DNSMessage.decode(Array(envelope.data.readableBytesView)) else { return }
        log.entries.withLock {
            $0.append(FakeQuery(transport: .udp, message: query, sourcePort: envelope.remoteAddress.port))
        }
        for action in behavior(query, .udp) {
            switch action {
            case .reply(let bytes), .raw(let bytes):
                var buffer = context.channel.allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                context.writeAndFlush(
                    Self.wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)),
                    promise: nil)
            case .fromOtherPort(let bytes):
                var buffer = spoofer.allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                spoofer.writeAndFlush(
                    AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer), promise: nil)
            case .close:
                break
            }
        }
    }
}

private final class FakeTCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let behavior: FakeDNSServer.Behavior
    let log: FakeQueryLog
    private var buffer: [UInt8] = []

    init(behavior: @escaping FakeDNSServer.Behavior, log: FakeQueryLog) {
        self.behavior = behavior
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        buffer.append(contentsOf: Self.unwrapInboundIn(data).readableBytesView)
        guard buffer.count >= 2 else { return }
        let length = Int(buffer[0]) << 8 | Int(buffer[1])
        guard buffer.count >= 2 + length else { return }
        let bytes = Array(buffer[2..<(2 + length)])
        buffer.removeFirst(2 + length)
        guard let query = try? DNSMessage.decode(bytes) else {
            context.close(promise: nil)
            return
        }
        let port = context.channel.remoteAddress?.port
        log.entries.withLock { $0.append(FakeQuery(transport: .tcp, message: query, sourcePort: port)) }
        for action in behavior(query, .tcp) {
            switch action {
            case .reply(let bytes):
                var out = context.channel.allocator.buffer(capacity: bytes.count + 2)
                out.writeInteger(UInt16(bytes.count))
                out.writeBytes(bytes)
                context.writeAndFlush(Self.wrapOutboundOut(out), promise: nil)
            case .raw(let bytes), .fromOtherPort(let bytes):
                var out = context.channel.allocator.buffer(capacity: bytes.count)
                out.writeBytes(bytes)
                context.writeAndFlush(Self.wrapOutboundOut(out), promise: nil)
            case .close:
                context.close(promise: nil)
                return
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

/// A reply to `query`: same id and question, QR set, with the given sections.
func makeReply(
    to query: DNSMessage, rcode: DNSResponseCode = .NOERROR, truncated: Bool = false,
    answers: [DNSResourceRecord] = [], authorities: [DNSResourceRecord] = [], edns: Bool? = nil
) -> DNSMessage {
    var header = DNSHeader(
        id: query.header.id, isResponse: true, isAuthoritative: true, isTruncated: truncated,
        recursionDesired: query.header.recursionDesired, recursionAvailable: true)
    header.responseCode = DNSResponseCode(rawValue: rcode.rawValue & 0x0F)
    var reply = DNSMessage(header: header, questions: query.questions, answers: answers, authorities: authorities)
    if edns ?? (query.edns != nil) {
        reply.additionals.append(DNSResourceRecord(opt: DNSOPTRecord(udpPayloadSize: 1232)))
    }
    return reply
}

/// `count` A records for `owner` (192.0.2.1, .2, …).
func aRecords(_ owner: DNSName, count: Int, ttl: UInt32 = 300) -> [DNSResourceRecord] {
    (1...count).map { DNSResourceRecord(name: owner, ttl: ttl, data: .a(DNSIPv4Address(192, 0, 2, UInt8($0)))) }
}

func dnsName(_ text: String) -> DNSName {
    do {
        return try DNSName(text)
    } catch {
        preconditionFailure("bad test name \(text): \(error)")
    }
}

/// An SOA for negative answers in `zone`.
func soaRecord(zone: String, ttl: UInt32 = 300, minimum: UInt32 = 60) -> DNSResourceRecord {
    DNSResourceRecord(
        name: dnsName(zone), ttl: ttl,
        data: .soa(
            DNSSOAData(
                mname: dnsName("ns.\(zone)"), rname: dnsName("hostmaster.\(zone)"), serial: 1, refresh: 3600,
                retry: 600, expire: 86400, minimum: minimum)))
}

/// A UDP socket on 127.0.0.1 that reads and never answers: a dead server.
func silentUDPServer(group: any EventLoopGroup) async throws -> any Channel {
    try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
}

/// Seconds elapsed since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let duration = ContinuousClock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The queries a fake server received, shared by its UDP and TCP handlers.
final class FakeQueryLog: Sendable {
    let entries = Mutex<[FakeQuery]>([])
}
