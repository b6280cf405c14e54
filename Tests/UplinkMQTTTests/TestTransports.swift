import Foundation
import Synchronization
import UplinkMQTT

/// Wraps a transport: records every byte the client sends and can cut the connection abruptly (no DISCONNECT),
/// as a crash or a network loss would.
final class MQTTTapTransport: MQTTTransport, @unchecked Sendable {
    let inner: any MQTTTransport
    private let lock = Mutex(())
    private var connections: [TapConnection] = []
    private var sentBytes: [UInt8] = []
    private var sentPerConnection: [[UInt8]] = []
    private var receivedPerConnection: [[UInt8]] = []
    private var connects = 0

    init(_ inner: any MQTTTransport) { self.inner = inner }

    func connect() async throws -> any MQTTTransportConnection {
        let inner = try await inner.connect()
        let connection = lock.withLock { _ in
            let connection = TapConnection(inner, tap: self, index: connects)
            connections.append(connection)
            connects += 1
            sentPerConnection.append([])
            receivedPerConnection.append([])
            return connection
        }
        return connection
    }

    /// Closes every open connection from the client side without DISCONNECT.
    func sever() async {
        let open = lock.withLock { _ in connections }
        for connection in open { await connection.close() }
    }

    /// Everything sent so far.
    var sent: [UInt8] { lock.withLock { _ in sentBytes } }
    var connectCount: Int { lock.withLock { _ in connects } }

    /// Bytes sent and received on the connection with this index (0 is the first).
    func sent(onConnection index: Int) -> [UInt8] {
        lock.withLock { _ in index < sentPerConnection.count ? sentPerConnection[index] : [] }
    }
    func received(onConnection index: Int) -> [UInt8] {
        lock.withLock { _ in index < receivedPerConnection.count ? receivedPerConnection[index] : [] }
    }

    fileprivate func record(_ bytes: [UInt8], connection index: Int) {
        lock.withLock { _ in
            sentBytes.append(contentsOf: bytes)
            sentPerConnection[index].append(contentsOf: bytes)
        }
    }

    fileprivate func recordReceived(_ bytes: [UInt8], connection index: Int) {
        lock.withLock { _ in receivedPerConnection[index].append(contentsOf: bytes) }
    }

    final class TapConnection: MQTTTransportConnection, @unchecked Sendable {
        let inner: any MQTTTransportConnection
        weak var tap: MQTTTapTransport?
        let index: Int

        init(_ inner: any MQTTTransportConnection, tap: MQTTTapTransport, index: Int) {
            self.inner = inner
            self.tap = tap
            self.index = index
        }

        func send(_ bytes: [UInt8]) async throws {
            tap?.record(bytes, connection: index)
            try await inner.send(bytes)
        }

        func receive() async throws -> [UInt8] {
            let bytes = try await inner.receive()
            tap?.recordReceived(bytes, connection: index)
            return bytes
        }
        func close() async { await inner.close() }
    }
}
