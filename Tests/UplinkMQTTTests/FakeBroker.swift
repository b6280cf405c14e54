import MQTTCodec
import NIOCore
import NIOPosix
import Synchronization

/// An in-process scripted broker on 127.0.0.1 (SwiftNIO): accepts one connection and runs `script` on it, so a
/// test can send any bytes, valid or hostile, and see what the client sends back.
final class MQTTFakeBroker: Sendable {
    let port: Int
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let accepted = AcceptedConnections()

    init() async throws {
        let accepted = self.accepted
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    let connection = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
                    accepted.keep(connection)
                    return connection
                }
            }
        port = server.channel.localAddress?.port ?? 0
    }

    /// Serves `count` connections one after the other, each with `script(index, peer)`; closes each when its script
    /// returns, and the listener after the last.
    func serve(
        connections count: Int, _ script: @escaping @Sendable (Int, inout MQTTFakePeer) async throws -> Void
    ) async throws {
        try await server.executeThenClose { connections in
            var iterator = connections.makeAsyncIterator()
            var failure: (any Error)?
            var index = 0
            do {
                while index < count, let connection = try await iterator.next() {
                    try await connection.executeThenClose { input, output in
                        var peer = MQTTFakePeer(input: input.makeAsyncIterator(), output: output)
                        try await script(index, &peer)
                    }
                    index += 1
                }
            } catch {
                failure = error
            }
            await Self.closeLeftovers(server: server, iterator: &iterator)
            if let failure { throw failure }
        }
        accepted.finishAll()
    }

    /// Serves the first connection with `script`, then closes it and the listener.
    func serve(_ script: @escaping @Sendable (inout MQTTFakePeer) async throws -> Void) async throws {
        try await serve(connections: 1) { _, peer in try await script(&peer) }
    }

    /// Closes the listener, then every connection the client made meanwhile (a reconnecting client): a connection
    /// left unserved in the stream would end the process (NIOAsyncWriter deinitialised without `finish()`).
    private static func closeLeftovers(
        server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>,
        iterator: inout NIOAsyncChannelInboundStream<NIOAsyncChannel<ByteBuffer, ByteBuffer>>.AsyncIterator
    ) async {
        try? await server.channel.close()
        while let leftover = try? await iterator.next() {
            try? await leftover.executeThenClose { _, _ in }
        }
    }
}

/// Every connection the listener wrapped, kept until its writer is finished: a connection a reconnecting client
/// made that no script served (still buffered in the listener's stream when the serving task is cancelled) would
/// otherwise deinitialise an unfinished NIOAsyncWriter, which ends the process.
final class AcceptedConnections: Sendable {
    private let connections = Mutex<[NIOAsyncChannel<ByteBuffer, ByteBuffer>]>([])

    func keep(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        connections.withLock { $0.append(connection) }
    }

    /// Finishes every kept writer and closes its channel.
    func finishAll() {
        let all = connections.withLock { kept in
            defer { kept.removeAll() }
            return kept
        }
        for connection in all {
            connection.outbound.finish()
            connection.channel.close(promise: nil)
        }
    }

    deinit { finishAll() }
}

/// The broker side of one connection.
struct MQTTFakePeer {
    var input: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let output: NIOAsyncChannelOutboundWriter<ByteBuffer>
    var decoder = MQTTFrameDecoder(version: .v5)
    var version = MQTTProtocolVersion.v5

    /// The next packet from the client; `nil` when it closed the connection.
    mutating func receive() async throws -> MQTTPacket? {
        while true {
            if let packet = try decoder.next() {
                if case .connect = packet { version = decoder.version }
                return packet
            }
            guard let buffer = try await input.next() else { return nil }
            decoder.append(Array(buffer.readableBytesView))
        }
    }

    /// Sends raw bytes.
    func send(_ bytes: [UInt8]) async throws { try await output.write(ByteBuffer(bytes: bytes)) }

    /// Sends a packet encoded for the client's version.
    func send(_ packet: MQTTPacket) async throws { try await send(try packet.encode(version: version)) }

    /// Reads CONNECT and accepts it.
    mutating func accept(_ connack: ConnAckPacket = ConnAckPacket()) async throws {
        guard case .connect? = try await receive() else { throw MQTTTestSetupError(description: "expected CONNECT") }
        try await send(.connack(connack))
    }

    /// The next packet, which must match `expected` (a description for the error otherwise).
    mutating func expect<T>(_ expected: String, _ match: (MQTTPacket) -> T?) async throws -> T {
        guard let packet = try await receive() else {
            throw MQTTTestSetupError(description: "expected \(expected), the client closed the connection")
        }
        guard let value = match(packet) else {
            throw MQTTTestSetupError(description: "expected \(expected), received \(packet)")
        }
        return value
    }

    /// Reads packets until the client closes; returns them.
    mutating func drain() async throws -> [MQTTPacket] {
        var packets: [MQTTPacket] = []
        while let packet = try? await receive() { packets.append(packet) }
        return packets
    }
}
