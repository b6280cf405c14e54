import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Data mode through a real `uplink module` process on a paced pseudo-terminal (a 115200-baud UART, about
/// 11.5 KB/s) with a peer on 127.0.0.1 that is much faster: nothing is lost or reordered either way.
@Suite("Data mode flow control: a slow paced UART, a fast peer, no loss", .serialized, .timeLimit(.minutes(3)))
struct DataModeFlowTests {
    static let payloadSize = 160 * 1024

    static func payload(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    /// FNV-1a, 64 bits: a digest to name in failure messages.
    static func digest(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    @Test("Peer to host at UART speed, host to peer in a burst: byte counts and digests match")
    func pacedNoLoss() async throws {
        let toHost = Self.payload(Self.payloadSize, seed: 1)
        let toPeer = Self.payload(Self.payloadSize, seed: 2)
        let peer = try await PayloadPeer.start(sending: toHost)
        defer { Task { await peer.close() } }
        let module = try await ModuleProcess.start(["--volatile", "--pace", "--baud", "115200"])
        defer { module.kill() }
        for command in TestJoin.commands(.spwf01) {
            module.host.write(command)
            _ = try await module.host.read(through: "\r\nOK\r\n", timeout: 30)
        }
        _ = try await module.host.read(through: "+WIND:24:", timeout: 30)
        module.host.write(Wire.spwf01.socketOn("127.0.0.1", peer.port, "t"))
        _ = try await module.host.read(through: "\r\nOK\r\n", timeout: 30)
        // The peer starts sending at once: WIND 55s may come before data mode; the bytes wait in the socket.
        module.host.write("AT+S.\r")
        _ = try await module.host.read(through: "+WIND:60:Now in Data Mode\r\n", timeout: 30)

        // Host to peer: the whole payload as fast as the pty takes it (the module pauses its reads, not drops).
        let fd = module.host.fd
        let started = ContinuousClock.now
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var offset = 0
        // What the port read past the WIND is the first of the data.
        var received = await module.host.drain(wait: 0)
        let deadline = ContinuousClock.now + .seconds(150)
        while (offset < toPeer.count || received.count < toHost.count) && ContinuousClock.now < deadline {
            if offset < toPeer.count {
                let n = toPeer.withUnsafeBytes { write(fd, $0.baseAddress! + offset, min(4096, $0.count - offset)) }
                if n > 0 { offset += n }
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { received += chunk[0..<n] } else { try await Task.sleep(for: .milliseconds(2)) }
        }
        print("data mode flow: \(received.count) bytes to the host in \(ContinuousClock.now - started)")
        let peerDeadline = ContinuousClock.now + .seconds(30)
        while peer.received.count < toPeer.count && ContinuousClock.now < peerDeadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        let got = peer.received
        #expect(offset == toPeer.count)
        #expect(received.count == toHost.count, "host got \(received.count) of \(toHost.count) bytes")
        #expect(Self.digest(received) == Self.digest(toHost))
        #expect(received.count == toHost.count && received == toHost, "the peer's bytes reached the host damaged")
        #expect(got.count == toPeer.count, "peer got \(got.count) of \(toPeer.count) bytes")
        #expect(Self.digest(got) == Self.digest(toPeer))
        #expect(got.count == toPeer.count && got == toPeer, "the host's bytes reached the peer damaged")

        // And back to command mode.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        module.host.write("at+s.")
        _ = try await module.host.read(through: "+WIND:59:Back to Command Mode\r\n", timeout: 30)
        module.host.write("AT\r")
        _ = try await module.host.read(through: "\r\nOK\r\n", timeout: 30)
    }
}

/// A TCP server on 127.0.0.1 that sends a payload to its first client as fast as TCP lets it and keeps what the
/// client sends.
final class PayloadPeer: Sendable {
    let group: MultiThreadedEventLoopGroup
    let channel: Channel
    let port: Int
    private let box: PayloadBox

    private init(group: MultiThreadedEventLoopGroup, channel: Channel, box: PayloadBox) {
        self.group = group
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.box = box
    }

    static func start(sending payload: [UInt8]) async throws -> PayloadPeer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let box = PayloadBox()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PayloadHandler(payload: payload, box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return PayloadPeer(group: group, channel: channel, box: box)
    }

    var received: [UInt8] { box.received.withLock { $0 } }

    func close() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

private final class PayloadBox: Sendable {
    let received = Mutex<[UInt8]>([])
}

private final class PayloadHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let payload: [UInt8]
    let box: PayloadBox

    init(payload: [UInt8], box: PayloadBox) {
        self.payload = payload
        self.box = box
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: payload.count)
        buffer.writeBytes(payload)
        context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        box.received.withLock { $0.append(contentsOf: buffer.readableBytesView) }
    }
}
