import NIOCore
import NIOPosix
import NIOSSL
import UplinkMQTT
import UplinkTLSHandshake

/// TCP or TLS connections to a broker over SwiftNIO, with TCP_NODELAY.
public struct MQTTNIOTransport: MQTTTransport {
    /// Broker host name or IP address.
    public var host: String
    /// Broker port.
    public var port: Int
    /// TLS settings; `nil` for plain TCP.
    public var tls: MQTTTLSConfiguration?
    /// Time allowed for TCP connect and the TLS handshake.
    public var connectTimeout: Duration
    /// Event loops to run on.
    public var eventLoopGroup: any EventLoopGroup
    private let sslContext: NIOSSLContext?

    /// Creates a transport; reads the TLS files now, so mistakes show up at once.
    public init(
        host: String,
        port: Int,
        tls: MQTTTLSConfiguration? = nil,
        connectTimeout: Duration = .seconds(10),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(MQTTClientError) {
        self.host = host
        self.port = port
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.eventLoopGroup = eventLoopGroup
        self.sslContext = try tls?.makeContext()
    }

    /// A transport for AWS IoT Core: TLS, port 8883, or 443 with ALPN `x-amzn-mqtt-ca` (added when missing).
    public static func awsIoT(
        endpoint: String, port: Int = 8883, tls: MQTTTLSConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(MQTTClientError) -> MQTTNIOTransport {
        var tls = tls
        if port == 443 && !tls.alpn.contains(MQTTAWSIoTProfile.alpnProtocol) {
            tls.alpn.append(MQTTAWSIoTProfile.alpnProtocol)
        }
        try MQTTAWSIoTProfile.validate(port: port, alpn: tls.alpn)
        return try MQTTNIOTransport(host: endpoint, port: port, tls: tls, eventLoopGroup: eventLoopGroup)
    }

    public func connect() async throws -> any MQTTTransportConnection {
        let sslContext = self.sslContext
        let hasClientCertificate = tls?.certificateFile != nil
        let serverName = tls?.serverName ?? (MQTTNIOTransport.isIPAddress(host) ? nil : host)
        let timeout = TimeAmount.nanoseconds(
            max(
                1,
                connectTimeout.components.seconds * 1_000_000_000
                    + connectTimeout.components.attoseconds / 1_000_000_000))
        do {
            let (channel, handler, handshake) = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(timeout)
                .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        var handshake: EventLoopFuture<Void>?
                        if let sslContext {
                            let promise = channel.eventLoop.makePromise(of: Void.self)
                            try channel.pipeline.syncOperations.addHandler(
                                try NIOSSLClientHandler(context: sslContext, serverHostname: serverName))
                            try channel.pipeline.syncOperations.addHandler(
                                TLSHandshakeWatcher(
                                    promise: promise, note: TLSFailureNote(),
                                    sentClientCertificate: hasClientCertificate))
                            handshake = promise.futureResult
                        }
                        let handler = MQTTByteStreamHandler()
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return (channel, NIOLoopBound(handler, eventLoop: channel.eventLoop), handshake)
                    }
                }
            if let handshake {
                let timer = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
                do {
                    try await handshake.get()
                    timer.cancel()
                } catch {
                    timer.cancel()
                    try? await channel.close()
                    throw MQTTClientError.transportFailed("TLS handshake with \(host):\(port) failed: \(error)")
                }
            }
            return MQTTNIOConnection(channel: channel, handler: handler)
        } catch let error as MQTTClientError {
            throw error
        } catch {
            throw MQTTClientError.transportFailed(MQTTNIOTransport.describe(error, host: host, port: port))
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }

    static func describe(_ error: any Error, host: String, port: Int) -> String {
        let text = "\(error)"
        if text.contains("connection refused") || text.contains("Connection refused") || text.contains("ECONNREFUSED") {
            return "connection refused by \(host):\(port) (is a broker listening there?)"
        }
        if error is ChannelError, case .connectTimeout = error as? ChannelError {
            return "no answer from \(host):\(port) (connect timed out)"
        }
        return "cannot connect to \(host):\(port): \(text)"
    }
}
