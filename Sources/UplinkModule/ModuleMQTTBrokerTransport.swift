import ATCodec
import NIOCore
import NIOPosix
import Synchronization
import UplinkMQTT
import UplinkMQTTNIO

/// How the SPWF04's own MQTT client reaches its broker: the addresses the module's resolver found, TCP from the
/// module's event loop, and TLS from the module's credential slots (``TLSClientSetup``, the one check of chain and
/// name SOCKON uses). The MQTT client (UplinkMQTT's ``MQTTClient``) sees only the byte stream.
///
/// A failure is kept as the catalogue entry the host will see (``lastFailure``): the client wraps transport errors
/// in its own, and the module reports the precise one (`TLS handshake failed: unknown CA`...).
final class ModuleMQTTBrokerTransport: MQTTTransport {
    let addresses: [IPv4Address]
    let port: Int
    let tls: TLSClientSetup?
    let eventLoop: any EventLoop
    let connectTimeout: TimeAmount
    private let failure = Mutex<DetailedFailure?>(nil)
    private let reached = Mutex(false)

    init(
        addresses: [IPv4Address], port: Int, tls: TLSClientSetup?, eventLoop: any EventLoop, connectTimeout: TimeAmount
    ) {
        self.addresses = addresses
        self.port = port
        self.tls = tls
        self.eventLoop = eventLoop
        self.connectTimeout = connectTimeout
    }

    /// Why the last connect failed, as the host sees it.
    var lastFailure: DetailedFailure? { failure.withLock { $0 } }

    /// Whether the last connect reached the broker: TCP connected and, with TLS, the handshake completed. A connect
    /// that then fails before CONNACK was closed by the broker (``ATError/mqttClosedBeforeConnAck``).
    var reachedBroker: Bool { reached.withLock { $0 } }

    func connect() async throws -> any MQTTTransportConnection {
        reached.withLock { $0 = false }
        var last = DetailedFailure(error: .connectionFailed, detail: "no address")
        for address in addresses {
            let channel: any Channel
            do {
                let remote = try SocketAddress(ipAddress: address.description, port: port)
                channel = try await ClientBootstrap(group: eventLoop)
                    .connectTimeout(connectTimeout)
                    .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                    .connect(to: remote).get()
            } catch {
                last = DetailedFailure(error: .connectionFailed, detail: "\(address):\(port): \(error)")
                continue
            }
            if let tls {
                do {
                    // The handshake has the connect's deadline too.
                    let timer = channel.eventLoop.scheduleTask(in: connectTimeout) { channel.close(promise: nil) }
                    defer { timer.cancel() }
                    let handshake = try await channel.eventLoop.submit { try tls.install(on: channel) }.get()
                    try await handshake.get()
                } catch {
                    try? await channel.close()
                    let detailed =
                        (error as? DetailedFailure)
                        ?? DetailedFailure(error: .handshakeFailed, detail: "\(address):\(port): \(error)")
                    failure.withLock { $0 = detailed }
                    // A handshake failure is final: the next address holds the same server.
                    throw MQTTClientError.transportFailed(detailed.detail)
                }
            }
            failure.withLock { $0 = nil }
            reached.withLock { $0 = true }
            return try await MQTTNIOChannelConnection.attach(to: channel)
        }
        failure.withLock { $0 = last }
        throw MQTTClientError.transportFailed(last.detail)
    }
}
